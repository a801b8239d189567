"""Write the reports of a results folder: ``results.json``, ``table.md`` and the chart."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from vulnloop.bench.records import CHART_FILE, RESULTS_FILE, TABLE_FILE, write_json
from vulnloop.bench.summary import missing_units, summarise
from vulnloop.bench.table import results_table

_BULKY = ("final_code",)


@dataclass(frozen=True)
class Reports:
    results: Path
    table: Path
    chart: Path | None
    markdown: str
    summary: Mapping[str, Any]


def _compact(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record without the code, for results.json (records.jsonl keeps everything)."""
    out = {k: v for k, v in record.items() if k not in _BULKY}
    out["generation"] = {k: v for k, v in record["generation"].items() if k != "code"}
    return out


def write_reports(
    directory: Path, meta: Mapping[str, Any], records: Sequence[Mapping[str, Any]], *, chart: bool = True
) -> Reports:
    full_meta = {**meta, "missing_units": missing_units(records, meta)}
    summary = summarise(records, int(meta["iterations"]))
    ordered = sorted(records, key=lambda r: (r["run"], r["strategy"], r["task_id"]))
    results_path = directory / RESULTS_FILE
    write_json(results_path, {"meta": full_meta, "summary": summary, "tasks": [_compact(r) for r in ordered]})
    markdown = results_table(summary, full_meta)
    table_path = directory / TABLE_FILE
    table_path.write_text(markdown, encoding="utf-8")
    chart_path = None
    if chart and summary:
        from vulnloop.bench.chart import flagged_chart

        chart_path = flagged_chart(summary, full_meta, directory / CHART_FILE)
    return Reports(results_path, table_path, chart_path, markdown, summary)
