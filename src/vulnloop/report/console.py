"""Plain-text reports a person reads at a glance in a terminal or a CI log."""
from __future__ import annotations

import textwrap
from collections import defaultdict
from typing import Iterable, Sequence

from vulnloop.findings import Finding, ScanResult
from vulnloop.repair.ledger import LedgerEntry, LoopReport, Status
from vulnloop.report.guidance import advice, codemods_used


def finding_line(finding: Finding, *, with_col: bool = True) -> str:
    where = finding.location if with_col else f"{finding.path}:{finding.start_line}"
    cwe = f"CWE-{finding.cwe}" if finding.cwe else "CWE-?"
    return f"{where}  {finding.rule_id}  {cwe}  {finding.severity}  {finding.message}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def format_scan(
    result: ScanResult, shown: Sequence[Finding], *, with_col: bool = True
) -> str:
    """Findings grouped by file, the skipped files, then a one-line total."""
    lines: list[str] = []
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown:
        by_path[finding.path].append(finding)
    for path in sorted(by_path):
        for finding in sorted(by_path[path], key=Finding.sort_key):
            lines.append(finding_line(finding, with_col=with_col))
        lines.append("")
    skipped = result.skipped_files()
    for path, reason in skipped.items():
        lines.append(f"{path}: skipped: {reason}")
    if skipped:
        lines.append("")
    hidden = len(result.findings) - len(shown)
    summary = f"{_plural(len(shown), 'finding')} in {_plural(len(by_path), 'file')}"
    if hidden:
        summary += f" ({hidden} below the severity/confidence threshold not shown)"
    if skipped:
        summary += f", {_plural(len(skipped), 'file')} skipped"
    summary += f"; engines: {', '.join(result.engines) or 'none'}"
    lines.append(summary)
    return "\n".join(lines)


_INDENT = " " * 9


def format_entry(entry: LedgerEntry) -> str:
    base = finding_line(entry.finding)
    if entry.status is Status.FIXED and entry.repair is not None:
        engines = " and ".join(entry.repair.verified_by) or "the engines"
        told = advice(entry.repair)
        lines = [
            f"FIXED    {base}",
            f"{_INDENT}by {entry.repair.repairer} in round {entry.repair.round}, re-scanned clean by {engines}"
            + (f": {told.summary}" if told.summary else ""),
        ]
        lines.extend(_wrapped(f"NOTE: {note}", _INDENT, _INDENT + "  ") for note in told.notes)
        return "\n".join(lines)
    return f"UNFIXED  {base}\n{_INDENT}{entry.reason}"


def _wrapped(text: str, first: str, rest: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=first, subsequent_indent=rest)


def format_guidance(entries: Iterable[LedgerEntry]) -> list[str]:
    """What to check before applying the codemods' repairs, once per codemod."""
    used = codemods_used(entries)
    if not used:
        return []
    lines = ["Before applying these repairs:"]
    for info, count in used:
        lines.append(_wrapped(f"{info.id} ({_plural(count, 'repair')}): {info.guidance}", "  ", "    "))
    return lines


def format_ledger(report: LoopReport, *, diffs: bool) -> str:
    lines: list[str] = []
    for outcome in report.files:
        if diffs and outcome.changed:
            from vulnloop.unified_diff import unified_diff

            lines.append(unified_diff(outcome.path, outcome.original, outcome.final).rstrip("\n"))
            lines.append("")
    for entry in sorted(report.entries, key=lambda e: e.finding.sort_key()):
        lines.append(format_entry(entry))
    for path, reason in report.scan.skipped_files().items():
        lines.append(f"SKIPPED  {path}: {reason}")
    guidance = format_guidance(report.entries)
    if guidance:
        lines.extend(["", *guidance, ""])
    fixed, unfixed = len(report.fixed()), len(report.unfixed())
    changed = sum(1 for outcome in report.files if outcome.changed)
    summary = (
        f"{_plural(fixed + unfixed, 'finding')}: {fixed} fixed, {unfixed} unfixed; "
        f"{_plural(changed, 'file')} changed; {_plural(report.rounds, 'round')}"
    )
    if report.usage.calls:
        summary += (
            f"; LLM: {_plural(report.usage.calls, 'call')}, {report.usage.total} tokens"
            f" ({report.usage.cached_calls} from cache)"
        )
    lines.append(summary)
    return "\n".join(lines)
