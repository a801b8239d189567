"""The acceptance rules a candidate repair must pass. Pure functions: text and findings in, verdict out.

A candidate is accepted only when it parses and compiles, the targeted findings are gone, nothing
new appeared, no suppression comment was added, and the code was repaired rather than removed.
"""
from __future__ import annotations

import ast
import builtins
import functools
import io
import re
import tokenize
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Callable, Collection, Hashable, Iterable, Sequence

from vulnloop.findings import Finding
from vulnloop.fingerprints import enclosing_scope, normalise_code
from vulnloop.linediff import line_opcodes
from vulnloop.quiet_parse import quiet_warnings

_SUPPRESSION = re.compile(
    r"#\s*(?:nosec|noqa|lgtm|nosemgrep|nosem|pragma:\s*no\s*cover)\b|codeql\[|#\s*type:\s*ignore\[",
    re.IGNORECASE,
)


def compiles(text: str, path: str) -> str | None:
    """None when the text parses and compiles (never executed); else why not."""
    try:
        with quiet_warnings():
            # Parsed once: the structure rules reuse the cached tree.
            compile(module_facts(text).tree, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"the repaired code does not parse: {exc.msg} at line {exc.lineno}"
    except (ValueError, OverflowError) as exc:
        return f"the repaired code does not compile: {exc}"
    except (RecursionError, MemoryError) as exc:  # nested beyond what the parser can hold
        return f"the repaired code does not compile: {type(exc).__name__}"
    return None


def added_suppression(before: str, candidate: str) -> str | None:
    """A changed or new line of the candidate that carries a suppression comment its original
    line did not (compared line by line: removing a stale ``# nosec`` elsewhere buys nothing)."""
    if not _SUPPRESSION.search(candidate):
        return None  # the common case, without a diff
    old, new = before.splitlines(), candidate.splitlines()
    for tag, i1, i2, j1, j2 in line_opcodes(old, new):
        if tag == "equal":
            continue
        had = {m.group(0).lower() for line in old[i1:i2] for m in _SUPPRESSION.finditer(line)}
        for line in new[j1:j2]:
            if any(m.group(0).lower() not in had for m in _SUPPRESSION.finditer(line)):
                return line.strip()
    return None


def signature_of(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """Everything callers and decorators see: name, kind, parameters with their defaults and
    annotations, return annotation, decorators."""
    parts = [
        type(node).__name__,
        node.name,
        ast.dump(node.args),
        ast.dump(node.returns) if node.returns else "",
        *(ast.dump(d) for d in node.decorator_list),
    ]
    return "\0".join(parts)




@dataclass(frozen=True)
class ModuleFacts:
    """What the structure rules need to know of one text, from one walk of its tree."""

    tree: ast.Module
    definitions: dict[str, str]  # qualified name -> signature (classes: a marker)
    undefined: frozenset[str]  # names read but bound nowhere (empty after a star import)


_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__path__"}


@functools.lru_cache(maxsize=16)
def module_facts(text: str) -> ModuleFacts:
    """Facts of a text that parses. Cached: every candidate of a round is compared with the
    same current text, whose facts need computing once."""
    tree = ast.parse(text)
    found: dict[str, str] = {}
    loaded: set[str] = set()
    bound: set[str] = set(_BUILTIN_NAMES)
    star = False
    # Depth-first in source order (children pushed reversed), carrying the qualified-name prefix,
    # so the first of two same-named definitions is the one kept, as in the source.
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        children = list(ast.iter_child_nodes(node))
        for child in reversed(children):
            child_prefix = prefix
            if isinstance(child, ast.Name):
                (loaded if isinstance(child.ctx, ast.Load) else bound).add(child.id)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(child.name)
                child_prefix = f"{prefix}{child.name}."
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                for alias in child.names:
                    star = star or alias.name == "*"
                    bound.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(child, ast.arg):
                bound.add(child.arg)
            elif isinstance(child, ast.ExceptHandler) and child.name:
                bound.add(child.name)
            elif isinstance(child, (ast.Global, ast.Nonlocal)):
                bound.update(child.names)
            elif isinstance(child, ast.MatchAs | ast.MatchStar) and child.name:
                bound.add(child.name)
            stack.append((child, child_prefix))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(prefix[:-1], signature_of(node))
        elif isinstance(node, ast.ClassDef):
            found.setdefault(prefix[:-1], "class")
    # Popping yields nodes in source order, so setdefault keeps the first definition of a name.
    return ModuleFacts(tree, found, frozenset() if star else frozenset(loaded - bound))


def _scope_node(tree: ast.AST, qualname: str) -> ast.AST | None:
    if not qualname:
        return tree
    first, *inner = qualname.split(".")
    node: ast.AST | None = _first_definitions(tree).get(first)
    for part in inner:
        if node is None:
            return None
        node = next(
            (
                child
                for child in ast.walk(node)
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and child.name == part
            ),
            None,
        )
    return node


@functools.lru_cache(maxsize=16)
def _first_definitions(tree: ast.AST) -> dict[str, ast.AST]:
    """Each name's first function or class in ``ast.walk`` order: one walk of a tree, not one
    per target of a verdict."""
    found: dict[str, ast.AST] = {}
    for child in ast.walk(tree):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.setdefault(child.name, child)
    return found


@functools.lru_cache(maxsize=64)  # a module-level target's scope is the whole file
def _statement_count(node: ast.AST) -> int:
    """Statements inside ``node`` (not itself), leaving out docstrings and ``pass``."""
    return sum(
        1
        for child in ast.walk(node)
        if child is not node
        and isinstance(child, ast.stmt)
        and not (isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant))
        and not isinstance(child, ast.Pass)
    )


def _comments(text: str) -> list[str]:
    try:
        return [
            token.string[1:]
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        return []


def _commented_out(candidate: str, flagged_lines: Iterable[str]) -> bool:
    wanted = {normalise_code(code) for code in flagged_lines} - {""}
    # Cheap pass first: the text after every '#' is a superset of the comments; tokenize on a hit.
    rough = {
        normalise_code(line[index + 1:])
        for line in candidate.splitlines()
        for index, char in enumerate(line)
        if char == "#"
    }
    if not wanted & rough:
        return False
    comments = {normalise_code(comment) for comment in _comments(candidate)}
    return bool(wanted & comments)


def structure_problem(before: str, candidate: str, targets: Sequence[Finding]) -> str | None:
    """Why the candidate removes rather than repairs, or None when it keeps the code's shape."""
    flagged = [line for t in targets for line in t.snippet.splitlines()]
    if _commented_out(candidate, flagged):
        return "the repair comments out the flagged code instead of fixing it"
    old, new = module_facts(before), module_facts(candidate)
    before_tree, after_tree = old.tree, new.tree
    missing = sorted(new.undefined - old.undefined)
    if missing:
        return f"the repair uses {', '.join(f'`{n}`' for n in missing)} without importing or defining it"
    before_defs, after_defs = old.definitions, new.definitions
    for name, signature in before_defs.items():
        if name not in after_defs:
            return f"the repair removed or renamed `{name}`"
        if after_defs[name] != signature:
            return f"the repair changed the signature of `{name}` (parameters, defaults, annotations or decorators)"
    for target in targets:
        scope = enclosing_scope(before, target.start_line, tree=before_tree)
        old_node, new_node = _scope_node(before_tree, scope), _scope_node(after_tree, scope)
        if old_node is None or new_node is None:
            continue
        old_count, new_count = _statement_count(old_node), _statement_count(new_node)
        if old_count and new_count * 2 < old_count:
            where = f"`{scope}`" if scope else "the module"
            return f"the repair deleted most of {where} ({old_count} statements -> {new_count})"
    return None


@functools.lru_cache(maxsize=8)
def _line_origins(before: str, after: str) -> dict[int, set[int]]:
    """After-line -> the before-lines it was kept from or rewritten from (1-based)."""
    origins: dict[int, set[int]] = {}
    for tag, i1, i2, j1, j2 in line_opcodes(before.splitlines(), after.splitlines()):
        if tag == "equal":
            for offset in range(j2 - j1):
                origins[j1 + offset + 1] = {i1 + offset + 1}
        elif tag == "replace":
            block = set(range(i1 + 1, i2 + 1))
            for j in range(j1, j2):
                origins[j + 1] = block
    return origins


def _match_key(finding: Finding) -> tuple[str, str, str]:
    return (finding.engine, finding.rule_id, normalise_code(finding.snippet))


def pair_findings(
    before_text: str,
    before: Sequence[Finding],
    after_text: str,
    after: Sequence[Finding],
    targets: Collection[str] = (),
) -> dict[int, int]:
    """Which after-finding is which before-finding (indexes), one to one.

    By place first: same engine and rule on a line the edit kept or rewrote (so a second finding
    on a rewritten line is not taken for new); then by fingerprint (code that moved); then by rule
    and identical code. Findings the repair did not target are matched before its ``targets``
    (fingerprints): when two identical lines leave one behind, the one left is the untouched one.
    """
    origins = _line_origins(before_text, after_text)

    def origin_lines(finding: Finding) -> set[int]:
        lines: set[int] = set()
        for line in range(finding.start_line, max(finding.end_line, finding.start_line) + 1):
            lines |= origins.get(line, set())
        return lines

    # Each pass pairs an after-finding with the first still-free before-finding (in pool order)
    # it matches. Matches are looked up by key rather than searched for, so pairing stays linear
    # in the findings of a file with thousands: (engine, rule, line) for the place, then the
    # fingerprint, then rule and identical code.
    passes: tuple[tuple[Callable[[Finding], Hashable], Callable[[Finding], Iterable[Hashable]]], ...] = (
        (
            lambda b: (b.engine, b.rule_id, b.start_line),
            lambda a: ((a.engine, a.rule_id, line) for line in origin_lines(a)),
        ),
        (lambda b: b.fingerprint, lambda a: (a.fingerprint,)),
        (_match_key, lambda a: (_match_key(a),)),
    )
    pairs: dict[int, int] = {}
    untargeted = [i for i, f in enumerate(before) if f.fingerprint not in targets]
    targeted = [i for i, f in enumerate(before) if f.fingerprint in targets]
    for pool in (untargeted, targeted):
        taken: set[int] = set()
        for key_of, keys_for in passes:
            waiting: dict[Hashable, deque[int]] = defaultdict(deque)
            for b in pool:  # pools are in index order: a queue's head is its first free finding
                if b not in taken:
                    waiting[key_of(before[b])].append(b)
            for a_index, finding in enumerate(after):
                if a_index in pairs:
                    continue
                heads = [queue for queue in map(waiting.get, keys_for(finding)) if queue]
                if not heads:
                    continue
                queue = min(heads, key=lambda q: q[0])
                chosen = queue.popleft()
                pairs[a_index] = chosen
                taken.add(chosen)
    return pairs


def shape_problem(*, path: str, before: str, candidate: str, targets: Sequence[Finding]) -> str | None:
    """Rules 1 and 4: parses and compiles, adds no suppression, repairs rather than removes."""
    if candidate == before:
        return "the candidate is identical to the current code"
    problem = compiles(candidate, path)
    if problem:
        return problem
    suppressed = added_suppression(before, candidate)
    if suppressed is not None:
        return f"the repair adds a suppression comment instead of a fix: `{suppressed[:80]}`"
    return structure_problem(before, candidate, targets)


# The documented leftovers of a standard repair, excused only at the repaired call (or, for an
# import warning, on a new import line): shell=True -> an argument list still draws B603/B607, and
# os.system -> subprocess brings `import subprocess` (B404).
RESIDUES: dict[str, tuple[str, ...]] = {
    "B602": ("B603", "B607"),
    "B604": ("B603", "B607"),
    "B605": ("B603", "B607", "B404"),
    "B609": ("B603", "B607"),
}


def _expected_residue(
    finding: Finding,
    fixed: Sequence[Finding],
    residual_rules: Collection[str],
    origins: dict[int, set[int]],
    excused: set[tuple[str, str]],
) -> bool:
    """A leftover the fix of a target documents, where that fix is: on a line rewritten from the
    target's lines, or (import warnings) on a line the repair added. One per target and rule."""
    after_lines = range(finding.start_line, max(finding.end_line, finding.start_line) + 1)
    new_import = all(line not in origins for line in after_lines) and finding.snippet.lstrip().startswith(
        ("import ", "from ")
    )
    for target in fixed:
        if finding.engine != target.engine:
            continue
        allowed = set(RESIDUES.get(target.rule_id, ())) | set(residual_rules)
        key = (target.fingerprint, finding.rule_id)
        if finding.rule_id not in allowed or key in excused:
            continue
        target_lines = set(range(target.start_line, max(target.end_line, target.start_line) + 1))
        at_call = any(origins.get(line, set()) & target_lines for line in after_lines)
        if at_call or (new_import and finding.rule_id.startswith("B4")):
            excused.add(key)
            return True
    return False


def findings_problem(
    before_text: str,
    before: Sequence[Finding],
    after_text: str,
    after: Sequence[Finding],
    targets: Sequence[Finding],
    *,
    require_fix: bool = True,
    residual_rules: Collection[str] = (),
) -> tuple[tuple[str, ...], str | None]:
    """Rules 2 and 3 for one set of engines: (fingerprints of targets fixed, why rejected or None).

    ``targets`` (members of ``before``) are the findings the repair means to fix; with no targets
    the repair only has to add nothing new (another engine judges its targets).
    """
    pairs = pair_findings(before_text, before, after_text, after, {t.fingerprint for t in targets})
    still = {before[b].fingerprint for b in pairs.values()}
    fixed_targets = [t for t in targets if t.fingerprint not in still]
    fixed = tuple(t.fingerprint for t in fixed_targets)
    origins = _line_origins(before_text, after_text)
    excused: set[tuple[str, str]] = set()
    fresh = [
        f
        for index, f in enumerate(after)
        if index not in pairs and not _expected_residue(f, fixed_targets, residual_rules, origins, excused)
    ]
    if fresh:
        first = fresh[0]
        cwe = f" (CWE-{first.cwe})" if first.cwe else ""
        return fixed, (
            f"the repair introduces a new finding: {first.rule_id}{cwe} at line "
            f"{first.start_line}: {first.message}"
        )
    if require_fix and targets and not fixed:
        target = targets[0]
        where = next(
            (after[a].start_line for a, b in pairs.items() if before[b].fingerprint == target.fingerprint),
            target.start_line,
        )
        return fixed, f"still reported by {target.engine}: {target.rule_id} at line {where}: {target.message}"
    return fixed, None
