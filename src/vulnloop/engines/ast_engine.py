"""What our own engines share: they read each file's syntax tree and never run it.

Parsing without the code's warnings, a reason for each file left out (unreadable, not Python,
nested deeper than Python's stack allows), fingerprints and order are the same for every such
engine; each one says only what it finds in one tree (``findings_in``).
"""
from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

from vulnloop.findings import Finding, ScanResult, SkippedFile
from vulnloop.fingerprints import assign_fingerprints
from vulnloop.quiet_parse import quiet_warnings
from vulnloop.sources import SourceFile


class Location(TypedDict):
    path: str
    start_line: int
    end_line: int
    start_col: int
    end_col: int


def location(path: str, node: ast.expr | ast.stmt) -> Location:
    """A finding's place from the node it is about: 1-based lines and columns, as engines report."""
    return Location(
        path=path,
        start_line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        start_col=node.col_offset + 1,
        end_col=(node.end_col_offset or node.col_offset) + 1,
    )


class AstEngine:
    name: str
    batch_only = False

    @property
    def version(self) -> str:
        return "1"  # our own analysis: its version moves with vulnloop's

    def unavailable_reason(self) -> str | None:
        return None  # pure Python, always available

    def findings_in(self, path: str, tree: ast.Module) -> list[Finding]:
        raise NotImplementedError

    def scan(self, sources: Sequence[SourceFile], *, root: Path | None = None) -> ScanResult:
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        for source in sources:
            if source.text is None:
                skipped.append(SkippedFile(source.path, source.skip_reason or "unreadable", self.name))
                continue
            try:
                with quiet_warnings(SyntaxWarning):
                    tree = ast.parse(source.text)
                found = self.findings_in(source.path, tree)
            except (SyntaxError, ValueError):
                skipped.append(SkippedFile(source.path, "syntax error: the file does not parse as Python", self.name))
                continue
            except RecursionError:  # expressions nested deeper than Python's stack allows
                skipped.append(SkippedFile(source.path, "too deeply nested to analyse", self.name))
                continue
            findings.extend(assign_fingerprints(found, source.text))
        return ScanResult(tuple(sorted(findings, key=Finding.sort_key)), tuple(skipped), (self.name,))
