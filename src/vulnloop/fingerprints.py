"""Fingerprints that survive unrelated edits: file + rule + normalised flagged code + enclosing scope.

Line numbers are deliberately left out, so a finding keeps its fingerprint when lines above it
move; a counter tells apart identical flagged code in the same scope. The file's path is part of
the key: identical code in two files is two findings (a review, a SARIF upload or the loop would
otherwise take one for the other).
"""
from __future__ import annotations

import ast
import bisect
import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Sequence

from vulnloop.findings import Finding

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class _Scope:
    name: str
    start: int
    end: int


# The fields of a statement holding further statements.
STATEMENT_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def _scopes(tree: ast.AST) -> list[_Scope]:
    """Every function and class with its lines. Only statement bodies are walked: a definition
    is always a statement, and skipping expressions makes this several times faster."""
    scopes: list[_Scope] = []

    def visit(statements: Sequence[ast.AST], prefix: str) -> None:
        for child in statements:
            inner = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{prefix}{child.name}"
                end = getattr(child, "end_lineno", None) or child.lineno
                scopes.append(_Scope(inner, child.lineno, end))
                inner += "."
            for field in STATEMENT_BODIES:
                nested = getattr(child, field, None)
                if nested:
                    visit(nested, inner)

    visit(getattr(tree, "body", ()), "")
    return scopes


def enclosing_scope(source: str, line: int, *, tree: ast.AST | None = None) -> str:
    """Qualified name of the innermost function or class holding ``line`` ('' at module level)."""
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return ""
    return _scope_index(tree).innermost(line)


@functools.lru_cache(maxsize=16)
def _scope_index(tree: ast.AST) -> _ScopeIndex:
    """One index per tree: a verdict asks for the scope of each of a file's targets."""
    return _ScopeIndex(_scopes(tree))


class _ScopeIndex:
    """The innermost scope holding a line, found by bisection rather than a search of every
    scope (a file with thousands of findings asks once per finding).

    Scopes nest or are disjoint, so the scopes holding a line are one chain of ancestors: the
    innermost is the last-starting scope at or before the line that still holds it, or one of
    that scope's ancestors."""

    def __init__(self, scopes: Sequence[_Scope]) -> None:
        # Sorted by start, outer before inner on a shared start line (longer first).
        self._scopes = sorted(scopes, key=lambda s: (s.start, -s.end))
        self._starts = [s.start for s in self._scopes]
        # The scope each one sits in (index), or -1 at module level.
        self._parent: list[int] = []
        open_scopes: list[int] = []
        for index, scope in enumerate(self._scopes):
            while open_scopes and self._scopes[open_scopes[-1]].end < scope.start:
                open_scopes.pop()
            self._parent.append(open_scopes[-1] if open_scopes else -1)
            open_scopes.append(index)

    def innermost(self, line: int) -> str:
        index = bisect.bisect_right(self._starts, line) - 1
        while index >= 0 and self._scopes[index].end < line:
            index = self._parent[index]
        return self._scopes[index].name if index >= 0 else ""


def normalise_code(code: str) -> str:
    return _SPACE.sub(" ", code).strip()


def path_key(path: str) -> str:
    """The path as a fingerprint holds it: the same file named with either separator is one."""
    return path.replace("\\", "/")


def flagged_code(lines: Sequence[str], finding: Finding) -> str:
    start = max(finding.start_line, 1)
    end = max(finding.end_line, start)
    return "\n".join(lines[start - 1 : end])


def assign_fingerprints(findings: Sequence[Finding], source: str, *, tree: ast.AST | None = None) -> list[Finding]:
    """Fill snippet and fingerprint of findings that all belong to the file whose text is
    ``source`` (``tree``: its parse, when the engine has it)."""
    if not findings:
        return []
    lines = source.splitlines()
    try:
        scopes = _ScopeIndex(_scopes(tree if isinstance(tree, ast.Module) else ast.parse(source)))
    except (SyntaxError, ValueError):
        scopes = _ScopeIndex([])
    seen: Counter[str] = Counter()
    out: list[Finding] = []
    normalised: dict[str, str] = {}  # flagged code repeats (and a file's findings are many)
    for finding in sorted(findings, key=Finding.sort_key):
        code = flagged_code(lines, finding)
        scope = scopes.innermost(finding.start_line)
        flat = normalised.get(code)
        if flat is None:
            flat = normalised[code] = normalise_code(code)
        basis = f"{path_key(finding.path)}\0{finding.engine}\0{finding.rule_id}\0{scope}\0{flat}"
        seen[basis] += 1
        digest = hashlib.sha256(f"{basis}\0{seen[basis]}".encode()).hexdigest()[:16]
        snippet = finding.snippet or code
        out.append(replace(finding, snippet=snippet, fingerprint=digest))
    return out
