"""The Markdown job summary (``GITHUB_STEP_SUMMARY``): the whole run on one page."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vulnloop.findings import Level, SkippedFile
from vulnloop.repair.ledger import LedgerEntry, LoopReport, Status
from vulnloop.report.guidance import codemods_used, project_notes
from vulnloop.report.review import inline, joined

MAX_ROWS = 200


@dataclass(frozen=True)
class SummaryFacts:
    """What the run did besides the ledger: where the results went and what was left out."""

    event: str
    engines: tuple[str, ...] = ()
    seconds: float = 0.0
    review_urls: tuple[str, ...] = ()
    headline_notes: tuple[str, ...] = ()  # shown first and bold: why no review, how to enable more
    notes: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    fail_on: Level | None = Level.HIGH
    sarif_file: str = ""


def _cell(text: str, limit: int = 200) -> str:
    return inline(text, limit).replace("|", "\\|")


def failing(entries: Sequence[LedgerEntry], fail_on: Level | None) -> list[LedgerEntry]:
    if fail_on is None:
        return []
    return [e for e in entries if e.status is Status.UNFIXED and e.finding.severity >= fail_on]


def _how(entry: LedgerEntry) -> str:
    if entry.status is Status.FIXED and entry.repair is not None:
        verified = joined(entry.repair.verified_by) or "re-scan"
        return _cell(f"{entry.repair.repairer}, round {entry.repair.round}, verified by {verified}")
    return _cell(entry.reason or "no verified repair", 160)


def _before_applying(entries: Sequence[LedgerEntry]) -> list[str]:
    """The dependencies repairs add and each codemod's guidance, once each."""
    needs = project_notes(entries)
    used = codemods_used(entries)
    if not needs and not used:
        return []
    lines = ["**Before applying these repairs:**", ""]
    lines.extend(f"- ⚠️ `{_cell(path)}`: {_cell(note, 600)}" for path, note in needs)
    lines.extend(
        f"- `{_cell(info.id, 60)}` ({count} repair{'' if count == 1 else 's'}): {_cell(info.guidance, 900)}"
        for info, count in used
    )
    return [*lines, ""]


def job_summary(report: LoopReport | None, facts: SummaryFacts, skipped: Sequence[SkippedFile] = ()) -> str:
    entries = list(report.entries) if report else []
    fixed = sum(1 for e in entries if e.status is Status.FIXED)
    unfixed = len(entries) - fixed
    blocking = failing(entries, facts.fail_on)
    if blocking:
        verdict = f"❌ {len(blocking)} unfixed finding(s) at or above `{facts.fail_on}` severity"
    elif unfixed:
        verdict = f"⚠️ {unfixed} unfixed finding(s), none at or above the `fail_on` threshold"
    elif entries:
        verdict = "✅ every finding has a verified repair"
    else:
        verdict = "✅ no findings in the changed code"
    lines = ["## vulnloop", "", f"**{verdict}**", ""]
    for note in facts.headline_notes:
        lines.extend([f"> **{_cell(note, 600)}**", ""])
    usage = report.usage if report else None
    lines.extend([
        "| Findings | Fixed | Unfixed | Rounds | Engines | Time | LLM tokens |",
        "|---:|---:|---:|---:|---|---:|---:|",
        (
            f"| {len(entries)} | {fixed} | {unfixed} | {report.rounds if report else 0} | "
            f"{_cell(joined(facts.engines) or 'none')} | {facts.seconds:.1f} s | "
            f"{usage.total if usage else 0} ({usage.calls if usage else 0} calls) |"
        ),
        "",
    ])
    if facts.review_urls:
        links = ", ".join(f"[review {i + 1}]({url})" for i, url in enumerate(facts.review_urls) if url.startswith("http"))
        lines.extend([f"Posted: {links or 'a review'}.", ""])
    if entries:
        lines.extend([
            "| Status | Location | Rule | CWE | Severity | Repair or reason |",
            "|---|---|---|---|---|---|",
        ])
        ordered = sorted(entries, key=lambda e: (e.status is Status.FIXED, -e.finding.severity, e.finding.sort_key()))
        for entry in ordered[:MAX_ROWS]:
            f = entry.finding
            status = "✅ fixed" if entry.status is Status.FIXED else "❌ unfixed"
            cwe = f"[CWE-{f.cwe}](https://cwe.mitre.org/data/definitions/{f.cwe}.html)" if f.cwe else ""
            lines.append(
                f"| {status} | `{_cell(f.path)}:{f.start_line}` | `{_cell(f.rule_id, 60)}` | {cwe} | "
                f"{f.severity} | {_how(entry)} |"
            )
        if len(ordered) > MAX_ROWS:
            lines.append(f"\n{len(ordered) - MAX_ROWS} more in the SARIF file.")
        lines.append("")
        lines.extend(_before_applying(entries))
    if skipped:
        lines.append("**Files no engine could judge** (never counted as clean):")
        lines.extend(f"- `{_cell(s.path)}`: {_cell(s.reason)}" for s in skipped)
        lines.append("")
    if facts.left_out:
        lines.append(f"**Not scanned** (over `max_files`): {', '.join(f'`{_cell(p)}`' for p in facts.left_out[:50])}")
        lines.append("")
    if facts.notes:
        lines.append("<details><summary>Notes</summary>\n")
        lines.extend(f"- {_cell(n, 600)}" for n in facts.notes)
        lines.extend(["", "</details>", ""])
    if facts.sarif_file:
        lines.append(f"SARIF: `{_cell(facts.sarif_file)}` (upload it with `github/codeql-action/upload-sarif`).")
    return "\n".join(lines).rstrip() + "\n"
