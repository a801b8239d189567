"""`vulnloop bench generate` end to end: replay and a local OpenAI-compatible server, real Bandit."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_helpers import TASKS, answer_for, write_labels, write_tasks
from fake_openai import FakeOpenAI, answer

from vulnloop.bench.prompts import PAPER_REPAIR_SYSTEM
from vulnloop.bench.records import read_records
from vulnloop.main import main


def _generate(tmp_path: Path, *extra: str, out: str = "out") -> tuple[int, Path]:
    tasks = write_tasks(tmp_path / "tasks.jsonl")
    labels = write_labels(tmp_path / "labels.jsonl")
    target = tmp_path / out
    code = main([
        "bench", "generate", "--model", f"replay:{labels}", "--dataset", str(tasks),
        "--runs", "1", "--iterations", "3", "--engines", "bandit", "--out", str(target),
        "--no-progress", *extra,
    ])
    return code, target


def _without_timings(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if not k.endswith("seconds")}
    return value


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def test_replay_run_compares_our_loop_with_the_papers(tmp_path: Path) -> None:
    code, out = _generate(tmp_path, "--strategy", "paper", "--no-codemods")
    assert code == 0
    results = _results(out)
    ours, paper = results["summary"]["ours"]["pooled"], results["summary"]["paper"]["pooled"]
    for figures in (ours, paper):
        assert figures["tasks"] == 5
        assert figures["generated_parse"] == 4  # CWE-078/t_5 does not parse: never counted secure
        assert figures["flagged_after_generation"] == 3
    # Ours: only the pickle repair is verified; the unparseable answer and the md5 one are refused.
    assert ours["fixed_by_round"] == [0, 1, 1, 1]
    assert ours["accepted_unparseable"] == 0
    assert ours["repair_answers_unparseable"] == 1
    assert ours["fixed_by"] == {"codemod": 0, "llm": 2}  # B301 and B403, one answer
    # The paper's loop takes the unparseable answer as a fix, as the paper did; we say so.
    assert paper["fixed_by_round"] == [0, 2, 2, 2]
    assert paper["fixed_and_parsing_by_round"] == [0, 1, 1, 1]
    assert paper["accepted_unparseable"] == 1
    # A second round has no recorded answer: unanswered calls, never a crash.
    assert ours["repair_unanswered"] >= 2 and paper["repair_unanswered"] == 2
    table = (out / "table.md").read_text(encoding="utf-8")
    assert "65.9%" in table and "85.5%" in table and "paper's loop" in table
    assert (out / "flagged_by_round.png").read_bytes().startswith(b"\x89PNG")
    agreement = results["meta"]["replay_agreement"]
    assert agreement["pieces"] == 3 and agreement["reviewers_vulnerable"] == 1
    assert agreement["ours"] == {"accepted": 1, "accepted_vulnerable": 0}
    assert agreement["paper"] == {"accepted": 2, "accepted_vulnerable": 0}
    # Per task and round: what happened, in records.jsonl.
    records = {(r["strategy"], r["task_id"]): r for r in read_records(out)}
    pickle_task = records[("ours", "CWE-502/t_1")]
    assert pickle_task["rounds"][0]["accepted"] == 1
    assert "json.loads" in pickle_task["final_code"]
    assert records[("ours", "CWE-078/t_5")]["generation"]["parses"] is False


def test_codemods_fix_what_they_can_before_the_model(tmp_path: Path) -> None:
    # The recorded repair of the md5 task still uses md5; the weak-hash codemod fixes it first.
    code, out = _generate(tmp_path, "--tasks", "CWE-327/t_3")
    assert code == 0
    ours = _results(out)["summary"]["ours"]["pooled"]
    assert ours["flagged_after_generation"] == 1
    assert ours["fixed_by_round"] == [0, 1, 1, 1]
    assert ours["fixed_by"] == {"codemod": 1, "llm": 0}
    assert ours["repair_calls"] == 0  # nothing left for the model


def test_an_interrupted_run_resumes_and_shards_merge_into_the_same_results(tmp_path: Path) -> None:
    code, whole = _generate(tmp_path, "--runs", "2", out="whole")
    assert code == 0
    # Interrupt: the last record is cut in half, another never written.
    log = whole / "records.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(lines[:-2]) + lines[-1][: len(lines[-1]) // 2], encoding="utf-8")
    assert len(read_records(whole)) == len(lines) - 2
    code, _ = _generate(tmp_path, "--runs", "2", out="whole")
    assert code == 0
    assert len(read_records(whole)) == 10
    for index in (1, 2):
        code, _ = _generate(tmp_path, "--runs", "2", "--shard", f"{index}/2", out=f"shard{index}")
        assert code == 0
    shard_tasks = [{r["task_id"] for r in read_records(tmp_path / f"shard{i}")} for i in (1, 2)]
    assert not shard_tasks[0] & shard_tasks[1] and len(shard_tasks[0] | shard_tasks[1]) == 5
    assert main(["bench", "merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"),
                 "--out", str(tmp_path / "merged"), "--no-chart"]) == 0
    merged, full = _results(tmp_path / "merged"), _results(whole)
    assert _without_timings(merged["summary"]) == _without_timings(full["summary"])
    assert merged["meta"]["missing_units"] == 0


def test_a_folder_of_another_benchmark_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _generate(tmp_path, "--limit", "1")[0] == 0
    code, _ = _generate(tmp_path, "--limit", "1", "--iterations", "2")
    assert code == 2
    assert "holds results of another benchmark" in capsys.readouterr().err


def test_against_a_local_openai_compatible_server(tmp_path: Path) -> None:
    tasks = write_tasks(tmp_path / "tasks.jsonl")
    with FakeOpenAI(lambda request: answer(answer_for(request.prompt_text))) as server:
        code = main([
            "bench", "generate", "--model", "fake-model", "--base-url", server.base_url,
            "--dataset", str(tasks), "--runs", "1", "--iterations", "2", "--engines", "bandit",
            "--strategy", "paper", "--no-codemods", "--out", str(tmp_path / "out"), "--no-progress",
            "--concurrency", "4",
        ])
        requests = server.chat_requests
    assert code == 0
    summary = _results(tmp_path / "out")["summary"]
    assert summary["ours"]["pooled"]["fixed_by_round"][1] == 1
    assert summary["paper"]["pooled"]["accepted_unparseable"] == 1
    assert summary["ours"]["pooled"]["repair_tokens"] > 0  # the server's usage figures are counted
    generation_prompts = [r for r in requests if "Complete the following Python code" in r.prompt_text]
    assert len(generation_prompts) == len(TASKS)  # one generation per task, shared by both strategies
    paper_prompts = [r for r in requests if r.messages[0]["content"] == PAPER_REPAIR_SYSTEM]
    assert paper_prompts
    # The paper's prompt: a CWE line per finding, then the whole file; no line numbers, no messages.
    first = paper_prompts[0].messages[1]["content"]
    assert first.startswith("CWE-") and "line" not in first.split("\n\n", 1)[0]
