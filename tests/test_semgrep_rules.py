"""The bundled Semgrep rules: their own positive/negative test files, and their metadata."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from semgrep_helpers import BUNDLED_JSON, RULE_TESTS_DIR, RULES_DIR, compile_rules, require_semgrep

from vulnloop.engines.semgrep import SemgrepEngine, parse_cwes
from vulnloop.sources import SourceFile

yaml = pytest.importorskip("yaml")

# The CWEs of CodeQL's Python security suite that the issue asks for, each needing a rule.
REQUIRED_CWES = {22, 78, 79, 89, 90, 94, 95, 113, 117, 209, 215, 295, 327, 377, 502, 601, 611,
                 643, 730, 732, 776, 798, 918, 943}


def _rules() -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(RULES_DIR.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text("utf-8"))["rules"]:
            found.append((path, rule))
    return found


def test_rule_files_ship_with_the_package() -> None:
    assert len(list(RULES_DIR.glob("*.yaml"))) >= 25


@pytest.mark.parametrize("path,rule", _rules(), ids=lambda v: v["id"] if isinstance(v, dict) else "")
def test_rule_has_complete_metadata(path: Path, rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"vulnloop\.[a-z0-9-]+", rule["id"])
    assert rule["languages"] == ["python"]
    assert rule["severity"] in {"ERROR", "WARNING", "INFO"}
    assert len(rule["message"].split()) >= 15, "the message must say what to do"
    metadata = rule["metadata"]
    assert parse_cwes(metadata["cwe"]), "every rule names its CWE"
    assert metadata["confidence"] in {"HIGH", "MEDIUM", "LOW"}
    assert metadata["references"]


@pytest.mark.parametrize("path,rule", _rules(), ids=lambda v: v["id"] if isinstance(v, dict) else "")
def test_rule_has_positive_and_negative_cases(path: Path, rule: dict[str, Any]) -> None:
    test_file = RULE_TESTS_DIR / (path.stem + ".py")
    text = test_file.read_text("utf-8")
    rule_id = re.escape(rule["id"])
    assert re.search(rf"#\s*ruleid:[^\n]*\b{rule_id}\b", text), f"no positive case in {test_file.name}"
    assert re.search(rf"#\s*ok:[^\n]*\b{rule_id}\b", text), f"no negative case in {test_file.name}"


def test_bundled_json_is_the_yaml_rules() -> None:
    """The engine runs the JSON copy; it must say exactly what the YAML files say."""
    assert BUNDLED_JSON.read_text("utf-8") == compile_rules(), (
        "regenerate with: python tests/semgrep_helpers.py"
    )


def test_required_cwes_are_covered() -> None:
    covered = {cwe for _, rule in _rules() for cwe in parse_cwes(rule["metadata"]["cwe"])}
    assert REQUIRED_CWES <= covered, sorted(REQUIRED_CWES - covered)


def test_taint_rules_share_one_request_source_list() -> None:
    """The request sources are repeated in each taint rule; they must not drift apart."""
    lists = [
        rule["pattern-sources"]
        for _, rule in _rules()
        if rule.get("mode") == "taint" and "flask.request.$ATTR" in json.dumps(rule["pattern-sources"])
    ]
    assert len(lists) >= 15
    assert all(sources == lists[0] for sources in lists)


def test_library_input_rules_share_one_source_list_and_low_confidence() -> None:
    """Each `-from-parameter` twin repeats the weaker sources; they must not drift apart."""
    twins = [rule for _, rule in _rules() if rule["id"].endswith("-from-parameter")]
    assert len(twins) >= 6
    # The shared list comes first; a twin may add labels of its own after it (ssrf's URL_PART).
    shared = twins[0]["pattern-sources"]
    assert all(rule["pattern-sources"][: len(shared)] == shared for rule in twins)
    assert all(rule["metadata"]["confidence"] == "LOW" for rule in twins)
    ids = {rule["id"] for _, rule in _rules()}
    assert all(rule["id"].removesuffix("-from-parameter") in ids for rule in twins)


def _expected_lines(text: str) -> dict[str, set[int]]:
    """Rule id -> lines a '# ruleid:' comment marks (the line after the comment)."""
    expected: dict[str, set[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*#\s*ruleid:\s*(.+)$", line)
        if match:
            for rule_id in match.group(1).split(","):
                expected.setdefault(rule_id.strip(), set()).add(number + 1)
    return expected


def test_rules_pass_their_own_test_files() -> None:
    """The engine, with the bundled JSON rules, flags exactly the marked lines of each test file.

    (The same files pass `semgrep --test --config rules/ tests/`; one scan is much faster.)
    """
    require_semgrep()
    test_files = sorted(RULE_TESTS_DIR.glob("*.py"))
    sources = [SourceFile(p.name, p.read_text("utf-8")) for p in test_files]
    result = SemgrepEngine().scan(sources, root=RULE_TESTS_DIR)
    assert result.skipped == ()
    reported: dict[tuple[str, str], set[int]] = {}
    for finding in result.findings:
        reported.setdefault((finding.path, finding.rule_id), set()).add(finding.start_line)
    rules_by_file: dict[str, list[str]] = {}
    for path, rule in _rules():
        rules_by_file.setdefault(path.stem + ".py", []).append(rule["id"])
    failures = {}
    for source in sources:
        expected = _expected_lines(source.text or "")
        for rule_id in rules_by_file[source.path]:
            want = expected.get(rule_id, set())
            got = reported.get((source.path, rule_id), set())
            if want != got:
                failures[rule_id] = {"missed": sorted(want - got), "unexpected": sorted(got - want)}
    assert not failures, failures
