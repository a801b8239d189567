"""The SARIF parser on logs shaped as CodeQL writes them (tests/fixtures/sarif)."""
from __future__ import annotations

import copy

import pytest
from sarif_helpers import assert_valid_sarif, fixture_log, fixture_sources

from vulnloop.engines.sarif_parse import findings_from_sarif, tool_notifications
from vulnloop.findings import Level
from vulnloop.fingerprints import assign_fingerprints

ROOT = "/home/runner/work/demo/demo"


def _by_rule(findings):
    return {f.rule_id: f for f in findings}


def _summary(findings):
    return sorted((f.rule_id, f.cwes, f.path, f.start_line, f.start_col, f.end_line, f.end_col) for f in findings)


@pytest.mark.parametrize(
    "name",
    [
        "codeql_2_20_python.sarif",
        "codeql_driver_rules.sarif",
        "codeql_two_runs.sarif",
        "codeql_missing_rules.sarif",
        "codeql_extraction_warning.sarif",
    ],
)
def test_fixtures_are_valid_sarif(name):
    assert_valid_sarif(fixture_log(name), require_schema=True)


def test_rules_in_the_query_pack_extension():
    sources = fixture_sources()
    findings = findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=sources)
    found = _by_rule(findings)
    assert sorted(found) == [
        "py/command-line-injection", "py/flask-debug", "py/path-injection", "py/weak-sensitive-data-hashing",
    ]
    path = found["py/path-injection"]
    assert path.engine == "codeql"
    assert path.cwes == (22, 23, 36, 73, 99)
    assert (path.path, path.start_line, path.start_col, path.end_line, path.end_col) == ("app.py", 13, 22, 13, 26)
    assert sources["app.py"].splitlines()[12][path.start_col - 1 : path.end_col - 1] == "path"
    assert path.severity is Level.HIGH and path.confidence is Level.HIGH
    assert path.rule_name == "Uncontrolled data used in path expression"
    assert path.help_url.startswith("https://codeql.github.com/codeql-query-help/python/py-path-injection")
    assert found["py/command-line-injection"].cwes == (78, 88)
    hashing = found["py/weak-sensitive-data-hashing"]
    assert hashing.path == "utils/crypto.py" and hashing.cwes == (327, 328, 916)


def test_message_links_become_readable():
    found = _by_rule(findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=fixture_sources()))
    assert found["py/path-injection"].message == "This path depends on a user-provided value (line 4)."
    assert found["py/weak-sensitive-data-hashing"].message.startswith(
        "Sensitive data (password) (line 4) is used in a hashing algorithm (MD5)"
    )
    assert "[" not in found["py/command-line-injection"].message


def test_fingerprints_and_snippets_come_from_the_file_text():
    sources = fixture_sources()
    findings = findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=sources)
    for finding in findings:
        assert finding.snippet == sources[finding.path].splitlines()[finding.start_line - 1]
        again = assign_fingerprints([finding.with_fingerprint("")], sources[finding.path])[0]
        assert finding.fingerprint == again.fingerprint
    # Lines moving above a finding leave its fingerprint alone.
    moved = {**sources, "app.py": "# a new comment\n\n" + sources["app.py"]}
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    for result in log["runs"][0]["results"]:
        for location in result["locations"]:
            artifact = location["physicalLocation"]["artifactLocation"]
            if artifact["uri"] == "app.py":
                location["physicalLocation"]["region"]["startLine"] += 2
    shifted = findings_from_sarif(log, sources=moved)
    assert {f.fingerprint for f in shifted} == {f.fingerprint for f in findings}


def test_rules_under_the_driver_with_rule_index_give_the_same_findings():
    sources = fixture_sources()
    driver = findings_from_sarif(fixture_log("codeql_driver_rules.sarif"), sources=sources)
    extension = findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=sources)
    assert _summary(driver) == [s for s in _summary(extension) if s[0] != "py/command-line-injection"]


def test_cwes_come_only_from_tags_never_from_names():
    log = copy.deepcopy(fixture_log("codeql_driver_rules.sarif"))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    # A rule whose name says SQL injection but whose tags say CWE-79 is CWE-79.
    rules[0]["shortDescription"]["text"] = "SQL injection (CWE-89)"
    rules[0]["properties"]["tags"] = ["security", "external/cwe/cwe-079"]
    # A rule we do not know, with no CWE tag, has no CWE at all.
    rules[1]["id"] = "py/homegrown-check"
    rules[1]["shortDescription"]["text"] = "Path traversal CWE-22"
    rules[1]["properties"]["tags"] = ["security"]
    log["runs"][0]["results"][1]["ruleId"] = "py/homegrown-check"
    found = _by_rule(findings_from_sarif(log))
    assert found["py/path-injection"].cwes == (79,)
    assert found["py/homegrown-check"].cwes == ()


@pytest.mark.parametrize(
    ("properties", "level", "severity", "confidence"),
    [
        ({"security-severity": "9.8", "precision": "very-high"}, None, Level.HIGH, Level.HIGH),
        ({"security-severity": "7.0", "precision": "high"}, None, Level.HIGH, Level.HIGH),
        ({"security-severity": "6.9", "precision": "medium"}, None, Level.MEDIUM, Level.MEDIUM),
        ({"security-severity": "4.0", "precision": "low"}, None, Level.MEDIUM, Level.LOW),
        ({"security-severity": "3.9"}, None, Level.LOW, Level.MEDIUM),
        ({"problem.severity": "warning"}, None, Level.MEDIUM, Level.MEDIUM),
        ({"problem.severity": "recommendation"}, None, Level.LOW, Level.MEDIUM),
        ({}, "error", Level.HIGH, Level.MEDIUM),
        ({}, "note", Level.LOW, Level.MEDIUM),
    ],
)
def test_severity_and_confidence(properties, level, severity, confidence):
    log = {
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "CodeQL", "rules": []},
                     "extensions": [{"name": "codeql/python-queries",
                                     "rules": [{"id": "py/homegrown", "properties": {"tags": ["security"], **properties}}]}]},
            "results": [{
                "ruleId": "py/homegrown",
                "rule": {"id": "py/homegrown", "index": 0, "toolComponent": {"index": 0}},
                **({"level": level} if level else {}),
                "message": {"text": "x"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 1}}}],
            }],
        }],
    }
    [finding] = findings_from_sarif(log)
    assert (finding.severity, finding.confidence) == (severity, confidence)


def test_two_runs_tool_component_index_and_absolute_uris():
    sources = fixture_sources()
    findings = findings_from_sarif(fixture_log("codeql_two_runs.sarif"), sources=sources, base_dir=ROOT)
    found = _by_rule(findings)
    # Run 1 lists codeql/python-all first, so its results point at extension 1.
    assert found["py/command-line-injection"].cwes == (78, 88)
    assert found["py/flask-debug"].rule_name == "Flask app is run in debug mode"
    # Run 2 names its file by an absolute file:// URI under the checkout.
    hashing = found["py/weak-sensitive-data-hashing"]
    assert hashing.path == "utils/crypto.py"
    assert hashing.message.startswith("Sensitive data (password) (line 4)")
    assert hashing.fingerprint == _by_rule(
        findings_from_sarif(fixture_log("codeql_2_20_python.sarif"), sources=sources)
    )["py/weak-sensitive-data-hashing"].fingerprint
    # Without the root, a path outside it stays absolute rather than being guessed.
    elsewhere = _by_rule(findings_from_sarif(fixture_log("codeql_two_runs.sarif"), base_dir="/somewhere/else"))
    assert elsewhere["py/weak-sensitive-data-hashing"].path == f"{ROOT}/utils/crypto.py"


def test_original_uri_base_ids_resolve_relative_uris():
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    run = log["runs"][0]
    run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": f"file://{ROOT}/"}}
    for result in run["results"]:
        for location in result["locations"]:
            location["physicalLocation"]["artifactLocation"]["uri"] = "src/" + location["physicalLocation"]["artifactLocation"]["uri"]
    paths = {f.path for f in findings_from_sarif(log, base_dir=f"{ROOT}/src")}
    assert paths == {"app.py", "utils/crypto.py"}


def test_missing_rule_metadata_falls_back_to_the_shipped_table():
    sources = fixture_sources()
    found = _by_rule(findings_from_sarif(fixture_log("codeql_missing_rules.sarif"), sources=sources))
    assert found["py/path-injection"].cwes == (22, 23, 36, 73, 99)
    assert found["py/path-injection"].severity is Level.HIGH
    assert found["py/path-injection"].rule_name == "Uncontrolled data used in path expression"
    assert found["py/overly-permissive-file"].cwes == (732,)
    assert found["py/overly-permissive-file"].confidence is Level.MEDIUM  # precision medium
    custom = found["py/custom-secret-check"]
    assert custom.cwes == () and custom.severity is Level.MEDIUM  # from the result's level "warning"
    assert custom.message == "Possible secret in this string (line 5)."


def test_artifact_index_and_a_region_without_columns():
    sources = fixture_sources()
    found = _by_rule(findings_from_sarif(fixture_log("codeql_missing_rules.sarif"), sources=sources))
    permissive = found["py/overly-permissive-file"]
    line = sources["app.py"].splitlines()[11]
    assert permissive.path == "app.py"  # from run.artifacts[0]
    assert (permissive.start_col, permissive.end_col) == (1, len(line) + 1)


def test_code_flows_name_the_source_when_the_message_does_not():
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    result = log["runs"][0]["results"][0]
    result["message"]["text"] = "This path depends on untrusted data."
    del result["relatedLocations"]
    found = _by_rule(findings_from_sarif(log))
    assert found["py/path-injection"].message == "This path depends on untrusted data. (data flows from line 4)"


def test_markdown_links_and_escapes():
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    result = log["runs"][0]["results"][2]
    result["message"]["text"] = r"See [the docs](https://flask.palletsprojects.com/) about \[debug\] mode."
    found = _by_rule(findings_from_sarif(log))
    assert found["py/flask-debug"].message == "See the docs (https://flask.palletsprojects.com/) about [debug] mode."


def test_suppressed_absent_and_passing_results_are_dropped():
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    results = log["runs"][0]["results"]
    results[0]["suppressions"] = [{"kind": "inSource"}]
    results[1]["baselineState"] = "absent"
    results[2]["kind"] = "pass"
    results[3]["suppressions"] = [{"kind": "external", "status": "rejected"}]
    assert [f.rule_id for f in findings_from_sarif(log)] == ["py/weak-sensitive-data-hashing"]


def test_a_rule_index_that_names_another_rule_is_not_trusted():
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    log["runs"][0]["results"][0]["rule"]["index"] = 2  # py/flask-debug's slot
    found = _by_rule(findings_from_sarif(log))
    assert found["py/path-injection"].cwes == (22, 23, 36, 73, 99)


def test_malformed_parts_are_skipped_not_fatal():
    log = {
        "runs": [
            "not a run",
            {"tool": "x", "results": [None, 1, {"ruleId": "py/sql-injection"}, {"locations": "x"}]},
            {"results": [{"ruleId": "py/sql-injection", "message": {"text": "q"},
                          "locations": [{"physicalLocation": {"artifactLocation": {"uri": "db.py"},
                                                              "region": {"startLine": "7"}}}]}]},
        ]
    }
    [finding] = findings_from_sarif(log)
    assert (finding.rule_id, finding.cwes, finding.path, finding.start_line) == ("py/sql-injection", (89,), "db.py", 1)


def test_engine_name_from_each_run_when_not_given():
    log = copy.deepcopy(fixture_log("codeql_2_20_python.sarif"))
    log["runs"][0]["automationDetails"] = {"id": "vulnloop/semgrep/"}
    assert {f.engine for f in findings_from_sarif(log, engine=None)} == {"semgrep"}
    del log["runs"][0]["automationDetails"]
    assert {f.engine for f in findings_from_sarif(log, engine=None)} == {"codeql"}


def test_tool_notifications_name_files_that_did_not_extract():
    notes = tool_notifications(fixture_log("codeql_extraction_warning.sarif"))
    warnings = [n for n in notes if n.descriptor_id == "py/diagnostics/extraction-warnings"]
    assert [(n.paths, n.level) for n in warnings] == [(("broken.py",), "warning")]
    assert "SyntaxError" in warnings[0].message
    extracted = {p for n in notes if n.descriptor_id == "py/diagnostics/successfully-extracted-files" for p in n.paths}
    assert extracted == {"app.py", "broken.py"}
