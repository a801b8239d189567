""""Why it matters" explains the finding by what the flagged code does, not by Bandit's broad CWE
tag (eval is tagged CWE-78, OS command injection; yaml.load CWE-20, input validation)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from codemod_helpers import scan

from vulnloop.cwe import lookup
from vulnloop.findings import Finding, Level, ScanResult
from vulnloop.report.review import why_it_matters
from vulnloop.report.sarif import sarif_log
from vulnloop.report.why import RULE_REASONS, why_it_matters_text


def _bandit(source: str, rule_id: str) -> Finding:
    return next(f for f in scan(source) if f.rule_id == rule_id)


def test_eval_is_explained_as_running_code_not_as_a_shell_command() -> None:
    finding = _bandit("def calc(expression):\n    return eval(expression)\n", "B307")
    assert finding.cwe == 78  # Bandit's tag: the CWE text would speak of OS commands
    text = why_it_matters(finding)
    assert text.startswith("**Why it matters:** eval runs any Python expression")
    assert lookup(78).definition[:40] not in text


def test_yaml_load_is_explained_as_building_objects() -> None:
    finding = _bandit("import yaml\n\n\ndef read(text):\n    return yaml.load(text, Loader=yaml.Loader)\n", "B506")
    assert finding.cwe == 20
    assert "!!python/" in why_it_matters(finding)


def test_codeql_queries_use_their_own_description_and_others_the_cwe() -> None:
    base = Finding(
        engine="codeql", rule_id="py/sql-injection", cwes=(89,), severity=Level.HIGH, confidence=Level.HIGH,
        path="a.py", start_line=1, end_line=1, start_col=1, end_col=2, message="m",
    )
    assert "SQL" in why_it_matters_text(base) and why_it_matters_text(base) != lookup(89).definition
    semgrep = replace(base, engine="semgrep", rule_id="vulnloop.python.open-redirect", cwes=(601,))
    assert why_it_matters_text(semgrep) == lookup(601).definition
    unknown = replace(base, engine="bandit", rule_id="B999", cwes=())
    assert why_it_matters_text(unknown) == "" and why_it_matters(unknown) == ""


def test_every_bandit_test_has_its_own_reason() -> None:
    bandit_loader = pytest.importorskip("bandit.core.extension_loader")
    manager = bandit_loader.MANAGER
    ids = set(manager.plugins_by_id) | {item["id"] for items in manager.blacklist.values() for item in items}
    assert ids <= set(RULE_REASONS), sorted(ids - set(RULE_REASONS))


def test_sarif_rule_help_says_why_it_matters() -> None:
    finding = _bandit("def calc(expression):\n    return eval(expression)\n", "B307")
    log = sarif_log(ScanResult((finding,), (), ("bandit",)))
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert "**Why it matters:** eval runs any Python expression" in rule["help"]["markdown"]
