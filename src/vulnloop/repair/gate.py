"""The checks an LLM's candidate passes before any re-scan: it is untrusted input.

1. Confinement (``confine.py``): only the units holding its findings change, plus imports; the
   candidate is rebuilt on the original's text, so nothing else can ride along.
2. Imports: new ones come from the standard library or packages the file already imports, so the
   repaired file still imports wherever it did.
3. Capabilities (``capabilities.py``): no new process, network or deserialisation family, no
   dynamic route, no hidden arguments, no patching.
4. Sanity (``sanity.py``): no new undefined name or unused import (pyflakes), the contracts of the
   sinks we repair kept (argument lists without a shell, sqlite3's placeholders, ...).
5. The flagged operation is kept: replaced by a reachable operation, not deleted or stubbed.

Pure: texts and findings in, the rebuilt text or a reason out.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from typing import Sequence

from vulnloop.findings import Finding
from vulnloop.linediff import line_opcodes
from vulnloop.repair.capabilities import capability_problem, operation_problem
from vulnloop.repair.confine import Matched, confine, first_line, last_line
from vulnloop.repair.imports import imported_packages
from vulnloop.repair.sanity import (
    contract_problem,
    error_answer_problem,
    lint_problem,
    new_exception_problem,
    return_problem,
)

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


@dataclass(frozen=True)
class GateResult:
    text: str | None
    reason: str = ""


def import_problem(before: ast.Module, after: ast.Module) -> str | None:
    """A package the repaired file imports that is neither the standard library nor one the
    file imported before (the project may not have it installed)."""
    known = imported_packages(before) | _STDLIB
    added = sorted(imported_packages(after) - known)
    if added:
        return (
            f"the repair imports `{added[0]}`, which is neither in the standard library nor imported by "
            "this file already: the project may not have it"
        )
    return None


def _unit_lines(text_lines: Sequence[str], nodes: Sequence[ast.stmt]) -> tuple[int, list[str]]:
    first = min(first_line(node) for node in nodes)
    last = max(last_line(node) for node in nodes)
    return first, list(text_lines[first - 1 : last])


def _replaced_lines(
    before_lines: Sequence[str], after_lines: Sequence[str], matched: Matched, flagged: set[int]
) -> tuple[set[int], set[int]]:
    """(flagged lines of the unit, the candidate lines that hold them now: kept or rewritten).
    When the edit deleted the flagged lines, every line the unit gained or rewrote."""
    old_first, old = _unit_lines(before_lines, matched.before)
    new_first, new = _unit_lines(after_lines, matched.after)
    opcodes = line_opcodes([line.strip() for line in old], [line.strip() for line in new])
    in_unit = {line for line in flagged if old_first <= line < old_first + len(old)}
    replaced: set[int] = set()
    changed: set[int] = set()
    for tag, i1, i2, j1, j2 in opcodes:
        lines = set(range(new_first + j1, new_first + j2))
        if tag != "equal":
            changed |= lines
        if any(old_first + i in in_unit for i in range(i1, i2)):
            if tag == "equal":
                lines = {new_first + j1 + (line - old_first - i1) for line in in_unit if old_first + i1 <= line < old_first + i2}
            replaced |= lines
    return in_unit, replaced or changed


def check_untrusted(before: str, candidate: str, targets: Sequence[Finding]) -> GateResult:
    """The candidate rebuilt and confined, or None and why an untrusted candidate is refused."""
    confined = confine(before, candidate, targets)
    if confined.text is None:
        return GateResult(None, confined.reason)
    rebuilt = confined.text
    old_tree, new_tree = ast.parse(before), ast.parse(rebuilt)
    problem = import_problem(old_tree, new_tree)
    if problem:
        return GateResult(None, problem)
    # The units as they stand in the rebuilt text (its line numbers).
    located = confine(before, rebuilt, targets)
    assert located.text is not None
    before_lines = before.splitlines()
    after_lines = rebuilt.splitlines()
    for matched in located.units:
        problem = capability_problem(matched.before, matched.after, new_tree)
        if problem:
            return GateResult(None, problem)
        for target in targets:
            flagged = set(range(target.start_line, max(target.end_line, target.start_line) + 1))
            in_unit, replaced = _replaced_lines(before_lines, after_lines, matched, flagged)
            if not in_unit:
                continue
            problem = operation_problem(matched.before, matched.after, new_tree, in_unit, replaced)
            if problem:
                return GateResult(None, problem)
        problem = (
            contract_problem(matched.before, matched.after, new_tree)
            or return_problem(matched.before, matched.after)
            or error_answer_problem(matched.before, matched.after)
            or new_exception_problem(matched.before, matched.after)
        )
        if problem:
            return GateResult(None, problem)
    problem = lint_problem(old_tree, new_tree)
    if problem:
        return GateResult(None, problem)
    return GateResult(rebuilt)
