"""Figures from the records: per run and pooled over runs, for each strategy.

Two judges are counted. The paper's: a file is fixed at round k when no engine reports anything
(so code that does not parse counts as fixed). Ours: fixed only when, in addition, it parses.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping, Sequence

Record = Mapping[str, Any]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def aggregate(records: Sequence[Record], iterations: int) -> dict[str, Any]:
    rounds = range(iterations + 1)
    generated = [r for r in records if not r["generation"].get("error")]
    parsed = [r for r in records if r["generation"]["parses"]]
    flagged0 = [r for r in records if r["flagged_by_round"][0] and r["generation"]["parses"]]
    fixed = [sum(1 for r in flagged0 if not r["flagged_by_round"][k]) for k in rounds]
    honest = [
        sum(1 for r in flagged0 if not r["flagged_by_round"][k] and r["parses_by_round"][k]) for k in rounds
    ]
    stats: dict[str, int] = defaultdict(int)
    for record in records:
        for round_stats in record["rounds"]:
            for key, value in round_stats.items():
                if key not in ("round", "seconds"):
                    stats[key] += int(value)
    findings0 = sum(r["findings_by_round"][0] for r in flagged0)
    findings_fixed = sum(
        max(r["findings_by_round"][0] - r["findings_by_round"][-1], 0)
        for r in flagged0
        if r["parses_by_round"][-1]
    )
    repair_tokens = stats["prompt_tokens"] + stats["completion_tokens"]
    fixed_by: dict[str, int] = defaultdict(int)
    for record in records:
        for key, value in record.get("fixed_by", {}).items():
            fixed_by[key] += int(value)
    return {
        "tasks": len(records),
        "generated": len(generated),
        "generated_parse": len(parsed),
        "generated_parse_share": _share(len(parsed), len(records)),
        "flagged_after_generation": len(flagged0),
        "flagged_by_round": [sum(1 for r in records if r["flagged_by_round"][k]) for k in rounds],
        "insecure_by_round": [
            sum(1 for r in records if r["flagged_by_round"][k] or not r["parses_by_round"][k]) for k in rounds
        ],
        "fixed_by_round": fixed,
        "fixed_and_parsing_by_round": honest,
        "success_by_round": [_share(n, len(flagged0)) for n in fixed],
        "honest_success_by_round": [_share(n, len(flagged0)) for n in honest],
        "final_unparseable": sum(1 for r in flagged0 if not r["parses_by_round"][-1]),
        "repair_calls": stats["calls"],
        "repair_answers": stats["answered"],
        "repair_unanswered": stats["unanswered"],
        "repair_answers_unparseable": stats["unparseable"],
        "repair_answers_unusable": stats["unusable"],
        "repair_answer_parse_share": _share(stats["answered"] - stats["unparseable"], stats["answered"]),
        "new_findings_introduced": stats["new_findings"],
        "accepted_repairs": stats["accepted"],
        "accepted_unparseable": stats["accepted_unparseable"],
        "findings_after_generation": findings0,
        "findings_fixed": findings_fixed,
        "fixed_by": dict(fixed_by),
        "generation_tokens": sum(
            r["generation"].get("prompt_tokens", 0) + r["generation"].get("completion_tokens", 0) for r in records
        ),
        "repair_tokens": repair_tokens,
        "tokens_per_fixed_finding": round(repair_tokens / findings_fixed, 1) if findings_fixed else None,
        "generation_seconds": round(sum(r["generation"].get("seconds", 0.0) for r in records), 2),
        "repair_seconds": round(sum(r.get("seconds", 0.0) for r in records), 2),
    }


def summarise(records: Sequence[Record], iterations: int) -> dict[str, Any]:
    """``{strategy: {"pooled": {...}, "runs": {"1": {...}, ...}}}``."""
    by_strategy: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_strategy[str(record["strategy"])].append(record)
    out: dict[str, Any] = {}
    for strategy in sorted(by_strategy, key=lambda s: (s != "ours", s)):
        chosen = by_strategy[strategy]
        runs = sorted({int(r["run"]) for r in chosen})
        out[strategy] = {
            "pooled": aggregate(chosen, iterations),
            "runs": {str(run): aggregate([r for r in chosen if int(r["run"]) == run], iterations) for run in runs},
        }
    return out


def missing_units(records: Sequence[Record], meta: Mapping[str, Any]) -> int:
    """Records a complete run would have and these lack (a shard not merged, a run cut short)."""
    expected = len(meta.get("task_ids", [])) * int(meta.get("runs", 1)) * len(meta.get("strategies", []))
    return max(expected - len(records), 0)
