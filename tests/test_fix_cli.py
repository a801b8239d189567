"""`vulnloop fix` offline (codemods only), as a user runs it."""
from __future__ import annotations

import json

from sarif_helpers import apply_replacements, assert_valid_sarif

from tests.conftest import run_cli
from tests.samples import SHELL, YAML


def test_diff_by_default_write_on_request_and_exit_codes(write_tree) -> None:
    root = write_tree({"conf.py": YAML})
    shown = run_cli("fix", "--engines", "bandit", cwd=root)
    assert shown.returncode == 1  # a verified repair exists, nothing was written
    assert "+        return yaml.safe_load(handle)" in shown.stdout
    assert "FIXED    conf.py:6:16  B506" in shown.stdout
    assert (root / "conf.py").read_text() == YAML  # untouched
    written = run_cli("fix", "--engines", "bandit", "--write", cwd=root)
    assert written.returncode == 1 and "Fixing conf.py" in written.stderr
    assert "yaml.safe_load(handle)" in (root / "conf.py").read_text()
    clean = run_cli("fix", "--engines", "bandit", cwd=root)
    assert clean.returncode == 0 and "0 findings" in clean.stdout


def test_sarif_output_carries_each_verified_repair_as_a_fix(write_tree) -> None:
    root = write_tree({"conf.py": YAML, "tools.py": SHELL})
    done = run_cli("fix", "--engines", "bandit", "--format", "sarif", cwd=root)
    log = json.loads(done.stdout)
    assert_valid_sarif(log)
    results = {r["ruleId"]: r for run in log["runs"] for r in run["results"]}
    assert "fixes" not in results["B602"]  # no safe codemod, no LLM: reported, not fixed
    fix = results["B506"]["fixes"][0]
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "conf.py"
    repaired = apply_replacements(YAML, change["replacements"])
    assert "yaml.safe_load(handle)" in repaired and "Loader=yaml.Loader" not in repaired
    assert log["runs"][0]["tool"]["driver"]["version"].startswith("1.9")


def test_json_ledger_names_the_repairer_round_and_reason(write_tree) -> None:
    root = write_tree({"conf.py": YAML, "tools.py": SHELL})
    data = json.loads(run_cli("fix", "--engines", "bandit", "--format", "json", cwd=root).stdout)
    by_rule = {e["finding"]["rule_id"]: e for e in data["entries"]}
    assert by_rule["B506"]["status"] == "fixed"
    assert by_rule["B506"]["repair"]["repairer"] == "codemod:yaml-safe-load"
    assert by_rule["B506"]["repair"]["round"] == 1
    assert by_rule["B602"]["status"] == "unfixed" and "no LLM is configured" in by_rule["B602"]["reason"]
    assert {f["path"] for f in data["files"] if f["changed"]} == {"conf.py"}
