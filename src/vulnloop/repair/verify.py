"""The acceptance rules a candidate repair must pass. Pure functions: text and findings in, verdict out.

A candidate is accepted only when it parses and compiles, the targeted findings are gone, nothing
new appeared, no suppression comment was added, and the code was repaired rather than removed.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections import Counter
from typing import Iterable, Sequence

from vulnloop.findings import Finding
from vulnloop.fingerprints import enclosing_scope, normalise_code

_SUPPRESSION = re.compile(
    r"#\s*(?:nosec|noqa|lgtm|nosemgrep|pragma:\s*no\s*cover)\b|codeql\[|#\s*type:\s*ignore\[",
    re.IGNORECASE,
)


def compiles(text: str, path: str) -> str | None:
    """None when the text parses and compiles (never executed); else why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"the repaired code does not parse: {exc.msg} at line {exc.lineno}"
    except (ValueError, OverflowError) as exc:
        return f"the repaired code does not compile: {exc}"
    return None


def count_suppressions(text: str) -> int:
    return len(_SUPPRESSION.findall(text))


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[object, ...]:
    args = node.args
    return (
        tuple(a.arg for a in args.posonlyargs),
        tuple(a.arg for a in args.args),
        args.vararg.arg if args.vararg else None,
        tuple(a.arg for a in args.kwonlyargs),
        args.kwarg.arg if args.kwarg else None,
    )


def definitions(tree: ast.AST) -> dict[str, tuple[object, ...]]:
    """Qualified name -> signature for every function, and a marker for every class."""
    found: dict[str, tuple[object, ...]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.setdefault(name, _signature(child))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                name = f"{prefix}{child.name}"
                found.setdefault(name, ("class",))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _scope_node(tree: ast.AST, qualname: str) -> ast.AST | None:
    if not qualname:
        return tree
    node: ast.AST | None = tree
    for part in qualname.split("."):
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
    comments = {normalise_code(comment) for comment in _comments(candidate)}
    return any(normalise_code(code) in comments for code in flagged_lines if normalise_code(code))


def structure_problem(before: str, candidate: str, targets: Sequence[Finding]) -> str | None:
    """Why the candidate removes rather than repairs, or None when it keeps the code's shape."""
    flagged = [line for t in targets for line in t.snippet.splitlines()]
    if _commented_out(candidate, flagged):
        return "the repair comments out the flagged code instead of fixing it"
    before_tree, after_tree = ast.parse(before), ast.parse(candidate)
    before_defs, after_defs = definitions(before_tree), definitions(after_tree)
    for name, signature in before_defs.items():
        if name not in after_defs:
            return f"the repair removed or renamed `{name}`"
        if after_defs[name] != signature:
            return f"the repair changed the signature of `{name}`"
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


def _match_key(finding: Finding) -> tuple[str, str, str]:
    return (finding.engine, finding.rule_id, normalise_code(finding.snippet))


def new_findings(before: Sequence[Finding], after: Sequence[Finding]) -> list[Finding]:
    """Findings in ``after`` that were not in ``before``: by fingerprint, then by rule and code."""
    known = {f.fingerprint for f in before}
    spare = Counter(_match_key(f) for f in before)
    for finding in after:
        if finding.fingerprint in known:
            spare[_match_key(finding)] -= 1
    fresh: list[Finding] = []
    for finding in after:
        if finding.fingerprint in known:
            continue
        key = _match_key(finding)
        if spare[key] > 0:  # same rule on the same code, only its scope or counter moved
            spare[key] -= 1
            continue
        fresh.append(finding)
    return fresh


def shape_problem(*, path: str, before: str, candidate: str, targets: Sequence[Finding]) -> str | None:
    """Rules 1 and 4: parses and compiles, adds no suppression, repairs rather than removes."""
    if candidate == before:
        return "the candidate is identical to the current code"
    problem = compiles(candidate, path)
    if problem:
        return problem
    if count_suppressions(candidate) > count_suppressions(before):
        return "the repair adds a suppression comment (# nosec, # noqa, ...) instead of a fix"
    return structure_problem(before, candidate, targets)


def _expected_residue(finding: Finding, fixed: Sequence[Finding]) -> bool:
    """A weaker finding of the same CWE that the standard fix leaves behind, e.g. B602 -> B603/B607
    when ``shell=True`` becomes an argument list: Bandit itself points to that rewrite."""
    return any(
        finding.engine == target.engine
        and finding.severity < target.severity
        and bool(set(finding.cwes) & set(target.cwes))
        for target in fixed
    )


def findings_problem(
    before: Sequence[Finding],
    after: Sequence[Finding],
    targets: Sequence[Finding],
    *,
    require_fix: bool = True,
) -> tuple[tuple[str, ...], str | None]:
    """Rules 2 and 3 for one set of engines: (fingerprints of targets fixed, why rejected or None).

    ``targets`` are the findings of these engines the repair means to fix; with no targets the
    repair only has to add nothing new (another engine judges its targets).
    """
    after_prints = {f.fingerprint for f in after}
    fixed = tuple(t.fingerprint for t in targets if t.fingerprint not in after_prints)
    fixed_targets = [t for t in targets if t.fingerprint in fixed]
    fresh = [f for f in new_findings(before, after) if not _expected_residue(f, fixed_targets)]
    if fresh:
        first = fresh[0]
        cwe = f" (CWE-{first.cwe})" if first.cwe else ""
        return fixed, (
            f"the repair introduces a new finding: {first.rule_id}{cwe} at line "
            f"{first.start_line}: {first.message}"
        )
    if require_fix and targets and not fixed:
        still = targets[0]
        line = next((f.start_line for f in after if f.fingerprint == still.fingerprint), still.start_line)
        return fixed, f"still reported by {still.engine}: {still.rule_id} at line {line}: {still.message}"
    return fixed, None
