"""What happened to every finding: fixed (how, when, with which diff) or unfixed (why).

Nothing is dropped: every finding the first scan reports ends in exactly one entry.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from vulnloop.findings import Finding, ScanResult
from vulnloop.llm.usage import TokenUsage


class Status(str, enum.Enum):
    FIXED = "fixed"
    UNFIXED = "unfixed"


@dataclass(frozen=True)
class Repair:
    """An accepted repair: the whole file before and after, and who made it in which round."""

    repairer: str  # "codemod:<id>" or "llm:<model>"
    round: int
    before: str
    after: str
    diff: str
    verified_by: tuple[str, ...]  # engines whose re-scan no longer reports the finding
    notes: tuple[str, ...] = ()  # what it asks of the project beyond the file (dependencies.py)


@dataclass(frozen=True)
class LedgerEntry:
    finding: Finding
    status: Status
    repair: Repair | None = None
    reason: str = ""
    attempts: int = 0


@dataclass(frozen=True)
class FileOutcome:
    """One file after the loop: its original text, its final text (all accepted repairs applied)."""

    path: str
    original: str
    final: str
    entries: tuple[LedgerEntry, ...]

    @property
    def changed(self) -> bool:
        return self.original != self.final


@dataclass(frozen=True)
class LoopReport:
    scan: ScanResult
    files: tuple[FileOutcome, ...]
    rounds: int
    usage: TokenUsage = TokenUsage()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        return tuple(entry for outcome in self.files for entry in outcome.entries)

    def fixed(self) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self.entries if e.status is Status.FIXED)

    def unfixed(self) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self.entries if e.status is Status.UNFIXED)
