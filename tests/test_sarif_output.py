"""SARIF output: schema-valid, one run per engine, rules with CWE names, fixes, round trips."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from samples import MD5, SHELL, YAML
from sarif_helpers import (
    apply_replacements,
    assert_valid_sarif,
    fixture_log,
    fixture_sources,
)

from vulnloop.cwe import lookup
from vulnloop.engines.bandit import BanditEngine
from vulnloop.engines.sarif_parse import findings_from_sarif
from vulnloop.findings import ScanResult, SkippedFile, merge_results
from vulnloop.repair.ledger import LedgerEntry, Repair, Status
from vulnloop.report.sarif import (
    FINGERPRINT_KEY,
    line_replacements,
    sarif_log,
    write_sarif,
)
from vulnloop.sources import SourceFile

SHELL_FIXED = '''\
import subprocess


def archive(folder):
    subprocess.call(["tar", "czf", "backup.tgz", folder])
'''


@pytest.fixture(scope="module")
def bandit_scan() -> ScanResult:
    sources = [
        SourceFile("tools/shell.py", SHELL),
        SourceFile("settings.py", YAML),
        SourceFile("auth/md5.py", MD5),
        SourceFile("broken.py", "def broken(:\n"),
        SourceFile("latin.py", None, "not valid utf-8: UnicodeDecodeError; save it as UTF-8"),
    ]
    return BanditEngine().scan(sources)


def _codeql_scan() -> ScanResult:
    findings = findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=fixture_sources())
    return ScanResult(tuple(findings), (), ("codeql",))


def _run(log, engine):
    [run] = [r for r in log["runs"] if r["automationDetails"]["id"] == f"vulnloop/{engine}/"]
    return run


def test_bandit_scan_is_valid_sarif(bandit_scan):
    assert bandit_scan.findings and bandit_scan.skipped  # the fixture really has both
    log = sarif_log(bandit_scan, tool_versions={"bandit": "1.9.4"})
    assert_valid_sarif(log, require_schema=True)
    run = _run(log, "bandit")
    assert run["tool"]["driver"]["name"] == "Bandit"
    assert run["tool"]["driver"]["version"] == "1.9.4"
    assert run["tool"]["driver"]["informationUri"].startswith("https://")
    assert len(run["results"]) == len(bandit_scan.findings)


def test_one_run_per_engine_even_without_findings(bandit_scan):
    scan = replace(bandit_scan, engines=("bandit", "codeql"))
    log = sarif_log(scan)
    assert_valid_sarif(log)
    assert [r["automationDetails"]["id"] for r in log["runs"]] == ["vulnloop/bandit/", "vulnloop/codeql/"]
    codeql = _run(log, "codeql")
    assert codeql["tool"]["driver"]["name"] == "CodeQL"
    assert codeql["results"] == [] and codeql["tool"]["driver"]["rules"] == []


def test_findings_of_an_unlisted_engine_still_get_a_run(bandit_scan):
    scan = merge_results([ScanResult((), (), ("bandit",)), replace(_codeql_scan(), engines=())])
    log = sarif_log(scan)
    assert_valid_sarif(log)
    assert {r["automationDetails"]["id"] for r in log["runs"]} == {"vulnloop/bandit/", "vulnloop/codeql/"}


def test_rules_name_their_cwes_from_the_catalogue(bandit_scan):
    run = _run(sarif_log(bandit_scan), "bandit")
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    shell = rules["B602"]
    assert "external/cwe/cwe-078" in shell["properties"]["tags"] and "security" in shell["properties"]["tags"]
    assert lookup(78).name in shell["help"]["text"]
    assert f"[CWE-78](https://cwe.mitre.org/data/definitions/78.html): {lookup(78).name}" in shell["help"]["markdown"]
    assert shell["helpUri"].startswith("https://bandit.readthedocs.io/")
    assert shell["shortDescription"]["text"] == "B602: subprocess_popen_with_shell_equals_true"
    assert float(shell["properties"]["security-severity"]) >= 7.0  # Bandit says HIGH
    assert shell["properties"]["precision"] == "high"
    assert shell["defaultConfiguration"]["level"] == "error"
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_codeql_rules_take_the_querys_own_metadata():
    log = sarif_log(_codeql_scan())
    assert_valid_sarif(log)
    rules = {rule["id"]: rule for rule in _run(log, "codeql")["tool"]["driver"]["rules"]}
    path = rules["py/path-injection"]
    assert path["shortDescription"]["text"] == "Uncontrolled data used in path expression"
    assert path["fullDescription"]["text"].startswith("Accessing paths influenced by users")
    assert path["properties"]["security-severity"] == "7.5" and path["properties"]["precision"] == "high"
    assert path["properties"]["tags"][1:] == [f"external/cwe/cwe-{n:03d}" for n in (22, 23, 36, 73, 99)]
    assert lookup(22).name in path["help"]["text"]


def test_results_locations_and_fingerprints(bandit_scan):
    run = _run(sarif_log(bandit_scan), "bandit")
    shell = next(f for f in bandit_scan.findings if f.rule_id == "B602")
    result = next(r for r in run["results"] if r["ruleId"] == "B602")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "tools/shell.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == shell.start_line
    assert location["region"]["startColumn"] == shell.start_col
    assert location["contextRegion"]["snippet"]["text"] == shell.snippet
    assert result["partialFingerprints"] == {FINGERPRINT_KEY: shell.fingerprint}
    assert result["level"] == "error"
    assert result["message"]["text"] == shell.message


def test_skipped_files_are_tool_notifications(bandit_scan):
    run = _run(sarif_log(bandit_scan), "bandit")
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any(t.startswith("broken.py was not scanned: syntax error") for t in texts)
    assert any(t.startswith("latin.py was not scanned: not valid utf-8") for t in texts)
    clean = sarif_log(ScanResult((), (), ("bandit",)))
    assert clean["runs"][0]["invocations"][0] == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_a_skip_that_names_codeql_stays_in_the_codeql_run():
    scan = ScanResult((), (SkippedFile("a.py", "CodeQL could not analyse it: out of memory"),), ("bandit", "codeql"))
    log = sarif_log(scan)
    assert_valid_sarif(log)
    assert _run(log, "bandit")["invocations"][0]["toolExecutionNotifications"] == []
    assert len(_run(log, "codeql")["invocations"][0]["toolExecutionNotifications"]) == 1


def test_fixed_findings_carry_a_fix_that_rebuilds_the_repaired_file(bandit_scan):
    shell = next(f for f in bandit_scan.findings if f.rule_id == "B602")
    unfixed = next(f for f in bandit_scan.findings if f.rule_id == "B404")
    repair = Repair("codemod:shell-false", 1, SHELL, SHELL_FIXED, "", ("bandit",))
    entries = [
        LedgerEntry(shell, Status.FIXED, repair, attempts=1),
        LedgerEntry(unfixed, Status.UNFIXED, reason="no codemod for B404", attempts=0),
    ]
    log = sarif_log(bandit_scan, entries=entries)
    assert_valid_sarif(log)
    results = {r["ruleId"]: r for r in _run(log, "bandit")["results"]}
    [fix] = results["B602"]["fixes"]
    assert "codemod:shell-false" in fix["description"]["text"] and "bandit" in fix["description"]["text"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "tools/shell.py"
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 5, "endLine": 5},
         "insertedContent": {"text": '    subprocess.call(["tar", "czf", "backup.tgz", folder])'}}
    ]
    assert apply_replacements(SHELL, change["replacements"]) == SHELL_FIXED
    assert results["B602"]["properties"]["vulnloop/status"] == "fixed"
    assert "fixes" not in results["B404"]
    assert results["B404"]["properties"] == {"vulnloop/status": "unfixed", "vulnloop/reason": "no codemod for B404"}


BEFORE = "".join(f"line {n}\n" for n in range(1, 11))


@pytest.mark.parametrize(
    "after",
    [
        BEFORE.replace("line 3\n", "line three\n"),  # one line changed
        BEFORE.replace("line 3\n", "line 3\nnew a\nnew b\n"),  # pure insertion
        BEFORE.replace("line 4\nline 5\n", ""),  # pure deletion
        "first\n" + BEFORE,  # insertion before the first line
        BEFORE.replace("line 1\n", ""),  # deletion of the first line
        BEFORE + "appended\n",  # insertion at the end
        BEFORE.replace("line 2\n", "two\n").replace("line 9\n", "nine\nnine and a half\n"),  # two hunks
        BEFORE.replace("line 2\n", "").replace("line 4\n", "four\n"),  # hunks one line apart
        "",  # everything deleted
        "\n".join(f"other {n}" for n in range(3)) + "\n",  # everything replaced
        BEFORE.replace("line 5\n", "page\x0cbreak\r\n"),  # a form feed is not a line end in SARIF
        BEFORE.replace("line 10\n", "line 10"),  # the last newline removed
    ],
)
def test_line_replacements_rebuild_the_after_text(after):
    replacements = line_replacements(BEFORE, after)
    assert replacements
    assert apply_replacements(BEFORE, replacements) == after


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (BEFORE.replace("line 6\n", "line six\n"), [((6, 6), "line six")]),
        (BEFORE.replace("line 3\n", "line 3\nnew a\n"), [((3, 3), "line 3\nnew a")]),
        (BEFORE.replace("line 4\nline 5\n", ""), [((3, 5), "line 3")]),
        ("first\n" + BEFORE, [((1, 1), "first\nline 1")]),
        (BEFORE.replace("line 2\n", "two\n").replace("line 9\n", "nine\n"), [((2, 2), "two"), ((9, 9), "nine")]),
    ],
)
def test_line_replacements_are_minimal(after, expected):
    got = [
        ((r["deletedRegion"]["startLine"], r["deletedRegion"]["endLine"]), r["insertedContent"]["text"])
        for r in line_replacements(BEFORE, after)
    ]
    assert got == expected


def test_line_replacements_edge_cases():
    assert line_replacements(BEFORE, BEFORE) == []
    assert line_replacements(BEFORE, "") == [
        {"deletedRegion": {"charOffset": 0, "charLength": len(BEFORE)}, "insertedContent": {"text": ""}}
    ]
    assert apply_replacements("", line_replacements("", "x = 1\n")) == "x = 1\n"


def test_round_trip_through_a_file_keeps_rules_cwes_and_lines(bandit_scan, tmp_path):
    target = tmp_path / "out" / "vulnloop.sarif"
    write_sarif(target, sarif_log(bandit_scan, root_uri="file:///home/runner/work/demo/demo"))
    assert [p.name for p in target.parent.iterdir()] == ["vulnloop.sarif"]
    log = json.loads(target.read_text(encoding="utf-8"))
    assert_valid_sarif(log)
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///home/runner/work/demo/demo/"}}
    texts = {"tools/shell.py": SHELL, "settings.py": YAML, "auth/md5.py": MD5}
    back = findings_from_sarif(log, sources=texts, engine=None)

    def key(f):
        return (f.engine, f.rule_id, f.cwes, f.path, f.start_line, f.end_line, f.start_col, f.fingerprint)

    assert sorted(map(key, back)) == sorted(map(key, bandit_scan.findings))
    without_texts = findings_from_sarif(log, engine=None)  # snippets come from the SARIF itself
    assert sorted(f.snippet for f in without_texts) == sorted(f.snippet for f in bandit_scan.findings)
    assert {f.severity for f in back} == {f.severity for f in bandit_scan.findings}


def test_round_trip_of_codeql_findings_and_odd_paths():
    scan = _codeql_scan()
    odd = replace(scan.findings[0], path="my app/ünïcode [1].py")
    scan = replace(scan, findings=(odd, *scan.findings[1:]))
    log = sarif_log(scan)
    assert_valid_sarif(log)
    uri = next(r for r in log["runs"][0]["results"] if r["ruleId"] == odd.rule_id)["locations"][0]
    assert " " not in uri["physicalLocation"]["artifactLocation"]["uri"]
    back = findings_from_sarif(log, engine=None)
    assert sorted((f.rule_id, f.cwes, f.path, f.start_line, f.end_col) for f in back) == sorted(
        (f.rule_id, f.cwes, f.path, f.start_line, f.end_col) for f in scan.findings
    )
