"""Repair-loop overhead: 40 flagged files repaired through the real openai client against a local
OpenAI-compatible server that answers after 300 ms, at concurrency 8 versus 1, with Bandit re-scans.

Targets (issue: repair loop): at least 6x faster at concurrency 8, and the loop's own time per file
per round (everything but waiting for the LLM) under 50 ms.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

from fake_openai import FakeOpenAI, answer  # noqa: E402

from vulnloop.engines.bandit import BanditEngine  # noqa: E402
from vulnloop.llm.client import OpenAIChatModel  # noqa: E402
from vulnloop.repair.llm import LlmRepairer  # noqa: E402
from vulnloop.repair.loop import LoopOptions, RepairLoop  # noqa: E402
from vulnloop.sources import SourceFile  # noqa: E402

FILES = 40
DELAY = 0.3

TEMPLATE = '''\
import subprocess


def run_job_{i}(job_name):
    """Start the nightly job {i}."""
    command = "run-job --name " + job_name
    subprocess.call(command, shell=True)
    return True
'''

FIX = '''```python
def run_job_{i}(job_name):
    """Start the nightly job {i}."""
    command = ["run-job", "--name", job_name]
    subprocess.call(command)
    return True
```'''


def respond(request) -> object:
    match = re.search(r"def run_job_(\d+)", request.prompt_text)
    return answer(FIX.format(i=match.group(1) if match else 0), delay=DELAY)


def run(concurrency: int, base_url: str, cache: Path) -> tuple[float, int, int]:
    model = OpenAIChatModel(model="bench", base_url=base_url, api_key="sk-bench-0123456789", cache=None)
    loop = RepairLoop(engines=[BanditEngine()], root=cache, llm=LlmRepairer(model),
                      options=LoopOptions(max_iterations=3, concurrency=concurrency, use_codemods=False))
    sources = [SourceFile(f"jobs/job_{i}.py", TEMPLATE.format(i=i)) for i in range(FILES)]
    start = time.perf_counter()
    scan = loop.scan(sources)
    report = loop.repair(sources, scan, [f for f in scan.findings if f.rule_id == "B602"])
    elapsed = time.perf_counter() - start
    return elapsed, len(report.fixed()), report.usage.calls


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI(respond) as server:
        serial, fixed_1, calls_1 = run(1, server.base_url, Path(tmp))
        parallel, fixed_8, calls_8 = run(8, server.base_url, Path(tmp))
    assert fixed_1 == fixed_8 == FILES, (fixed_1, fixed_8)
    own = (serial - calls_1 * DELAY) / FILES  # one round each: every first answer is accepted
    print(f"files: {FILES}, LLM answers after {DELAY * 1000:.0f} ms, all {fixed_8} repairs verified by Bandit")
    print(f"concurrency 1: {serial:6.2f} s")
    print(f"concurrency 8: {parallel:6.2f} s")
    print(f"speed-up: {serial / parallel:4.1f}x  (target >= 6x)")
    print(f"loop's own time per file per round: {own * 1000:5.1f} ms  (target < 50 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
