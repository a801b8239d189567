"""The Semgrep engine: real Semgrep on texts it is handed, and its failure paths."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from semgrep_helpers import fake_semgrep, require_semgrep

from vulnloop.engines import semgrep as semgrep_module
from vulnloop.engines.semgrep import SemgrepEngine, _child_environment, _temp_name, parse_cwes
from vulnloop.findings import Level
from vulnloop.sources import SourceFile

REDIRECT_VIEW = textwrap.dedent(
    """\
    from flask import Flask, redirect, request

    app = Flask(__name__)


    @app.route("/login")
    def login():
        target = request.args.get("next", "/")
        return redirect(target)
    """
)
SAFE_VIEW = textwrap.dedent(
    """\
    from flask import Flask, redirect, request, url_for

    app = Flask(__name__)


    @app.route("/login")
    def login():
        return redirect(url_for("home", q=request.args.get("q")))
    """
)


@pytest.fixture(scope="module")
def one_scan() -> tuple[list[SourceFile], object]:
    """One real Semgrep run over a set of files that each test looks at from its own side."""
    require_semgrep()
    moved = "# a comment\n# another\n\n" + REDIRECT_VIEW
    suppressed = REDIRECT_VIEW.replace(
        "return redirect(target)", "return redirect(target)  # nosemgrep: vulnloop.open-redirect"
    )
    sources = [
        SourceFile("app/views.py", REDIRECT_VIEW),
        SourceFile("app/moved.py", moved),
        SourceFile("app/safe.py", SAFE_VIEW),
        # Semgrep's default ignores would drop tests/ and build/; vulnloop scans what it is given.
        SourceFile("tests/test_views.py", REDIRECT_VIEW),
        SourceFile("bin/run-hook", "import os\nfrom flask import request\nos.system(request.args['c'])\n"),
        SourceFile("app/suppressed.py", suppressed),
        SourceFile("app/broken.py", "def view(:\n    return 1\n"),
        SourceFile("app/unreadable.py", None, "not valid utf-8"),
    ]
    return sources, SemgrepEngine().scan(sources, root=Path("."))


def _by_path(result: object) -> dict[str, list]:
    found: dict[str, list] = {}
    for finding in result.findings:  # type: ignore[attr-defined]
        found.setdefault(finding.path, []).append(finding)
    return found


def test_taint_finding_carries_rule_metadata(one_scan) -> None:
    _, result = one_scan
    [finding] = _by_path(result)["app/views.py"]
    assert finding.engine == "semgrep"
    assert finding.rule_id == "vulnloop.open-redirect"
    assert finding.cwes == (601,)
    assert finding.severity is Level.HIGH and finding.confidence is Level.HIGH
    assert (finding.start_line, finding.start_col) == (9, 21)
    assert finding.snippet.strip() == "return redirect(target)"
    assert "url_has_allowed_host_and_scheme" in finding.message
    assert finding.fingerprint
    assert result.engines == ("semgrep",)


def test_fingerprint_survives_lines_moving(one_scan) -> None:
    """Lines moved within a file keep the fingerprint; the same code in another file has its own."""
    from dataclasses import replace

    from vulnloop.fingerprints import assign_fingerprints

    sources, result = one_scan
    found = _by_path(result)
    [original] = found["app/views.py"]
    [moved] = found["app/moved.py"]
    assert moved.start_line == original.start_line + 3
    assert moved.fingerprint != original.fingerprint
    moved_text = next(s.text for s in sources if s.path == "app/moved.py")
    [as_views] = assign_fingerprints([replace(moved, path="app/views.py", fingerprint="", snippet="")], moved_text)
    assert as_views.fingerprint == original.fingerprint


def test_sanitised_flow_is_clean_and_every_given_file_is_scanned(one_scan) -> None:
    _, result = one_scan
    found = _by_path(result)
    assert "app/safe.py" not in found
    assert [f.rule_id for f in found["tests/test_views.py"]] == ["vulnloop.open-redirect"]
    assert [f.rule_id for f in found["bin/run-hook"]] == ["vulnloop.command-injection"]


def test_nosemgrep_comment_is_honoured_by_default(one_scan) -> None:
    _, result = one_scan
    assert "app/suppressed.py" not in _by_path(result)


def test_unparseable_and_unreadable_files_are_skipped_not_clean(one_scan) -> None:
    _, result = one_scan
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == {"app/broken.py", "app/unreadable.py"}
    assert reasons["app/broken.py"].startswith("syntax error (line 1)")
    assert reasons["app/unreadable.py"] == "not valid utf-8"


def test_nosemgrep_can_be_ignored_for_verification() -> None:
    require_semgrep()
    text = REDIRECT_VIEW.replace("return redirect(target)", "return redirect(target)  # nosemgrep")
    result = SemgrepEngine(honour_nosemgrep=False).scan([SourceFile("v.py", text)], root=Path("."))
    assert [f.rule_id for f in result.findings] == ["vulnloop.open-redirect"]


def test_invalid_rules_leave_every_file_unjudged(tmp_path: Path) -> None:
    require_semgrep()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("rules:\n  - id: broken\n    languages: [python]\n", "utf-8")
    sources = [SourceFile("a.py", REDIRECT_VIEW), SourceFile("b.py", SAFE_VIEW)]
    result = SemgrepEngine(rules=rules).scan(sources, root=tmp_path)
    assert result.findings == ()
    assert [s.path for s in result.skipped] == ["a.py", "b.py"]
    assert all(s.reason.startswith("semgrep") for s in result.skipped)


def test_command_line_and_environment_keep_semgrep_offline(tmp_path: Path, monkeypatch) -> None:
    record = tmp_path / "record"
    scanned = json.dumps({"results": [], "errors": [], "paths": {"scanned": ["pkg/a.py"]}})
    executable = fake_semgrep(
        tmp_path,
        f'printf "%s\\n" "$@" > "{record}.args"\nenv > "{record}.env"\n'
        f'ls -A > "{record}.files"\necho \'{scanned}\'\n',
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("SEMGREP_APP_TOKEN", "token")
    monkeypatch.setenv("SEMGREP_RULES", "p/default")
    result = SemgrepEngine(executable=executable).scan([SourceFile("pkg/a.py", "x = 1\n")], root=tmp_path)
    assert result.findings == () and result.skipped == ()
    args = (tmp_path / "record.args").read_text().split("\n")
    assert args[0] == "scan"
    for flag in ("--metrics=off", "--disable-version-check", "--json", "--no-rewrite-rule-ids"):
        assert flag in args
    assert args[args.index("--config") + 1].endswith("semgrep_rules/vulnloop-rules.json")
    env = (tmp_path / "record.env").read_text()
    assert "SEMGREP_ENABLE_VERSION_CHECK=0" in env
    assert "sk-secret" not in env and "SEMGREP_APP_TOKEN" not in env and "p/default" not in env
    assert ".semgrepignore" in (tmp_path / "record.files").read_text()


def test_file_semgrep_did_not_scan_is_skipped(tmp_path: Path) -> None:
    output = json.dumps({
        "results": [],
        "errors": [{"type": "Timeout", "level": "warn", "path": "b.py", "message": "rule timed out"}],
        "paths": {"scanned": ["b.py"]},
    })
    executable = fake_semgrep(tmp_path, f"echo '{output}'\n")
    sources = [SourceFile("a.py", "x = 1\n"), SourceFile("b.py", "y = 2\n")]
    result = SemgrepEngine(executable=executable).scan(sources, root=tmp_path)
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons["a.py"].startswith("semgrep did not scan it")
    assert reasons["b.py"] == "semgrep Timeout: rule timed out"


def test_crash_and_timeout_become_skipped_files(tmp_path: Path) -> None:
    crash = fake_semgrep(tmp_path, "echo 'fatal: out of cheese' >&2\nexit 2\n")
    result = SemgrepEngine(executable=crash).scan([SourceFile("a.py", "x = 1\n")], root=tmp_path)
    assert [(s.path, s.reason) for s in result.skipped] == [("a.py", "semgrep failed: fatal: out of cheese")]
    slow_dir = tmp_path / "slow"
    slow_dir.mkdir()
    slow = fake_semgrep(slow_dir, "sleep 30\n")
    result = SemgrepEngine(executable=slow, timeout=1).scan([SourceFile("a.py", "x = 1\n")], root=tmp_path)
    assert [s.reason for s in result.skipped] == ["semgrep did not finish within 1 s"]


def test_missing_semgrep_is_reported_with_install_hint(monkeypatch) -> None:
    monkeypatch.setattr(semgrep_module, "find_semgrep", lambda: None)
    monkeypatch.setattr(semgrep_module.sys, "platform", "linux")
    reason = SemgrepEngine().unavailable_reason()
    assert reason is not None and "vulnloop[semgrep]" in reason
    result = SemgrepEngine().scan([SourceFile("a.py", "x = 1\n")], root=Path("."))
    assert result.skipped[0].reason.startswith("semgrep is not installed")


@pytest.mark.parametrize(
    "path,expected",
    [
        ("pkg/mod.py", "pkg/mod.py"),
        ("./pkg/mod.py", "pkg/mod.py"),
        ("bin/tool", "bin/tool.py"),
        ("../elsewhere/mod.py", "_outside/7/mod.py"),
        ("/abs/mod.py", "_outside/7/mod.py"),
    ],
)
def test_temporary_names_stay_inside_the_scan_folder(path: str, expected: str) -> None:
    assert _temp_name(path, 7) == expected


def test_cwes_come_from_rule_metadata() -> None:
    assert parse_cwes(["CWE-94: Code Injection", "CWE-095: Eval Injection"]) == (94, 95)
    assert parse_cwes("CWE-601: Open Redirect") == (601,)
    assert parse_cwes(None) == ()


def test_child_environment_has_no_credentials(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_x")
    monkeypatch.setenv("MY_SERVICE_PASSWORD", "p")
    env = _child_environment(tmp_path)
    assert "GITHUB_TOKEN" not in env and "MY_SERVICE_PASSWORD" not in env
    assert env["SEMGREP_SEND_METRICS"] == "off"
    assert env["SEMGREP_SETTINGS_FILE"].startswith(str(tmp_path))
