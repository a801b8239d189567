"""Confinement of an LLM's candidate: it may change only the units holding its findings, plus imports.

A unit is the function or method enclosing a finding (decorators included), or, for a finding
outside any function, the module-level or class-level statement holding it. Outside the units,
the candidate's syntax tree must equal the original's, top-level imports aside (new imports are
allowed; one the candidate dropped stays unless nothing uses it any more). When it does, the candidate is rebuilt from the original
text: each unit's lines replaced by the candidate's, new imports inserted, every other byte of
the file the original's. So a whole-file answer cannot slip in anything elsewhere, not even a
comment, and the suggestion a user commits shows only the repair.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Sequence

from vulnloop.findings import Finding
from vulnloop.repair.imports import (
    import_keys,
    import_position,
    module_import_keys,
    render_imports,
    used_new_imports,
)
from vulnloop.repair.imports import definition_start
from vulnloop.repair.verify import signature_of
from vulnloop.text_lines import newline_of, split_lines

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_IMPORTS = (ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class Unit:
    """Where a finding may be repaired: a function or method (``qualname``), or statements."""

    qualname: str  # "f", "C.m"; for statements, their container ("" module, "C" class) + "#line"
    is_function: bool
    start_line: int  # first line in the original, decorators included
    end_line: int

    @property
    def label(self) -> str:
        if self.is_function:
            return f"`{self.qualname}`"
        return f"the statement at line {self.start_line}"


@dataclass
class Matched:
    """A unit of the original and its statements in the candidate."""

    unit: Unit
    before: list[ast.stmt]
    after: list[ast.stmt] = field(default_factory=list)


def first_line(node: ast.stmt) -> int:
    """A statement's first line, decorators included."""
    if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
        return definition_start(node)
    return node.lineno


def last_line(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _holder(body: Sequence[ast.stmt], line: int) -> ast.stmt | None:
    return next((node for node in body if first_line(node) <= line <= last_line(node)), None)


def unit_of(tree: ast.Module, line: int) -> tuple[Unit, ast.stmt] | None:
    """The unit holding ``line``: a top-level function, a method, or the statement around it."""
    body: Sequence[ast.stmt] = tree.body
    prefix = ""
    while True:
        node = _holder(body, line)
        if node is None:
            return None
        if isinstance(node, _FUNCTIONS):
            return Unit(f"{prefix}{node.name}", True, first_line(node), last_line(node)), node
        if isinstance(node, ast.ClassDef) and not (first_line(node) <= line < node.body[0].lineno):
            body, prefix = node.body, f"{prefix}{node.name}."
            continue
        return Unit(f"{prefix}#{first_line(node)}", False, first_line(node), last_line(node)), node


def units_for(
    tree: ast.Module, findings: Sequence[Finding]
) -> tuple[dict[int, Matched], set[int], list[Finding]]:
    """The units of ``findings`` keyed by id of their original node; the ids of top-level imports
    holding a finding (import warnings, resolved with the code using the import); and the
    findings that sit in no statement, to which no candidate can be confined."""
    units: dict[int, Matched] = {}
    imports: set[int] = set()
    lost: list[Finding] = []
    for finding in findings:
        found = unit_of(tree, finding.start_line)
        if found is None:
            lost.append(finding)
            continue
        unit, node = found
        if isinstance(node, _IMPORTS) and node in tree.body:
            imports.add(id(node))
        else:
            units.setdefault(id(node), Matched(unit, [node]))
    return units, imports, lost


def _header(node: ast.ClassDef) -> str:
    return "\0".join(
        [node.name, *(ast.dump(b) for b in node.bases), *(ast.dump(k) for k in node.keywords),
         *(ast.dump(d) for d in node.decorator_list)]
    )


class Mismatch(Exception):
    """The candidate differs from the original outside the units."""


def _describe(node: ast.stmt) -> str:
    if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
        return f"`{node.name}`"
    text = ast.unparse(node).split("\n", 1)[0]
    return f"`{text[:60]}`" + ("..." if len(text) > 60 else "")


def _contains_unit(node: ast.stmt, units: dict[int, Matched]) -> bool:
    return isinstance(node, ast.ClassDef) and any(
        id(child) in units or _contains_unit(child, units) for child in node.body
    )


def _same(before: ast.stmt, after: ast.stmt, units: dict[int, Matched]) -> bool:
    """One statement outside the units (a class holding units: its header; members are aligned)."""
    matched = units.get(id(before))
    if matched is not None:
        # The next unit's start: a function of the same name (a statement unit cannot be known).
        return (
            matched.unit.is_function
            and isinstance(before, _FUNCTIONS)
            and isinstance(after, _FUNCTIONS)
            and after.name == before.name
        )
    if isinstance(before, ast.ClassDef) and _contains_unit(before, units):
        return isinstance(after, ast.ClassDef) and _header(before) == _header(after)
    return ast.dump(before) == ast.dump(after)


def _align(before: Sequence[ast.stmt], after: Sequence[ast.stmt], units: dict[int, Matched], top: bool) -> None:
    """Match ``after`` against ``before`` statement by statement, filling each unit's statements.

    A function unit matches the definition of the same name in its place; a statement unit
    matches the run of statements up to the one that matches what follows it in the original
    (one statement when a statement unit follows). Top-level imports are compared elsewhere.
    Raises Mismatch at the first difference.
    """
    rest = [node for node in after if not (top and isinstance(node, _IMPORTS))]
    kept = [node for node in before if not (top and isinstance(node, _IMPORTS))]
    j = 0
    for i, node in enumerate(kept):
        matched = units.get(id(node))
        if matched is not None and matched.unit.is_function:
            if j >= len(rest) or not _same(node, rest[j], units):
                raise Mismatch(f"the answer does not keep {matched.unit.label} in its place")
            matched.after = [rest[j]]
            j += 1
        elif matched is not None:
            following = kept[i + 1] if i + 1 < len(kept) else None
            if following is not None and id(following) in units and not units[id(following)].unit.is_function:
                end = min(j + 1, len(rest))
            else:
                end = j
                while end < len(rest) and not (following is not None and _same(following, rest[end], units)):
                    end += 1
            matched.after = list(rest[j:end])
            j = end
        elif j >= len(rest):
            raise Mismatch(f"the answer removes {_describe(node)} (line {first_line(node)})")
        elif not _same(node, rest[j], units):
            raise Mismatch(
                f"the answer changes {_describe(node)} (line {first_line(node)}), outside the code it was "
                "asked to repair"
            )
        else:
            other = rest[j]
            if isinstance(node, ast.ClassDef) and isinstance(other, ast.ClassDef) and _contains_unit(node, units):
                _align(node.body, other.body, units, top=False)
            j += 1
    if j < len(rest):
        raise Mismatch(f"the answer adds {_describe(rest[j])} outside the code it was asked to repair")


@dataclass(frozen=True)
class Confined:
    """The rebuilt candidate and its units, or None and why the answer was refused."""

    text: str | None
    reason: str = ""
    units: tuple[Matched, ...] = ()


def _import_names(node: ast.Import | ast.ImportFrom) -> list[tuple[ast.alias, str]]:
    """Each alias of an import with the name it binds."""
    return [(alias, (alias.asname or alias.name).split(".")[0]) for alias in node.names]


def _loaded_names(tree: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _import_edits(original: ast.Module, changed: ast.Module, lines: Sequence[str]) -> list[tuple[int, int, list[str]]]:
    """Top-level imports the candidate dropped and nothing uses any more: removed (an import
    warning goes with the code that used the import). Every other original import stays."""
    kept_keys = module_import_keys(changed)
    used = _loaded_names(changed)
    edits: list[tuple[int, int, list[str]]] = []
    for node in original.body:
        if not isinstance(node, _IMPORTS):
            continue
        keys = import_keys(node)
        keep = [
            key for key, (_, bound) in zip(keys, _import_names(node)) if key in kept_keys or bound in used
        ]
        if len(keep) == len(keys):
            continue
        indent_line = lines[node.lineno - 1]
        indent = indent_line[: len(indent_line) - len(indent_line.lstrip())]
        edits.append((node.lineno - 1, last_line(node), [indent + text for text in render_imports(keep)]))
    return edits


def _reindent_lines(lines: list[str], indent: str) -> list[str]:
    from vulnloop.repair.answer import reindent

    return reindent("\n".join(lines), indent).split("\n")


def _apply(text: str, edits: Sequence[tuple[int, int, list[str]]]) -> str:
    """Replace 0-based line ranges [start, end) with new lines (bottom up); a replaced range keeps
    the ending of its last line, inserted lines take the file's newline."""
    out = split_lines(text)
    newline = newline_of(text)
    if out and not out[-1].endswith(("\n", "\r")) and any(start >= len(out) for start, _, _ in edits):
        out[-1] += newline
    for start, end, lines in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        if end > start:
            last = out[end - 1]
            tail = last[len(last.rstrip("\r\n")) :]
        else:
            tail = newline
        out[start:end] = [line + newline for line in lines[:-1]] + ([lines[-1] + tail] if lines else [])
    return "".join(out)


def confine(before: str, candidate: str, findings: Sequence[Finding]) -> Confined:
    """The candidate rebuilt on the original's text, or None and why it changes more than the
    units of ``findings`` and the imports."""
    original = ast.parse(before)
    try:
        changed = ast.parse(candidate)
    except SyntaxError as exc:
        return Confined(None, f"the repaired code does not parse: {exc.msg} at line {exc.lineno}")
    units, _, lost = units_for(original, findings)
    if lost:
        return Confined(None, f"no statement holds the finding at line {lost[0].start_line}")
    try:
        _align(original.body, changed.body, units, top=True)
    except Mismatch as exc:
        return Confined(None, str(exc))
    for matched in units.values():
        if not matched.after:
            return Confined(None, f"the answer deletes {matched.unit.label} instead of repairing it")
        old, new = matched.before[0], matched.after[0]
        if isinstance(old, _FUNCTIONS) and isinstance(new, _FUNCTIONS) and signature_of(old) != signature_of(new):
            return Confined(
                None,
                f"the answer changes the signature of {matched.unit.label} (its name, parameters, "
                "defaults, annotations or decorators): other code relies on it",
            )
    old_lines = split_lines(before)
    new_lines = [line.rstrip("\r\n") for line in split_lines(candidate)]
    edits: list[tuple[int, int, list[str]]] = []
    for matched in units.values():
        unit = matched.unit
        first, last = first_line(matched.after[0]), last_line(matched.after[-1])
        indent_line = old_lines[unit.start_line - 1]
        indent = indent_line[: len(indent_line) - len(indent_line.lstrip())]
        edits.append((unit.start_line - 1, unit.end_line, _reindent_lines(new_lines[first - 1 : last], indent)))
    edits.extend(_import_edits(original, changed, old_lines))
    imports, _ = used_new_imports(changed, original, [node for m in units.values() for node in m.after])
    if imports:
        first_unit = min((m.unit.start_line for m in units.values()), default=len(old_lines) + 1)
        position, had_block = import_position(original, first_unit)
        edits.append((position, position, imports + ([] if had_block else [""])))
    return Confined(_apply(before, edits), "", tuple(units.values()))
