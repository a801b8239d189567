"""The CWEval benchmark's figures and reports: results.json first, then table.md and the chart."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Mapping, Sequence

from vulnloop.bench.cweval_repair import OUTCOMES
from vulnloop.bench.cweval_tests import UNTESTED
from vulnloop.bench.records import RESULTS_FILE, TABLE_FILE, write_json
from vulnloop.bench.report import Reports

CHART_FILE = "cweval_outcomes.png"
Record = Mapping[str, Any]


def _figures(records: Sequence[Record]) -> dict[str, Any]:
    outcomes = Counter(str(r["outcome"]) for r in records)
    accepted = [r for r in records if r.get("accepted_by")]
    by = Counter(str(r["accepted_by"]) for r in accepted)
    tested = [r for r in accepted if r["outcome"] != UNTESTED]

    def passing(kind: str) -> int:
        return sum(1 for r in tested if r["tests"].get(kind, {}).get("status") == "passed")

    flagged = sum(1 for r in records if r["flagged"])
    return {
        "cases": len(records),
        "flagged": flagged,
        "accepted": len(accepted),
        "accepted_by": {"codemod": by["codemod"], "llm": by["llm"], "both": by["both"]},
        "tested": len(tested),
        "passing_security": passing("security"),
        "passing_functionality": passing("functionality"),
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "truly_fixed_share_of_flagged": round(outcomes["truly fixed"] / flagged, 4) if flagged else None,
        # Sanity: the unrepaired variants whose security tests pass here (the tests miss them).
        "variants_passing_security": sum(
            1 for r in accepted if (r.get("vulnerable_tests") or {}).get("security") == "passed"
        ),
        "llm_tokens": sum(
            int(x.get("prompt_tokens", 0)) + int(x.get("completion_tokens", 0)) for r in records for x in r["rounds"]
        ),
        "llm_calls": sum(int(x.get("calls", 0)) for r in records for x in r["rounds"]),
        "seconds": round(sum(float(r.get("seconds", 0.0)) for r in records), 1),
    }


def summarise_cweval(records: Sequence[Record]) -> dict[str, Any]:
    """``{strategy: {"overall": {...}, "per_cwe": {cwe: {...}}}}``, ours first."""
    by_strategy: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_strategy[str(record["strategy"])].append(record)
    summary: dict[str, Any] = {}
    for strategy in sorted(by_strategy, key=lambda s: (s != "ours", s)):
        chosen = by_strategy[strategy]
        per_cwe: dict[str, list[Record]] = defaultdict(list)
        for record in chosen:
            per_cwe[str(record["cwe"])].append(record)
        summary[strategy] = {
            "overall": _figures(chosen),
            "per_cwe": {cwe: _figures(rs) for cwe, rs in sorted(per_cwe.items(), key=lambda i: int(i[0].split("-")[1]))},
        }
    return summary


def write_cweval_reports(
    directory: Path, meta: Mapping[str, Any], records: Sequence[Record], *, chart: bool = True
) -> Reports:
    from vulnloop.bench.table import cweval_table

    summary = summarise_cweval(records)
    shard_index, _, shard_count = str(meta.get("shard") or "1/1").partition("/")
    expected = len(range(int(shard_index) - 1, int(meta.get("cases", 0)), int(shard_count or 1)))
    meta = {**meta, "not_run": max(expected * len(meta.get("strategies", [])) - len(records), 0)}
    ordered = sorted(records, key=lambda r: (r["strategy"], r["task_id"]))
    results_path = directory / RESULTS_FILE
    write_json(results_path, {"meta": dict(meta), "summary": summary,
                              "cases": [{k: v for k, v in r.items() if k != "final_code"} for r in ordered]})
    markdown = cweval_table(summary, meta)
    table_path = directory / TABLE_FILE
    table_path.write_text(markdown, encoding="utf-8")
    chart_path = None
    if chart and summary:
        from vulnloop.bench.chart import cweval_chart

        chart_path = cweval_chart(summary, meta, directory / CHART_FILE)
    return Reports(results_path, table_path, chart_path, markdown, summary)
