"""Drop findings of a secondary engine that repeat what a primary engine already said.

Semgrep's rules overlap Bandit and CodeQL on purpose (they must also work alone), so after a
merge the same problem can appear twice: once from Bandit or CodeQL, once from Semgrep. A
Semgrep finding is a duplicate when a primary engine flagged the same file and line with a
CWE the two share; it is also a duplicate of an earlier Semgrep finding with the same path,
line and CWEs (two sinks of one rule on one line, or two rules for the same weakness).
Primary findings are never dropped: Bandit and CodeQL findings drive different repairs.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from vulnloop.findings import Finding

SECONDARY_ENGINES: tuple[str, ...] = ("semgrep",)


def _shares_cwe(finding: Finding, cwes: Iterable[int]) -> bool:
    return bool(set(finding.cwes) & set(cwes))


def dedupe_findings(
    findings: Sequence[Finding], *, secondary: Sequence[str] = SECONDARY_ENGINES
) -> list[Finding]:
    """Findings sorted, keeping every primary finding and each secondary finding only when no
    kept finding already reports the same (path, start line, shared CWE).

    A finding without a CWE cannot be matched and is always kept.
    """
    ordered = sorted(findings, key=Finding.sort_key)
    primary = [f for f in ordered if f.engine not in secondary]
    kept_by_line: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for finding in primary:
        kept_by_line[(finding.path, finding.start_line)].append(finding)
    kept = list(primary)
    for finding in (f for f in ordered if f.engine in secondary):
        same_line = kept_by_line[(finding.path, finding.start_line)]
        if finding.cwes and any(_shares_cwe(finding, other.cwes) for other in same_line):
            continue
        same_line.append(finding)
        kept.append(finding)
    return sorted(kept, key=Finding.sort_key)
