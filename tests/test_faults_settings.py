"""Faults and bad settings through the real front doors: a dead or hanging LLM endpoint, unusable
settings, unwritable runner files. Each ends in one clear line (exit 2) or a warning, never a
traceback, and a dead LLM costs a few calls, not five per finding per round."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from action_helpers import action_env, fake_github_for, make_pr_repo, pr_event, run_in_process
from fake_openai import FakeOpenAI, hang, server_error

from tests.conftest import run_cli
from tests.samples import SHELL, YAML

KEY = {"OPENAI_API_KEY": "sk-test-0123456789abcdef"}
LLM_OFF = "LLM off for the rest of the run"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _six_llm_findings(root: Path) -> None:
    root.mkdir(exist_ok=True)
    for n in range(6):  # shell=True with a built string: no codemod, so each goes to the LLM
        (root / f"tool_{n}.py").write_text(SHELL)


def _env(tmp_path: Path) -> dict[str, str]:
    return {**KEY, "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_a_failing_endpoint_costs_three_calls_then_the_llm_is_off_said_once(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    _six_llm_findings(root)
    with FakeOpenAI(lambda request: server_error(503)) as llm:
        done = run_cli(
            "fix", "--engines", "bandit", "--base-url", llm.base_url, "--concurrency", "1", cwd=root, env=_env(tmp_path)
        )
        requests = len(llm.chat_requests)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    # 3 calls, each with the openai client's own 2 retries; then nothing for the 6 files x 3 rounds.
    assert requests == 9
    assert done.stderr.count(LLM_OFF) == 1
    assert f"vulnloop: {LLM_OFF}: 3 calls in a row failed, the last: HTTP 503" in done.stderr
    assert "12 findings: 0 fixed, 12 unfixed" in done.stdout and "LLM: 3 calls" in done.stdout


def test_a_hanging_endpoint_stops_at_the_llm_deadline(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    _six_llm_findings(root)
    with FakeOpenAI(lambda request: hang(), hang_limit=20) as llm:
        started = time.monotonic()
        done = run_cli(
            "fix", "--engines", "bandit", "--base-url", llm.base_url, "--concurrency", "1",
            "--timeout", "60", "--llm-deadline", "2", cwd=root, env=_env(tmp_path),
        )
        elapsed = time.monotonic() - started
        requests = len(llm.chat_requests)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert requests == 1 and elapsed < 15  # one call cut short by the deadline, never sent again
    assert done.stderr.count(LLM_OFF) == 1
    assert "the LLM deadline of 2s (llm-deadline) has passed" in done.stderr


@pytest.mark.parametrize(
    "args, pyproject, message",
    [
        (("--base-url", "localhost:8000/v1"), "", "base_url 'localhost:8000/v1' is not a usable URL (it must start with http:// or https://)"),
        ((), '[tool.vulnloop]\nbase-url = "http://:8000"\n', "base-url 'http://:8000' is not a usable URL (it names no host)"),
        (("--verify-cmd", "pytest -k 'unterminated"), "", "verify_cmd: cannot split \"pytest -k 'unterminated\" into words (No closing quotation); check its quotes"),
        ((), '[tool.vulnloop]\nverify-cmd = "pytest \\"tests"\n', "cannot split"),
        (("--llm-deadline", "soon"), "", "llm_deadline: expected a number of seconds, got 'soon'"),
        (("--timeout", "0"), "", "llm_timeout: must be at least 1 seconds"),
        ((), '[tool.bandit]\ntests = ["B602", "B999"]\n', "[tool.bandit]: unknown Bandit test id 'B999' in tests/skips"),
        ((), '[tool.bandit]\nskips = ["assert_used"]\n', "unknown Bandit test id 'assert_used'"),
    ],
)
def test_unusable_settings_are_one_line_errors_exit_2(tmp_path: Path, args: tuple[str, ...], pyproject: str, message: str) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "conf.py").write_text(YAML)
    if pyproject:
        (root / "pyproject.toml").write_text(pyproject)
    done = run_cli("fix", "--engines", "bandit", *args, cwd=root, env=_env(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr
    assert (root / "conf.py").read_text() == YAML


def test_unknown_bandit_ids_stop_the_scan_and_the_hook_too(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.bandit]\ntests = ["B9999"]\n')
    (tmp_path / "conf.py").write_text(YAML)
    for args in (("scan",), ("hook", "conf.py")):
        done = run_cli(*args, cwd=tmp_path)
        assert done.returncode == 2 and "unknown Bandit test id 'B9999'" in done.stderr, args
        assert "0 findings" not in done.stdout


def _llm_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    base = "import subprocess\n\n\ndef run(cmd):\n    return cmd\n"
    head = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    return make_pr_repo(tmp_path, {"tools.py": base}, {"tools.py": head})


def test_the_action_says_once_up_front_that_the_llm_went_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _llm_repo(tmp_path)
    with FakeOpenAI(lambda request: server_error(500)) as llm, fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, inputs={
            "openai_api_key": "sk-test-0123456789abcdef", "openai_base_url": llm.base_url, "model": "test-model",
        })
        run = run_in_process(env, monkeypatch)
        [review] = fake.submitted_reviews
    assert run.summary.count(LLM_OFF) == 1
    headline = run.summary.split("| Findings |")[0]  # before the table: up front
    assert f"**{LLM_OFF}: 3 calls in a row failed, the last: HTTP 500" in headline
    body = review["body"]
    assert body.count(LLM_OFF) == 1 and body.index(LLM_OFF) < body.index("**0 fixed**")
    assert run.stdout.count(f"{LLM_OFF}:") == 2  # the log line when it happened, and the warning annotation


def test_unwritable_runner_files_and_a_bad_pacing_value_are_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _llm_repo(tmp_path)
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        env["GITHUB_OUTPUT"] = str(tmp_path)  # a folder: cannot be appended to
        env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "missing" / "summary.md")
        env["VULNLOOP_GITHUB_PACING"] = "fast"
        run = run_in_process(env, monkeypatch)
        posted = len(fake.submitted_reviews)
    assert run.code == 1  # the verdict stands: an unfixed high finding
    assert "Traceback" not in run.stderr
    warnings = [line for line in run.stdout.splitlines() if line.startswith("::warning")]
    assert any(f"cannot write GITHUB_OUTPUT ({tmp_path})" in line for line in warnings)
    assert any("cannot write GITHUB_STEP_SUMMARY" in line and "No such file or directory" in line for line in warnings)
    assert "VULNLOOP_GITHUB_PACING='fast': expected seconds between GitHub requests" in run.stdout
    assert posted == 1


def test_a_bad_base_url_input_is_a_configuration_error_in_the_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _llm_repo(tmp_path)
    env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url="http://127.0.0.1:9", inputs={
        "openai_api_key": "sk-test-0123456789abcdef", "openai_base_url": "api.example.com/v1",
    })
    run = run_in_process(env, monkeypatch)
    assert run.code == 2
    assert "::error title=vulnloop configuration::input openai_base_url 'api.example.com/v1' is not a usable URL" in run.stdout
    assert "Configuration error" in run.summary
    assert json.dumps(run.outputs) == "{}"
