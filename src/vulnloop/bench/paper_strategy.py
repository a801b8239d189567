"""The paper's loop (Gong et al. 2024), as the baseline our loop is measured against.

Each round, every file with a finding goes to the model with the paper's prompt (``CWE-n:
description`` per finding above the whole file: no line numbers, no scanner messages); the code
of the answer replaces the whole file with no parse gate, and the engines re-scan it. The judge
is the paper's: a file is fixed when no engine reports anything, so an answer that does not
parse (which no engine can scan) counts as fixed; we record it as an accepted unparseable output.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

from vulnloop.bench.judge import Verdict, count_new_findings, judge
from vulnloop.bench.outcome import RoundStats, StrategyOutcome
from vulnloop.bench.prompts import extract_code, paper_repair_messages
from vulnloop.engines import Engine
from vulnloop.findings import Finding
from vulnloop.llm.client import ChatModel

STRATEGY = "paper"


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
            context = {"task_id": task_id, "path": path, "stage": "repair", "round": str(round_no), "strategy": STRATEGY}
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
        strategy=STRATEGY,
        flagged_by_round=flagged,
        parses_by_round=parsed,
        findings_by_round=counts,
        rounds=rounds,
        final_code=text,
        fixed_by={"llm": max(counts[0] - counts[-1], 0) if parsed[-1] else 0},
        seconds=time.perf_counter() - started,
    )
