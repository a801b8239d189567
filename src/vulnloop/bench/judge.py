"""Scanning one piece of code with the benchmark's engines: the verdict every strategy shares."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from vulnloop.api import Engine, SourceFile, dedupe_findings, pair_findings
from vulnloop.bench.prompts import parses
from vulnloop.findings import Finding, merge_results


@dataclass(frozen=True)
class Verdict:
    """What the engines say about one text. ``judged`` is False when an engine skipped it."""

    parses: bool
    findings: tuple[Finding, ...]
    judged: bool

    @property
    def flagged(self) -> bool:
        """The paper's judge: any finding of any severity (unparseable code raises none)."""
        return bool(self.findings)

    @property
    def insecure(self) -> bool:
        """Ours: flagged, or not valid Python (an unparseable file is never counted secure)."""
        return self.flagged or not self.parses


def judge(engines: Sequence[Engine], root: Path, path: str, text: str) -> Verdict:
    """Scan ``text`` as ``path`` with every engine (nothing is ever executed)."""
    if not text.strip():
        return Verdict(parses=False, findings=(), judged=False)
    ok = parses(text)
    results = [engine.scan([SourceFile(path, text)], root=root) for engine in engines]
    merged = merge_results(results)
    return Verdict(parses=ok, findings=tuple(dedupe_findings(merged.findings)), judged=not merged.skipped)


def finding_summary(finding: Finding) -> dict[str, Any]:
    return {
        "engine": finding.engine,
        "rule_id": finding.rule_id,
        "cwe": finding.cwe,
        "severity": str(finding.severity),
        "line": finding.start_line,
    }


def count_new_findings(
    before_text: str, before: Sequence[Finding], after_text: str, after: Sequence[Finding]
) -> int:
    """Findings of ``after`` that the loop's own matching does not pair with one of ``before``."""
    return len(after) - len(pair_findings(before_text, before, after_text, after))
