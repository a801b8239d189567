"""Engines turn source files into findings. Each takes the files' text, never reads the disk,
so the repair loop can re-scan candidate code with exactly the same engine."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from vulnloop.findings import ScanResult
from vulnloop.sources import SourceFile


class Engine(Protocol):
    name: str

    def unavailable_reason(self) -> str | None:
        """None when the engine can run here; else one line saying why and how to install it."""

    def scan(self, sources: Sequence[SourceFile], *, root: Path) -> ScanResult:
        """Scan readable sources; unreadable ones come back as skipped, never as clean."""
