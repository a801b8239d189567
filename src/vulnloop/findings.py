"""The records every part of vulnloop speaks: findings, skipped files and scan results."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Iterable


class Level(enum.IntEnum):
    """Severity or confidence, ordered so that comparisons read naturally (HIGH > LOW)."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @classmethod
    def parse(cls, text: str) -> Level:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"expected one of low, medium, high; got {text!r}") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """One problem one engine reported at one place.

    ``path`` is relative to the scanned root, POSIX style. Lines and columns are 1-based;
    ``end_col`` is exclusive. ``snippet`` holds the flagged source lines. ``fingerprint`` is
    stable when unrelated lines above the finding move (see ``fingerprints.py``).
    """

    engine: str
    rule_id: str
    cwes: tuple[int, ...]
    severity: Level
    confidence: Level
    path: str
    start_line: int
    end_line: int
    start_col: int
    end_col: int
    message: str
    snippet: str = ""
    fingerprint: str = ""
    rule_name: str = ""
    help_url: str = ""

    @property
    def cwe(self) -> int | None:
        """The primary CWE, the first one the engine gave."""
        return self.cwes[0] if self.cwes else None

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start_line}:{self.start_col}"

    def with_fingerprint(self, fingerprint: str) -> Finding:
        return replace(self, fingerprint=fingerprint)

    def sort_key(self) -> tuple[object, ...]:
        return (self.path, self.start_line, self.start_col, self.rule_id, self.engine)


@dataclass(frozen=True)
class SkippedFile:
    """A file no engine judged, with the reason: never to be mistaken for a clean file."""

    path: str
    reason: str
    engine: str = ""  # which engine could not judge it ('' when none could: unreadable)


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    engines: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def merged(self, other: ScanResult) -> ScanResult:
        return merge_results([self, other])

    def skipped_files(self) -> dict[str, str]:
        """Each skipped path once, with the first engine's reason: for people, not per engine."""
        out: dict[str, str] = {}
        for item in self.skipped:
            out.setdefault(item.path, item.reason)
        return out

    def at_or_above(self, severity: Level, confidence: Level = Level.LOW) -> tuple[Finding, ...]:
        return tuple(
            f for f in self.findings if f.severity >= severity and f.confidence >= confidence
        )


def merge_results(results: Iterable[ScanResult]) -> ScanResult:
    findings: list[Finding] = []
    skipped: dict[tuple[str, str, str], SkippedFile] = {}
    engines: list[str] = []
    notes: list[str] = []
    for result in results:
        findings.extend(result.findings)
        owner = result.engines[0] if len(result.engines) == 1 else ""
        for s in result.skipped:
            if not s.engine and owner:
                s = replace(s, engine=owner)
            skipped.setdefault((s.engine, s.path, s.reason), s)
        engines.extend(e for e in result.engines if e not in engines)
        notes.extend(n for n in result.notes if n not in notes)
    return ScanResult(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        skipped=tuple(sorted(skipped.values(), key=lambda s: (s.path, s.engine))),
        engines=tuple(engines),
        notes=tuple(notes),
    )
