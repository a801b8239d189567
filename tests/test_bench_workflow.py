"""The benchmark workflow (actionlint) and the Action's workflow_dispatch entry point."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from bench_helpers import write_labels, write_tasks

from vulnloop.commands.bench import request_from_inputs, run_from_action
from vulnloop.errors import ConfigError

from tests.actionlint_helpers import actionlint

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "benchmark.yml"


def test_the_benchmark_workflow_passes_actionlint_which_does_catch_mistakes() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    clean, broken = actionlint(text, text.replace("needs.plan.outputs.shards", "needs.plann.outputs.shards"))
    assert clean == []
    assert broken and any("plann" in problem for problem in broken)


def test_the_workflow_shards_then_merges_and_publishes() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    inputs = triggers["workflow_dispatch"]["inputs"]
    assert {"model", "iterations", "runs", "tasks", "shards", "strategy", "verify_with_tests"} <= set(inputs)
    assert len(inputs) <= 10  # GitHub refuses a workflow_dispatch with more inputs
    jobs = workflow["jobs"]
    assert "matrix" in jobs["shard"]["strategy"] and jobs["merge"]["needs"] == "shard"
    merge_script = "\n".join(step.get("run", "") for step in jobs["merge"]["steps"])
    assert "vulnloop bench merge" in merge_script and "GITHUB_STEP_SUMMARY" in merge_script
    shard_steps = jobs["shard"]["steps"]
    run_step = next(step for step in shard_steps if "vulnloop bench cweval" in step.get("run", ""))
    assert run_step["env"]["VERIFY_WITH_TESTS"] == "${{ inputs.verify_with_tests }}"
    assert 'if [ "$VERIFY_WITH_TESTS" = true ]; then args+=(--verify-with-tests); fi' in run_step["run"]
    # Inputs reach the shell through the environment, never pasted into the script.
    for job in jobs.values():
        for step in job["steps"]:
            assert "${{ inputs." not in step.get("run", "")


def test_workflow_dispatch_runs_the_benchmark_and_writes_the_job_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = write_tasks(tmp_path / "tasks.jsonl")
    labels = write_labels(tmp_path / "labels.jsonl")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    inputs = {"model": f"replay:{labels}", "bench_dataset": "tasks.jsonl", "bench_tasks": "all",
              "bench_iterations": "2", "bench_out": "bench", "bench_strategy": "paper"}
    assert run_from_action(inputs, tmp_path) == 0
    results = json.loads((tmp_path / "bench" / "results.json").read_text(encoding="utf-8"))
    assert set(results["summary"]) == {"ours", "paper"}
    assert results["meta"]["dataset"] == str(tasks)  # a relative input is read from the workspace
    assert "| Flagged after generation |" in summary.read_text(encoding="utf-8")
    assert (tmp_path / "bench" / "flagged_by_round.png").stat().st_size > 1000  # matplotlib is a test dependency


def test_a_missing_matplotlib_costs_the_chart_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tasks(tmp_path / "tasks.jsonl")
    labels = write_labels(tmp_path / "labels.jsonl")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    inputs = {"model": f"replay:{labels}", "bench_dataset": "tasks.jsonl", "bench_tasks": "all",
              "bench_iterations": "1", "bench_out": "bench", "bench_strategy": "ours"}
    assert run_from_action(inputs, tmp_path) == 0
    written = summary.read_text(encoding="utf-8")
    assert "| Flagged after generation |" in written and "no chart: the chart needs matplotlib" in written
    assert written.index("| Flagged after generation |") < written.index("no chart")  # the table first
    assert set(json.loads((tmp_path / "bench" / "results.json").read_text(encoding="utf-8"))["summary"]) == {"ours"}
    assert not (tmp_path / "bench" / "flagged_by_round.png").exists()
    assert "no chart: the chart needs matplotlib" in capsys.readouterr().out


def test_a_chart_that_fails_to_draw_is_a_note_after_the_results_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vulnloop.bench import report

    def broken(*args: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "flagged_chart", broken)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_tasks(tmp_path / "tasks.jsonl")
    labels = write_labels(tmp_path / "labels.jsonl")
    inputs = {"model": f"replay:{labels}", "bench_dataset": "tasks.jsonl", "bench_tasks": "all",
              "bench_iterations": "1", "bench_out": "bench", "bench_strategy": "ours"}
    assert run_from_action(inputs, tmp_path) == 0
    assert (tmp_path / "bench" / "results.json").is_file()
    written = summary.read_text(encoding="utf-8")
    assert "| Flagged after generation |" in written
    assert "no chart: drawing it failed (OSError: [Errno 28] No space left on device)" in written


def test_bad_action_inputs_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bench_iterations"):
        request_from_inputs({"bench_iterations": "many"}, tmp_path)
    with pytest.raises(ConfigError, match="bench_strategy"):
        request_from_inputs({"bench_strategy": "best"}, tmp_path)
    request = request_from_inputs({"openai_api_key": "sk-test-123456789"}, tmp_path)
    assert request.tasks == "codeql-covered" and request.model.api_key == "sk-test-123456789"
