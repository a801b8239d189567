"""The shipped CodeQL query table and the reader of CodeQL's --format=csv output."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sarif_helpers import fixture_log, fixture_sources

from vulnloop.cwe import parse_cwe
from vulnloop.engines.codeql_csv import (
    findings_from_codeql_csv,
    normalise_codeql_path,
    query_by_id,
    query_by_name,
    query_table,
    read_codeql_csv,
    read_codeql_csv_rows,
)
from vulnloop.engines.sarif_parse import findings_from_sarif
from vulnloop.findings import Level


def _reference_rows(shared_data: Path) -> list[dict[str, str]]:
    with (shared_data / "reference" / "codeql_python_security_queries.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _csv_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "llmsecurecode" / "rq4_raw_tool_outputs").glob("*/*/ql_analysis.csv"))
    assert files, "no ql_analysis.csv under rq4_raw_tool_outputs"
    return files


# -- the table ------------------------------------------------------------------------------------


def test_table_entries_are_well_formed():
    queries = list(query_table().by_id.values())
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


# -- the CSV reader on real CodeQL 2.16 output -----------------------------------------------------------


def test_every_row_of_the_real_csvs_maps_to_a_known_query(shared_data):
    rows = 0
    for path in _csv_files(shared_data):
        text = path.read_text(encoding="utf-8")
        records = read_codeql_csv_rows(text)
        findings = read_codeql_csv(path)
        assert len(findings) == len(records)
        for record in records:
            assert query_by_name(record.name) is not None, f"{path}: unknown query {record.name!r}"

        def order(r):
            return (normalise_codeql_path(r.path), r.start_line, r.start_col, query_by_name(r.name).id)

        for record, finding in zip(sorted(records, key=order), findings):
            info = query_by_name(record.name)
            assert finding.rule_id == info.id and finding.cwes == info.cwes
            assert finding.start_line == record.start_line and finding.end_col == record.end_col + 1
        rows += len(records)
    assert rows > 400


def test_real_csv_paths_and_messages_are_cleaned(shared_data):
    findings = [f for path in _csv_files(shared_data) for f in read_codeql_csv(path)]
    for finding in findings:
        assert not finding.path.startswith("/") and "\\" not in finding.path, finding.path
        assert finding.path.endswith(".py")
        assert "[[" not in finding.message and "relative://" not in finding.message, finding.message
        assert finding.fingerprint
    path_rows = [f for f in findings if f.rule_id == "py/path-injection"]
    assert path_rows and all(f.cwe == 22 for f in path_rows)


def test_the_papers_mapping_differs_from_the_tags_on_real_rows(shared_data):
    paper = {r["id"]: parse_cwe(r["cwe_assigned_in_paper_rq4_logs"]) for r in _reference_rows(shared_data)
             if r["paper_tool_mismapped"] == "True"}
    findings = [f for path in _csv_files(shared_data) for f in read_codeql_csv(path)]
    disagreeing = [f for f in findings if f.rule_id in paper]
    assert len({f.rule_id for f in disagreeing}) >= 5
    for finding in disagreeing:
        assert paper[finding.rule_id] not in finding.cwes


# -- the reader on small written examples ---------------------------------------------------------------


def test_windows_paths_and_leading_slashes():
    assert normalise_codeql_path("/CWE-022-codeql_1.py") == "CWE-022-codeql_1.py"
    assert normalise_codeql_path(r"\pkg\sub\mod.py") == "pkg/sub/mod.py"
    assert normalise_codeql_path(r"C:\work\src\pkg\mod.py", base_dir=r"C:\work\src") == "pkg/mod.py"
    assert normalise_codeql_path("/home/u/src/app.py", base_dir="/home/u/src/") == "app.py"
    assert normalise_codeql_path("./a/./b.py") == "a/b.py"


def test_csv_and_sarif_of_the_same_alert_agree():
    sources = fixture_sources()
    text = (
        '"Uncontrolled data used in path expression","Accessing paths influenced by users can allow an '
        'attacker to access unexpected resources.","error","This path depends on a [[""user-provided value""|'
        '""relative:///app.py:4:26:4:32""]].","/app.py","13","22","13","25"\n'
    )
    [from_csv] = findings_from_codeql_csv(text, sources=sources)
    from_sarif = next(
        f for f in findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=sources)
        if f.rule_id == "py/path-injection"
    )
    keys = ("rule_id", "cwes", "path", "start_line", "start_col", "end_line", "end_col", "fingerprint", "message")
    assert {k: getattr(from_csv, k) for k in keys} == {k: getattr(from_sarif, k) for k in keys}


def test_unknown_query_names_keep_no_cwe():
    text = '"Homegrown SQL check","d","warning","Query built from [[""x""|""relative:///db.py:2:1:2:3""]].","/db.py","5","1","5","9"\n'
    [finding] = findings_from_codeql_csv(text)
    assert query_by_name("Homegrown SQL check") is None
    assert (finding.rule_id, finding.cwes, finding.severity) == ("Homegrown SQL check", (), Level.MEDIUM)
    assert finding.message == "Query built from x (line 2)."


def test_rows_that_are_not_codeql_csv_are_ignored():
    text = 'name,description,severity,message,path,a,b,c,d\n"only","three","cols"\n'
    assert findings_from_codeql_csv(text) == []


@pytest.mark.parametrize("name", ["Log Injection", "log   injection", "Deserializing untrusted input"])
def test_names_match_across_releases_and_spacing(name):
    assert query_by_name(name) is not None
