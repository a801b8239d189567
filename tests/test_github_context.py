"""The runner's side of the contract: inputs, the event file, workflow commands."""
from __future__ import annotations

import re

import json
from pathlib import Path

import pytest

from vulnloop.errors import ConfigError
from vulnloop.findings import Level
from vulnloop.report import workflow_commands as workflow
from vulnloop.github.event import read_event
from vulnloop.github.inputs import DEFAULTS, read_inputs

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS = REPO_ROOT.parent / "shared" / "data" / "github" / "github-events"


def test_inputs_default_like_action_yml_when_the_runner_gives_none() -> None:
    inputs = read_inputs({})
    assert inputs.engines == ("auto",)  # Bandit + Semgrep; CodeQL only on a public repository or when named
    assert inputs.severity is Level.MEDIUM and inputs.fail_on is Level.HIGH
    assert inputs.max_iterations == 3 and inputs.only_changed_lines is True
    assert inputs.github_token == ""  # '${{ github.token }}' only means something to the runner


def test_inputs_are_read_from_input_variables() -> None:
    inputs = read_inputs({
        "INPUT_ENGINES": "bandit", "INPUT_FAIL_ON": "never", "INPUT_ONLY_CHANGED_LINES": "false",
        "INPUT_MAX_FILES": "5", "INPUT_TOKEN_BUDGET": "1000", "INPUT_OPENAI_BASE_URL": " http://x/v1 ",
    })
    assert inputs.engines == ("bandit",) and inputs.fail_on is None
    assert inputs.only_changed_lines is False and inputs.max_files == 5
    assert inputs.config_overrides()["token_budget"] == 1000
    assert inputs.config_overrides()["base_url"] == "http://x/v1"


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("FAIL_ON", "critical", "fail_on"),
        ("MAX_ITERATIONS", "0", "at least 1"),
        ("ENGINES", "bandit,pylint", "unknown engine"),
        ("ONLY_CHANGED_LINES", "maybe", "true or false"),
        ("SEVERITY", "urgent", "severity"),
        ("LLM_DEADLINE", "soon", "input llm_deadline: expected a number of seconds"),
        ("OPENAI_BASE_URL", "localhost:8000", "input openai_base_url 'localhost:8000' is not a usable URL"),
    ],
)
def test_bad_inputs_are_configuration_errors(name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        read_inputs({f"INPUT_{name}": value})


def test_defaults_table_names_every_input() -> None:
    assert set(DEFAULTS) == {
        "github_token", "openai_api_key", "openai_base_url", "model", "engines", "max_iterations",
        "severity", "fail_on", "only_changed_lines", "max_files", "max_suggestions", "token_budget",
        "llm_deadline", "verify_cmd", "sarif_file",
        # read by vulnloop.commands.bench.request_from_inputs on workflow_dispatch
        "bench_repair_model", "bench_iterations", "bench_runs", "bench_tasks", "bench_strategy",
        "bench_shard", "bench_dataset", "bench_out", "bench_concurrency",
    }
    import inspect

    from vulnloop.commands import bench

    read = set(re.findall(r"\"(bench_[a-z_]+)\"", inspect.getsource(bench.request_from_inputs)))
    assert read and read <= set(DEFAULTS)


@pytest.mark.parametrize("name", ["opened", "synchronize", "reopened", "opened.with-organization"])
def test_real_pull_request_payloads_are_read(name: str, tmp_path: Path) -> None:
    path = EVENTS / f"{name}.payload.json"
    if not path.is_file():
        pytest.skip("../shared/data/github is not present")
    raw = json.loads(path.read_text())
    event = read_event({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)})
    assert event.pull_request is not None
    assert event.pull_request.number == raw["pull_request"]["number"]
    assert event.pull_request.head_sha == raw["pull_request"]["head"]["sha"]
    assert event.pull_request.base_sha == raw["pull_request"]["base"]["sha"]
    assert event.repository == raw["repository"]["full_name"]
    assert event.pull_request.from_fork is (
        raw["pull_request"]["head"]["repo"]["full_name"] != raw["pull_request"]["base"]["repo"]["full_name"]
    )


def test_fork_and_push_events(tmp_path: Path) -> None:
    pr = {
        "pull_request": {
            "number": 3, "head": {"sha": "a" * 40, "repo": {"full_name": "fork/x"}},
            "base": {"sha": "b" * 40, "repo": {"full_name": "org/x"}},
        },
        "repository": {"full_name": "org/x"},
    }
    path = tmp_path / "e.json"
    path.write_text(json.dumps(pr))
    event = read_event({"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": str(path)})
    assert event.pull_request is not None and event.pull_request.from_fork
    push = {"before": "0" * 40, "after": "c" * 40, "commits": [{"added": ["a.py"], "modified": ["b.py", "a.py"]}]}
    path.write_text(json.dumps(push))
    event = read_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "org/x"})
    assert event.push is not None and event.push.creates_branch and event.push.paths == ("a.py", "b.py")


def test_event_problems_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="GITHUB_EVENT_NAME"):
        read_event({})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        read_event({"GITHUB_EVENT_NAME": "push", "GITHUB_EVENT_PATH": str(bad)})
    bad.write_text(json.dumps({"pull_request": {"number": 1}}))
    with pytest.raises(ConfigError, match="head or base"):
        read_event({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(bad)})


def test_workflow_commands_cannot_be_forged_by_their_text() -> None:
    line = workflow.annotation(
        "warning", "bad\n::error::forged 100%", file="a,b.py", line=3, end_line=5, title="T: x"
    )
    assert line == "::warning file=a%2Cb.py,line=3,endLine=5,title=T%3A x::bad%0A::error::forged 100%25"
    assert "\n" not in line
    assert workflow.annotation("notice", "m", file="a.py", line=2, end_line=2) == "::notice file=a.py,line=2::m"
    with pytest.raises(ValueError):
        workflow.annotation("fatal", "m")


def test_log_lines_stay_one_line() -> None:
    line = workflow.log_line("evil\n::error file=x::forged\r\n::add-mask::x")
    assert "\n" not in line and "\r" not in line and line.startswith("vulnloop: evil ")


def test_outputs_use_a_delimiter_for_multiline_values() -> None:
    text = workflow.format_outputs({"findings": "3", "notes": "a\nb"})
    lines = text.splitlines()
    assert lines[0] == "findings=3"
    assert lines[1].startswith("notes<<ghadelimiter_") and lines[-1] == lines[1].split("<<")[1]
    assert lines[2:4] == ["a", "b"]
