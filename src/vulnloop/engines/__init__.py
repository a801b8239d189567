"""Engines turn source files into findings. Each takes the files' text, never reads the disk,
so the repair loop can re-scan candidate code with exactly the same engine."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from vulnloop.findings import ScanResult
from vulnloop.sources import SourceFile


class Engine(Protocol):
    name: str
    # True for engines too slow to judge each candidate (CodeQL, Semgrep): the loop batches
    # their re-scans once per round.
    batch_only: bool

    @property
    def version(self) -> str:
        """The engine's own version, for SARIF and reports ('' when unknown)."""

    def unavailable_reason(self) -> str | None:
        """None when the engine can run here; else one line saying why and how to install it."""

    def scan(self, sources: Sequence[SourceFile], *, root: Path) -> ScanResult:
        """Scan readable sources; unreadable ones come back as skipped, never as clean."""
