"""The CodeQL engine's plumbing, against a fake `codeql` on PATH, and the real CLI when present."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from sarif_helpers import (
    FIXTURES,
    assert_valid_sarif,
    fake_codeql_calls,
    fixture_sources,
    install_fake_codeql,
)

from vulnloop.engines.codeql import (
    DEFAULT_SUITE,
    CodeQLEngine,
    child_environment,
    safe_relative_path,
)
from vulnloop.report.sarif import sarif_log
from vulnloop.sources import SourceFile

BROKEN = "def broken(:\n    pass\n"


@pytest.fixture
def fake_bin(tmp_path, monkeypatch) -> Path:
    """A folder first on PATH, for the fake `codeql`; CODEQL_DIST cleared."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("CODEQL_DIST", raising=False)
    return folder


def _sources() -> list[SourceFile]:
    return [SourceFile(path, text) for path, text in fixture_sources().items()]


def _steps(calls):
    return [" ".join(c["args"][:2]) for c in calls]


def test_scan_builds_one_database_from_exactly_the_given_files(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "unrelated.py").write_text("import pickle\n")  # in the repository, not in the scan
    sources = [*_sources(), SourceFile("bad.py", None, "cannot read: permission denied")]

    result = CodeQLEngine(threads=2, ram=2048).scan(sources, root=repo)

    assert result.engines == ("codeql",)
    assert sorted(f.rule_id for f in result.findings) == [
        "py/command-line-injection", "py/flask-debug", "py/path-injection", "py/weak-sensitive-data-hashing",
    ]
    assert all(f.fingerprint and f.snippet for f in result.findings)
    assert [(s.path, s.reason) for s in result.skipped] == [("bad.py", "cannot read: permission denied")]
    calls = [c for c in fake_codeql_calls(fake_bin) if c["args"][0] != "version"]
    assert _steps(calls) == ["database create", "database analyze"]
    create, analyze = calls[0]["args"], calls[1]["args"]
    assert create[:3] == ["database", "create", "--language=python"]
    assert "--build-mode=none" in create and "--overwrite" in create
    assert "--threads=2" in create and "--ram=2048" in create
    source_root = Path(create[create.index("--source-root") + 1])
    database = create[-1]
    assert calls[0]["files"] == fixture_sources()  # the texts given, under their relative paths
    assert analyze[2:4] == [database, DEFAULT_SUITE]
    assert "--format=sarif-latest" in analyze and "--threads=2" in analyze and "--ram=2048" in analyze
    assert not source_root.exists()  # the temporary tree is gone


def test_one_call_scans_candidate_texts_not_the_files_on_disk(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    candidate = fixture_sources()["app.py"].replace("debug=True", "debug=False")
    CodeQLEngine().scan([SourceFile("app.py", candidate), SourceFile("app.py", candidate)], root=tmp_path)
    [create] = [c for c in fake_codeql_calls(fake_bin) if c["args"][:2] == ["database", "create"]]
    assert create["files"] == {"app.py": candidate}


def test_findings_only_for_the_files_scanned(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    sources = [SourceFile("app.py", fixture_sources()["app.py"])]
    result = CodeQLEngine().scan(sources, root=tmp_path)
    assert {f.path for f in result.findings} == {"app.py"}


def test_a_file_codeql_could_not_extract_is_skipped_not_clean(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_extraction_warning.sarif"))
    sources = [SourceFile("app.py", fixture_sources()["app.py"]), SourceFile("broken.py", BROKEN)]
    result = CodeQLEngine().scan(sources, root=tmp_path)
    assert [f.rule_id for f in result.findings] == ["py/flask-debug"]
    [skipped] = result.skipped
    assert skipped.path == "broken.py"
    assert skipped.reason.startswith("CodeQL could not extract it:") and "SyntaxError" in skipped.reason


def test_a_file_codeql_did_not_extract_is_skipped(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_extraction_warning.sarif"))
    sources = [SourceFile("app.py", fixture_sources()["app.py"]), SourceFile("tool.pyw", "print(1)\n")]
    result = CodeQLEngine().scan(sources, root=tmp_path)
    assert [(s.path, s.reason) for s in result.skipped] == [("tool.pyw", "CodeQL did not extract it")]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"fail": "create", "stderr": "A fatal error occurred: Out of memory"}, "A fatal error occurred: Out of memory"),
        ({"fail": "analyze", "exit_code": 32, "stderr": "ERROR: pack codeql/python-queries not found"},
         "`codeql database analyze` exited with 32: ERROR: pack codeql/python-queries not found"),
        ({"garbage": True}, "wrote no readable SARIF"),
    ],
)
def test_a_cli_failure_skips_every_file_with_the_reason(fake_bin, tmp_path, config, expected):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"), **config)
    result = CodeQLEngine().scan(_sources(), root=tmp_path)
    assert result.findings == ()
    assert sorted(s.path for s in result.skipped) == sorted(fixture_sources())
    assert all(expected in s.reason and s.reason.startswith("CodeQL could not analyse it") for s in result.skipped)
    [note] = result.notes
    assert note.startswith("CodeQL failed:")
    log = sarif_log(result)
    assert_valid_sarif(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert note in [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]


def test_a_cli_that_hangs_is_stopped_with_its_children(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"), sleep_create=30, grandchild=True)
    started = time.monotonic()
    result = CodeQLEngine(create_timeout=1).scan(_sources(), root=tmp_path)
    assert time.monotonic() - started < 20  # the grandchild holding the pipes was stopped too
    assert result.findings == ()
    assert all("did not finish within 1 s" in s.reason for s in result.skipped)


def test_a_cli_without_build_mode_is_asked_again_without_it(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"), no_build_mode=True)
    result = CodeQLEngine().scan(_sources(), root=tmp_path)
    assert len(result.findings) == 4 and result.skipped == ()
    creates = [c["args"] for c in fake_codeql_calls(fake_bin) if c["args"][:2] == ["database", "create"]]
    assert ["--build-mode=none" in c for c in creates] == [True, False]


def test_paths_that_would_escape_the_source_root_are_refused(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    sources = [
        SourceFile("app.py", fixture_sources()["app.py"]),
        SourceFile("../outside.py", "x = 1\n"),
        SourceFile("/etc/evil.py", "x = 1\n"),
        SourceFile("app.py", "different text\n"),
    ]
    result = CodeQLEngine().scan(sources, root=tmp_path)
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == {"../outside.py", "/etc/evil.py", "app.py"}
    assert "two different texts" in reasons["app.py"]
    [create] = [c for c in fake_codeql_calls(fake_bin) if c["args"][:2] == ["database", "create"]]
    assert set(create["files"]) == {"app.py"}
    assert not (tmp_path / "outside.py").exists()
    assert safe_relative_path("pkg/mod.py") is not None
    assert safe_relative_path("C:/x.py") is None and safe_relative_path("a\\..\\b.py") is None


def test_secrets_do_not_reach_the_cli(fake_bin, tmp_path, monkeypatch):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_test")
    monkeypatch.setenv("INPUT_API_KEY", "x")
    monkeypatch.setenv("LANG", "C.UTF-8")
    CodeQLEngine().scan(_sources(), root=tmp_path)
    for call in fake_codeql_calls(fake_bin):
        assert not {"OPENAI_API_KEY", "GITHUB_TOKEN", "INPUT_API_KEY"} & set(call["env"])
        assert "LANG" in call["env"] and "PATH" in call["env"]
    assert "HOME" in child_environment({"HOME": "/root", "MY_SECRET": "x"})


def test_nothing_readable_means_no_cli_call(fake_bin, tmp_path):
    install_fake_codeql(fake_bin, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    result = CodeQLEngine().scan([SourceFile("a.py", None, "cannot read")], root=tmp_path)
    assert [s.path for s in result.skipped] == ["a.py"]
    assert fake_codeql_calls(fake_bin) == []


# -- finding the CLI ------------------------------------------------------------------------------


def test_missing_cli_gives_one_line_on_how_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CODEQL_DIST", raising=False)
    engine = CodeQLEngine()
    reason = engine.unavailable_reason()
    assert reason is not None and "\n" not in reason
    assert "github.com/github/codeql-action/releases" in reason
    assert "PATH" in reason and "CODEQL_DIST" in reason
    assert "open-source repositories on GitHub.com and academic research only" in reason
    result = engine.scan([SourceFile("a.py", "x = 1\n")], root=tmp_path)
    assert [(s.path, s.reason) for s in result.skipped] == [("a.py", reason)]
    assert result.notes == (reason,)


def test_codeql_dist_and_explicit_path(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    dist = tmp_path / "codeql-bundle"
    install_fake_codeql(dist, version="2.20.4")
    monkeypatch.setenv("CODEQL_DIST", str(dist))
    assert CodeQLEngine().executable() == str(dist / "codeql")
    assert CodeQLEngine().unavailable_reason() is None
    assert CodeQLEngine().version == "2.20.4"
    assert CodeQLEngine(codeql_path=str(dist / "codeql")).unavailable_reason() is None
    missing = CodeQLEngine(codeql_path=str(tmp_path / "nope" / "codeql")).unavailable_reason()
    assert missing is not None and "is not an executable" in missing


def test_an_old_cli_is_refused(fake_bin):
    install_fake_codeql(fake_bin, version="2.15.5")
    engine = CodeQLEngine()
    reason = engine.unavailable_reason()
    assert reason is not None and "2.15.5" in reason and "older than 2.16.0" in reason
    result = engine.scan([SourceFile("a.py", "x = 1\n")], root=fake_bin)
    assert [(s.path, s.reason) for s in result.skipped] == [("a.py", reason)]
    assert [c["args"][0] for c in fake_codeql_calls(fake_bin)] == ["version"]  # no database built


# -- the real CLI -----------------------------------------------------------------------------------


def _real_codeql() -> str | None:
    dist = os.environ.get("CODEQL_DIST", "")
    return shutil.which("codeql") or (shutil.which(str(Path(dist) / "codeql")) if dist else None)


@pytest.mark.skipif(_real_codeql() is None, reason="the CodeQL CLI is not installed")
def test_the_real_cli_finds_command_injection(tmp_path):
    engine = CodeQLEngine(threads=2)
    if engine.unavailable_reason() is not None:
        pytest.skip(engine.unavailable_reason())
    result = engine.scan(_sources() + [SourceFile("broken.py", BROKEN)], root=tmp_path)
    assert not result.notes, result.notes
    found = {f.rule_id: f for f in result.findings}
    assert "py/command-line-injection" in found, result
    assert 78 in found["py/command-line-injection"].cwes
    assert found["py/command-line-injection"].start_line == 19
    assert "broken.py" in {s.path for s in result.skipped}
    assert_valid_sarif(sarif_log(result, tool_versions={"codeql": engine.version}))
