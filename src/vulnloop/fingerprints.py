"""Fingerprints that survive unrelated edits: rule + normalised flagged code + enclosing scope.

Line numbers are deliberately left out, so a finding keeps its fingerprint when lines above it
move; a counter tells apart identical flagged code in the same scope.
"""
from __future__ import annotations

import ast
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
    return _innermost(_scopes(tree), line)


def _innermost(scopes: Sequence[_Scope], line: int) -> str:
    best, best_size = "", None
    for scope in scopes:
        if scope.start <= line <= scope.end:
            size = scope.end - scope.start
            if best_size is None or size <= best_size:
                best, best_size = scope.name, size
    return best


def normalise_code(code: str) -> str:
    return _SPACE.sub(" ", code).strip()


def flagged_code(lines: Sequence[str], finding: Finding) -> str:
    start = max(finding.start_line, 1)
    end = max(finding.end_line, start)
    return "\n".join(lines[start - 1 : end])


def assign_fingerprints(findings: Sequence[Finding], source: str) -> list[Finding]:
    """Fill snippet and fingerprint of findings that all belong to the file whose text is ``source``."""
    if not findings:
        return []
    lines = source.splitlines()
    try:
        scopes = _scopes(ast.parse(source))
    except (SyntaxError, ValueError):
        scopes = []
    seen: Counter[str] = Counter()
    out: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        code = flagged_code(lines, finding)
        scope = _innermost(scopes, finding.start_line)
        basis = f"{finding.engine}\0{finding.rule_id}\0{scope}\0{normalise_code(code)}"
        seen[basis] += 1
        digest = hashlib.sha256(f"{basis}\0{seen[basis]}".encode()).hexdigest()[:16]
        snippet = finding.snippet or code
        out.append(replace(finding, snippet=snippet, fingerprint=digest))
    return out
