"""Our strategy: the repair loop of ``vulnloop fix`` (codemods, our prompt, the parse gate and the
re-scan verification), run on one generated file, observed round by round."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Mapping, Sequence

from vulnloop.bench.judge import count_new_findings, judge
from vulnloop.bench.outcome import RoundStats, StrategyOutcome
from vulnloop.bench.prompts import parses
from vulnloop.engines import Engine
from vulnloop.findings import Finding, ScanResult
from vulnloop.repair.ledger import LoopReport, Status
from vulnloop.repair.llm import LlmRepairer
from vulnloop.repair.proposal import Proposal
from vulnloop.repair.loop import LoopOptions, RepairLoop
from vulnloop.sources import SourceFile

STRATEGY = "ours"


class ObservedRepairer:
    """An ``LlmRepairer`` that also counts, per round, what its proposals were like."""

    def __init__(self, inner: LlmRepairer, engines: Sequence[Engine], root: Path, iterations: int) -> None:
        self.inner = inner
        self.name = inner.name
        self._engines = [e for e in engines if not e.batch_only]
        self._root = root
        self.rounds = {k: RoundStats(k) for k in range(1, iterations + 1)}

    def region_of(self, source: str, finding: Finding) -> str:
        return self.inner.region_of(source, finding)

    def propose(
        self,
        *,
        path: str,
        source: str,
        findings: Sequence[Finding],
        feedback: Sequence[str] = (),
        round: int = 1,  # noqa: A002 - the loop's word
        context: Mapping[str, str] | None = None,
        temperature: float | None = None,
    ) -> Proposal:
        started = time.perf_counter()
        proposal = self.inner.propose(
            path=path, source=source, findings=findings, feedback=feedback, round=round, context=context,
            temperature=temperature,
        )
        stats = self.rounds.setdefault(round, RoundStats(round))
        stats.seconds += time.perf_counter() - started
        stats.calls += 1
        stats.add_usage(proposal.usage)
        if proposal.new_text is None:
            if proposal.reason.startswith("LLM error"):
                stats.unanswered += 1
            else:
                stats.answered += 1
                if "not parse" in proposal.reason:
                    stats.unparseable += 1
                else:
                    stats.unusable += 1
            return proposal
        stats.answered += 1
        if not parses(proposal.new_text):
            stats.unparseable += 1
        elif self._engines:
            before = judge(self._engines, self._root, path, source).findings
            after = judge(self._engines, self._root, path, proposal.new_text).findings
            stats.new_findings += count_new_findings(source, before, proposal.new_text, after)
        return proposal


def _fixed_round(report: LoopReport) -> dict[str, int | None]:
    """Fingerprint -> the round that fixed it (None: unfixed)."""
    return {
        e.finding.fingerprint: (e.repair.round if e.status is Status.FIXED and e.repair else None)
        for e in report.entries
    }


def run_ours(
    *,
    path: str,
    code: str,
    findings: Sequence[Finding],
    engines: Sequence[Engine],
    root: Path,
    repairer: LlmRepairer,
    iterations: int,
    use_codemods: bool = True,
) -> StrategyOutcome:
    """Repair every finding of ``code`` with our loop, up to ``iterations`` rounds."""
    started = time.perf_counter()
    observed = ObservedRepairer(repairer, engines, root, iterations)
    loop = RepairLoop(
        engines=engines,
        root=root,
        options=LoopOptions(max_iterations=iterations, concurrency=1, use_codemods=use_codemods),
        llm=observed,
    )
    scan = ScanResult(findings=tuple(findings), engines=tuple(e.name for e in engines))
    report = loop.repair([SourceFile(path, code)], scan)
    fixed_in = _fixed_round(report)
    remaining = [
        sum(1 for r in fixed_in.values() if r is None or r > k) for k in range(0, iterations + 1)
    ]
    final = report.files[0].final if report.files else code
    rounds = [observed.rounds[k] for k in sorted(observed.rounds)]
    repairs_by_round: dict[int, set[tuple[str, str]]] = {}
    fixed_by = {"codemod": 0, "llm": 0}
    for entry in report.fixed():
        if entry.repair is None:
            continue
        repairs_by_round.setdefault(entry.repair.round, set()).add((entry.repair.before, entry.repair.after))
        fixed_by["codemod" if entry.repair.repairer.startswith("codemod:") else "llm"] += 1
    for stats in rounds:
        stats.accepted = len(repairs_by_round.get(stats.round, ()))
    notes = [f"unfixed {e.finding.rule_id} (line {e.finding.start_line}): {e.reason}" for e in report.unfixed()]
    check = judge(engines, root, path, final)
    if len(check.findings) != remaining[-1] or not check.parses:
        notes.append(
            f"ledger says {remaining[-1]} finding(s) remain, a re-scan of the final code finds "
            f"{len(check.findings)}" + ("" if check.parses else " and it does not parse")
        )
    return StrategyOutcome(
        strategy=STRATEGY,
        flagged_by_round=[n > 0 for n in remaining],
        parses_by_round=[True] * (iterations + 1),
        findings_by_round=remaining,
        rounds=rounds,
        final_code=final,
        fixed_by=fixed_by,
        seconds=time.perf_counter() - started,
        notes=notes,
    )
