"""The shipped CodeQL query table (ids, names, CWE tags, levels) and CodeQL's paths."""
from __future__ import annotations

import csv
from pathlib import Path


from vulnloop.cwe import parse_cwe
from vulnloop.engines.codeql_queries import query_by_id, query_table
from vulnloop.engines.sarif_parse import normalise_codeql_path
from vulnloop.findings import Level


def _reference_rows(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "reference" / "codeql_python_security_queries.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# -- the table ------------------------------------------------------------------------------------


def test_table_entries_are_well_formed():
    queries = list(query_table().values())
    assert len(queries) >= 41
    for info in queries:
        assert info.id.startswith("py/"), info.id
        assert "security" in info.tags, info.id
        assert info.cwes, f"{info.id} has no external/cwe tag"
        assert info.kind in ("problem", "path-problem"), info.id
        assert info.problem_severity in ("error", "warning", "recommendation"), info.id
        assert info.precision in ("very-high", "high", "medium", "low"), info.id
        assert info.security_severity is not None and 0.0 <= float(info.security_severity) <= 10.0, info.id
        assert info.description.endswith("."), info.id
    names = [n.casefold() for info in queries for n in (info.name, *info.other_names)]
    assert len(names) == len(set(names)), "a name maps to two queries"


def test_levels_follow_security_severity_and_precision():
    assert query_by_id("py/command-line-injection").severity is Level.HIGH  # 9.8
    assert query_by_id("py/stack-trace-exposure").severity is Level.MEDIUM  # 5.4
    assert query_by_id("py/tarslip").confidence is Level.MEDIUM  # precision medium
    assert query_by_id("py/sql-injection").confidence is Level.HIGH


def test_table_agrees_with_the_reference_metadata(shared_data):
    for row in _reference_rows(shared_data):
        info = query_by_id(row["id"])
        assert info is not None, f"{row['id']} is missing from the table"
        assert row["name"] in (info.name, *info.other_names), row["id"]
        reference_cwes = {parse_cwe(t) for t in row["tag_cwes"].split(";") if t}
        assert set(info.cwes) == reference_cwes, row["id"]
        assert info.kind == row["kind"], row["id"]


def test_the_papers_name_matching_got_these_cwes_wrong(shared_data):
    mismapped = [r for r in _reference_rows(shared_data) if r["paper_tool_mismapped"] == "True"]
    assert len(mismapped) >= 10
    for row in mismapped:
        paper_cwe = parse_cwe(row["cwe_assigned_in_paper_rq4_logs"])
        assert paper_cwe is not None
        assert paper_cwe not in query_by_id(row["id"]).cwes, row["id"]
    assert query_by_id("py/path-injection").cwes[0] == 22
    assert 643 not in query_by_id("py/path-injection").cwes
    assert query_by_id("py/stack-trace-exposure").cwes == (209, 497)


def test_windows_paths_and_leading_slashes():
    assert normalise_codeql_path("/CWE-022-codeql_1.py") == "CWE-022-codeql_1.py"
    assert normalise_codeql_path(r"\pkg\sub\mod.py") == "pkg/sub/mod.py"
    assert normalise_codeql_path(r"C:\work\src\pkg\mod.py", base_dir=r"C:\work\src") == "pkg/mod.py"
    assert normalise_codeql_path("/home/u/src/app.py", base_dir="/home/u/src/") == "app.py"
    assert normalise_codeql_path("./a/./b.py") == "a/b.py"
