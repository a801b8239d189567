"""Write the reports of a results folder: ``results.json`` and ``table.md`` first, the chart last.

The chart is optional (matplotlib is the ``bench`` extra): when it cannot be drawn the run keeps
every finished result and says why in a note.
"""
from __future__ import annotations

import json
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
    chart_note: str | None = None  # why there is no chart, when one was asked for


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
    chart_path, chart_note = draw_chart(directory, summary, full_meta) if chart else (None, None)
    return Reports(results_path, table_path, chart_path, markdown, summary, chart_note)


def draw_chart(directory: Path, summary: Mapping[str, Any], meta: Mapping[str, Any]) -> tuple[Path | None, str | None]:
    """The chart and None, or None and why it could not be drawn (never an error: it comes last)."""
    if not summary:
        return None, None
    from vulnloop.bench.chart import flagged_chart
    from vulnloop.errors import ConfigError

    try:
        return flagged_chart(summary, meta, directory / CHART_FILE), None
    except ConfigError as exc:  # matplotlib is not installed
        return None, f"no chart: {exc}"
    except Exception as exc:  # a drawing or writing failure must not cost the results
        return None, f"no chart: drawing it failed ({type(exc).__name__}: {exc})"


def chart_from_results(directory: Path) -> tuple[Path | None, str | None]:
    """The chart of a folder whose ``results.json`` is already written."""
    results = json.loads((directory / RESULTS_FILE).read_text(encoding="utf-8"))
    return draw_chart(directory, results["summary"], results["meta"])
