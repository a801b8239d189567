"""Workflow annotations: each finding shown at its line in the pull request's "Files changed" tab
and in the run's log, even when no review can be posted."""
from __future__ import annotations

from typing import Sequence

from vulnloop.findings import Level
from vulnloop.report.workflow_commands import annotation
from vulnloop.repair.ledger import LedgerEntry, Status
from vulnloop.report.review import joined

# GitHub shows at most 10 warnings and 10 errors per step and 50 annotations per job.
MAX_ANNOTATIONS = 50


def _title(entry: LedgerEntry) -> str:
    finding = entry.finding
    cwe = f" CWE-{finding.cwe}" if finding.cwe else ""
    state = "fixed" if entry.status is Status.FIXED else "unfixed"
    return f"{finding.rule_id}{cwe} ({finding.severity}, {state})"


def _message(entry: LedgerEntry, fixed_hint: str) -> str:
    finding = entry.finding
    if entry.status is Status.FIXED and entry.repair is not None:
        verified = joined(entry.repair.verified_by) or "the scanners"
        status = f"A repair re-scanned clean by {verified} is available: {fixed_hint}"
    else:
        status = f"Not fixed: {entry.reason or 'no verified repair'}"
    return f"{finding.message}\n{status}"


def annotation_lines(
    entries: Sequence[LedgerEntry],
    *,
    fail_on: Level | None,
    fixed_hint: str = "see the review suggestion.",
    limit: int = MAX_ANNOTATIONS,
) -> tuple[list[str], int]:
    """Annotation commands, most pressing first, and how many were left out over ``limit``.

    Unfixed findings at or above ``fail_on`` are errors (they fail the job), other unfixed ones
    warnings, fixed ones notices.
    """
    def level(entry: LedgerEntry) -> str:
        if entry.status is Status.FIXED:
            return "notice"
        if fail_on is not None and entry.finding.severity >= fail_on:
            return "error"
        return "warning"

    rank = {"error": 0, "warning": 1, "notice": 2}
    ordered = sorted(entries, key=lambda e: (rank[level(e)], -e.finding.severity, e.finding.sort_key()))
    lines = [
        annotation(
            level(entry),
            _message(entry, fixed_hint),
            file=entry.finding.path,
            line=entry.finding.start_line,
            end_line=max(entry.finding.end_line, entry.finding.start_line),
            title=_title(entry),
        )
        for entry in ordered[:limit]
    ]
    return lines, max(len(ordered) - limit, 0)
