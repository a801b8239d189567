"""What a person must know before taking a repair, shown in every report: what the codemod did
(``CodemodInfo.summary``), what to check (``guidance``) and what the repair asks of the project
beyond the file (``Repair.notes``: a dependency to add). Read from the codemod catalogue, which
costs no libcst import."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vulnloop.repair.codemods import CodemodInfo, info_by_id
from vulnloop.repair.ledger import LedgerEntry, Repair, Status


@dataclass(frozen=True)
class Advice:
    summary: str = ""  # what the codemod did; empty for an LLM's repair
    guidance: str = ""  # what the reviewer should check
    notes: tuple[str, ...] = ()  # what the project must do (dependencies)

    @property
    def text(self) -> str:
        """All of it as one paragraph."""
        parts = [f"{self.summary}." if self.summary else "", f"Check: {self.guidance}" if self.guidance else ""]
        return " ".join(p for p in (*parts, *self.notes) if p)


def codemod_info(repair: Repair) -> CodemodInfo | None:
    kind, _, name = repair.repairer.partition(":")
    return info_by_id(name) if kind == "codemod" else None


def advice(repair: Repair) -> Advice:
    info = codemod_info(repair)
    if info is None:
        return Advice(notes=repair.notes)
    return Advice(info.summary.rstrip("."), info.guidance, repair.notes)


def codemods_used(entries: Iterable[LedgerEntry]) -> list[tuple[CodemodInfo, int]]:
    """Each codemod behind a fixed entry, with how many entries it fixed, in order of first use."""
    counts: dict[str, tuple[CodemodInfo, int]] = {}
    for entry in entries:
        if entry.status is not Status.FIXED or entry.repair is None:
            continue
        info = codemod_info(entry.repair)
        if info is not None:
            _, count = counts.get(info.id, (info, 0))
            counts[info.id] = (info, count + 1)
    return list(counts.values())


def project_notes(entries: Iterable[LedgerEntry]) -> list[tuple[str, str]]:
    """(path, note) for every dependency a fixed entry's repair asks for, once each."""
    seen: dict[tuple[str, str], None] = {}
    for entry in entries:
        if entry.status is Status.FIXED and entry.repair is not None:
            for note in entry.repair.notes:
                seen.setdefault((entry.finding.path, note), None)
    return list(seen)
