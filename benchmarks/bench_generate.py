"""`vulnloop bench generate` at concurrency 8 versus 1: all 121 SecurityEval tasks, 5 rounds, one
run, through the real openai client against a local OpenAI-compatible server that answers every
call after 300 ms with the recorded GPT-3.5 outputs (generations, then first-round repairs).

Target (issue: the SecurityEval benchmark): at least 6x faster at concurrency 8. Needs
../shared/data (the tasks and the labelled pieces).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src"), str(ROOT / "benchmarks")]

from common import read_jsonl, require_shared_data  # noqa: E402
from fake_openai import FakeOpenAI, RecordedRequest, answer  # noqa: E402

from vulnloop.main import main as vulnloop  # noqa: E402

DELAY = 0.3
GENERATOR = FIXER = "gpt-3.5"


def _normal(code: str) -> str:
    return re.sub(r"\s+", " ", code).strip()


class Recorded:
    """Answers a prompt with the recorded output it belongs to, found from the prompt's text."""

    def __init__(self, data: Path) -> None:
        tasks = list(read_jsonl(data / "securityeval" / "tasks.jsonl"))
        pieces = list(read_jsonl(data / "llmsecurecode" / "labeled_code.jsonl"))
        generations = {p["task_id"]: str(p["code"]) for p in pieces if p["stage"] == "rq1" and p["generator"] == GENERATOR}
        repairs = {
            p["task_id"]: str(p["code"]) for p in pieces
            if p["stage"] == "rq3" and p["generator"] == GENERATOR and p["fixer"] == FIXER
        }
        self.by_prompt = {_normal(str(t["prompt"])): generations.get(str(t["task_id"]), "") for t in tasks}
        self.by_code = {_normal(generations[task]): code for task, code in repairs.items() if task in generations}

    def __call__(self, request: RecordedRequest) -> object:
        text = request.messages[-1]["content"] if request.messages else ""
        if "Complete the following Python code" in text:
            shown = _normal(text.rsplit("```python", 1)[-1].rsplit("```", 1)[0])
            code = self.by_prompt.get(shown, "")
        else:
            shown = _normal(text.split("Code to repair:", 1)[-1].split("```python", 1)[-1].split("```", 1)[0])
            code = self.by_code.get(shown, "")
        reply = f"```python\n{code}\n```" if code else "I have no recorded answer for this."
        return answer(reply, delay=DELAY)


def run(concurrency: int, base_url: str, data: Path, out: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the table: read from results.json instead
        code = vulnloop([
            "bench", "generate", "--model", "gpt-3.5-recorded", "--base-url", base_url,
            "--dataset", str(data / "securityeval" / "tasks.jsonl"), "--runs", "1", "--iterations", "5",
            "--engines", "bandit", "--concurrency", str(concurrency), "--out", str(out),
            "--no-chart", "--no-progress",
        ])
    elapsed = time.perf_counter() - started
    assert code == 0, code
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return elapsed, results["summary"]["ours"]["pooled"]


def main() -> int:
    data = require_shared_data()
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(Recorded(data)) as server:
        os.environ["OPENAI_API_KEY"] = "sk-bench-0123456789"
        serial, one = run(1, server.base_url, data, Path(tmp) / "c1")
        parallel, eight = run(8, server.base_url, data, Path(tmp) / "c8")
        calls = len(server.chat_requests) // 2
    assert one["fixed_by_round"] == eight["fixed_by_round"], (one["fixed_by_round"], eight["fixed_by_round"])
    print(f"121 tasks, 5 rounds, LLM answers after {DELAY * 1000:.0f} ms; {calls} LLM calls per run")
    print(f"flagged after generation: {one['flagged_after_generation']}, "
          f"fixed by round: {one['fixed_by_round'][1:]}")
    print(f"concurrency 1: {serial:6.1f} s")
    print(f"concurrency 8: {parallel:6.1f} s")
    print(f"speed-up: {serial / parallel:4.1f}x  (target >= 6x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
