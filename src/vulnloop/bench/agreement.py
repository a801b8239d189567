"""Replay only: would our loop have posted a "verified" repair that reviewers judged still vulnerable?

For each recorded single-round repair (``rq3``) of a generation the engines flag, our loop is
given that repair as the model's answer (one round, no codemods, so the verdict is on the
recorded answer alone), and the paper's judge is applied to the same code. Each verdict is then
set against the reviewers' label of the repair.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from vulnloop.api import Engine, LlmRepairer, LoopOptions, RepairLoop, SourceFile
from vulnloop.bench.judge import judge
from vulnloop.bench.replay import ReplayModel
from vulnloop.findings import ScanResult


def replay_agreement(
    model: ReplayModel, task_ids: Sequence[str], engines: Sequence[Engine], root: Path
) -> dict[str, Any]:
    loop = RepairLoop(
        engines=engines,
        root=root,
        options=LoopOptions(max_iterations=1, concurrency=1, use_codemods=False),
        llm=LlmRepairer(model, secrets=()),
    )
    pieces = vulnerable = 0
    ours = {"accepted": 0, "accepted_vulnerable": 0}
    paper = {"accepted": 0, "accepted_vulnerable": 0}
    for task_id in task_ids:
        generation, repair = model.recorded_generation(task_id), model.recorded_repair(task_id)
        if generation is None or repair is None or repair.manual_vulnerable is None:
            continue
        path = f"{task_id}.py"
        before = judge(engines, root, path, generation.code)
        if not before.flagged or not before.parses:
            continue  # neither loop would have asked for a repair
        pieces += 1
        vulnerable += repair.manual_vulnerable
        report = loop.repair([SourceFile(path, generation.code)], ScanResult(findings=before.findings))
        if report.fixed():
            ours["accepted"] += 1
            ours["accepted_vulnerable"] += repair.manual_vulnerable
        if not judge(engines, root, path, repair.code).flagged:
            paper["accepted"] += 1
            paper["accepted_vulnerable"] += repair.manual_vulnerable
    return {
        "generator": model.generator,
        "fixer": model.fixer,
        "pieces": pieces,
        "reviewers_vulnerable": vulnerable,
        "ours": ours,
        "paper": paper,
    }
