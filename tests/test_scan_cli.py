from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import run_cli
from tests.samples import CLEAN, SHELL, YAML


def test_findings_exit_1_with_readable_lines_and_total(write_tree) -> None:
    root = write_tree({"app/tools.py": SHELL, "app/conf.py": YAML, "app/ok.py": CLEAN})
    done = run_cli("scan", "--engines", "bandit", "app", cwd=root)
    assert done.returncode == 1, done.stderr
    assert "app/tools.py:5:5  B602  CWE-78  high  subprocess call with shell=True" in done.stdout
    assert "app/conf.py:6:16  B506  CWE-20  medium" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("3 findings in 2 files")
    assert "engines: bandit" in done.stderr


def test_clean_tree_exits_0(write_tree) -> None:
    root = write_tree({"ok.py": CLEAN})
    done = run_cli("scan", "--engines", "bandit", cwd=root)
    assert done.returncode == 0, done.stderr
    assert "0 findings" in done.stdout


def test_severity_threshold_decides_the_exit_code(write_tree) -> None:
    root = write_tree({"conf.py": YAML})  # B506 is medium
    assert run_cli("scan", "--engines", "bandit", "--severity", "high", cwd=root).returncode == 0
    assert run_cli("scan", "--engines", "bandit", "--severity", "medium", cwd=root).returncode == 1


def test_json_output_to_a_file(write_tree) -> None:
    root = write_tree({"tools.py": SHELL, "broken.py": "def f(:\n"})
    done = run_cli("scan", "--engines", "bandit", "--format", "json", "--output", "out.json", cwd=root)
    assert done.returncode == 1 and done.stdout == ""
    data = json.loads((root / "out.json").read_text())
    assert {f["rule_id"] for f in data["findings"]} == {"B404", "B602"}
    assert data["skipped"] == [{"path": "broken.py", "reason": "syntax error: the file does not parse as Python", "engine": "bandit"}]


def test_skipped_files_are_listed_not_counted_clean(write_tree) -> None:
    root = write_tree({"ok.py": CLEAN})
    (root / "latin.py").write_bytes(b"name = 'caf\xe9'\n")
    done = run_cli("scan", "--engines", "bandit", cwd=root)
    assert "latin.py: skipped: not valid utf-8" in done.stdout
    assert "1 file skipped" in done.stdout


def test_exclude_flag_and_pyproject_config(write_tree) -> None:
    root = write_tree(
        {"pyproject.toml": '[tool.vulnloop]\nexclude = ["legacy"]\n', "legacy/old.py": SHELL, "gen/x.py": YAML}
    )
    done = run_cli("scan", "--engines", "bandit", "--exclude", "gen", cwd=root)
    assert done.returncode == 0, done.stdout


@pytest.mark.skipif(shutil.which("codeql") is not None, reason="CodeQL is installed here")
def test_explicitly_requested_missing_engine_is_a_configuration_error(write_tree) -> None:
    root = write_tree({"ok.py": CLEAN})
    done = run_cli("scan", "--engines", "bandit,codeql", cwd=root)
    assert done.returncode == 2
    assert "codeql" in done.stderr and "error" in done.stderr


def test_auto_runs_what_is_available_and_says_so(write_tree) -> None:
    root = write_tree({"tools.py": SHELL})
    done = run_cli("scan", cwd=root)
    assert done.returncode == 1
    assert "vulnloop: engines: bandit" in done.stderr


def test_usage_errors_exit_2(write_tree) -> None:
    root = write_tree({"ok.py": CLEAN, "pyproject.toml": "[tool.vulnloop]\ncolour = 1\n"})
    assert run_cli("scan", "--severity", "extreme", cwd=root).returncode == 2
    done = run_cli("scan", cwd=root)
    assert done.returncode == 2 and "unknown setting 'colour'" in done.stderr
    (root / "pyproject.toml").unlink()
    missing = run_cli("scan", "--engines", "bandit", "nope.py", cwd=root)
    assert missing.returncode == 2 and "nope.py: no such file" in missing.stderr
