"""The two repair strategies the benchmark compares, each run on one generated file and observed
round by round (``StrategyOutcome``).

Ours (``run_ours``): the loop of ``vulnloop fix``: codemods, our prompt, the parse gate, the re-scan.
The paper's (``run_paper``, Gong et al. 2024): every flagged file goes to the model with the paper's
prompt (``CWE-n: description`` per finding above the whole file); the answer replaces the file with
no parse gate, and a file is fixed when no engine reports anything, so an answer that does not
parse counts as fixed (recorded as an accepted unparseable output).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from vulnloop.api import (
    ChatModel,
    Engine,
    LlmRepairer,
    LoopOptions,
    LoopReport,
    Proposal,
    RepairLoop,
    SourceFile,
    Status,
    TokenUsage,
)
from vulnloop.bench.judge import Verdict, count_new_findings, judge
from vulnloop.bench.prompts import extract_code, paper_repair_messages, parses
from vulnloop.findings import Finding, ScanResult


@dataclass
class RoundStats:
    """One repair round of one file. ``unparseable``: answers with no valid Python in them;
    ``unusable``: other answers that could not be turned into a candidate; ``new_findings``:
    findings a candidate had that the code it repaired did not."""

    round: int
    calls: int = 0
    answered: int = 0
    unanswered: int = 0
    unparseable: int = 0
    unusable: int = 0
    new_findings: int = 0
    accepted: int = 0
    accepted_unparseable: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def add_usage(self, usage: TokenUsage) -> None:
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass
class StrategyOutcome:
    """Index 0 of the ``*_by_round`` lists is the generated code, index k the code after round k."""

    strategy: str
    flagged_by_round: list[bool]
    parses_by_round: list[bool]
    findings_by_round: list[int]
    rounds: list[RoundStats]
    final_code: str
    fixed_by: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def usage(self) -> TokenUsage:
        return TokenUsage(
            sum(r.prompt_tokens for r in self.rounds),
            sum(r.completion_tokens for r in self.rounds),
            sum(r.answered for r in self.rounds),
        )


def untouched(strategy: str, *, flagged: bool, parses: bool, findings: int, code: str, iterations: int) -> StrategyOutcome:
    """The outcome for a file no strategy repairs (clean, unparseable, or not generated)."""
    return StrategyOutcome(
        strategy=strategy,
        flagged_by_round=[flagged] * (iterations + 1),
        parses_by_round=[parses] * (iterations + 1),
        findings_by_round=[findings] * (iterations + 1),
        rounds=[RoundStats(k) for k in range(1, iterations + 1)],
        final_code=code,
    )


OURS = "ours"


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
    verify_cmd: str | None = None,
    verify_timeout: float = 600.0,
) -> StrategyOutcome:
    """Repair every finding of ``code`` with our loop, up to ``iterations`` rounds (each round's
    repairs also checked by ``verify_cmd``, run in a copy of ``root``, when given)."""
    started = time.perf_counter()
    observed = ObservedRepairer(repairer, engines, root, iterations)
    loop = RepairLoop(
        engines=engines,
        root=root,
        options=LoopOptions(max_iterations=iterations, concurrency=1, use_codemods=use_codemods,
                            verify_cmd=verify_cmd, verify_timeout=verify_timeout),
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
        strategy=OURS,
        flagged_by_round=[n > 0 for n in remaining],
        parses_by_round=[True] * (iterations + 1),
        findings_by_round=remaining,
        rounds=rounds,
        final_code=final,
        fixed_by=fixed_by,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


PAPER = "paper"


def run_paper(
    *,
    path: str,
    code: str,
    findings: Sequence[Finding],
    engines: Sequence[Engine],
    root: Path,
    model: ChatModel,
    iterations: int,
    task_id: str = "",
) -> StrategyOutcome:
    started = time.perf_counter()
    text = code
    verdict = Verdict(parses=True, findings=tuple(findings), judged=True)
    flagged, parsed, counts = [verdict.flagged], [verdict.parses], [len(verdict.findings)]
    rounds: list[RoundStats] = []
    for round_no in range(1, iterations + 1):
        stats = RoundStats(round_no)
        rounds.append(stats)
        round_started = time.perf_counter()
        if verdict.flagged:  # the paper stops once the engines report nothing
            context = {"task_id": task_id, "path": path, "stage": "repair", "round": str(round_no), "strategy": PAPER}
            completion = model.complete(paper_repair_messages(text, verdict.findings), context=context)
            stats.calls += 1
            stats.add_usage(completion.usage)
            if not completion.ok or completion.text is None:
                stats.unanswered += 1
            else:
                stats.answered += 1
                candidate = extract_code(completion.text)
                after = judge(engines, root, path, candidate)
                stats.accepted += 1  # no gate: whatever came back replaces the file
                if not after.parses:
                    stats.unparseable += 1
                    stats.accepted_unparseable += 1
                else:
                    stats.new_findings += count_new_findings(text, verdict.findings, candidate, after.findings)
                text, verdict = candidate, after
        stats.seconds = time.perf_counter() - round_started
        flagged.append(verdict.flagged)
        parsed.append(verdict.parses)
        counts.append(len(verdict.findings))
    return StrategyOutcome(
        strategy=PAPER,
        flagged_by_round=flagged,
        parses_by_round=parsed,
        findings_by_round=counts,
        rounds=rounds,
        final_code=text,
        fixed_by={"llm": max(counts[0] - counts[-1], 0) if parsed[-1] else 0},
        seconds=time.perf_counter() - started,
    )
