"""A whole `vulnloop action` run on a pull request, against the local GitHub and OpenAI servers.

The pull request changes 30 Python files and adds 40 findings (Bandit): most are repaired by
codemods, five need the LLM (a local OpenAI-compatible server that answers at once, so the time
holds no LLM waiting). The run is the action's own entry (`run_action`) from reading the event to
the exit code: listing files, scanning, repairing, re-scanning, posting the review, annotations,
summary and SARIF. Targets: under 3 s, time growing with the changed lines (15 / 30 / 60 files),
not with the repository (the same pull request in a 10x larger unchanged repository: within 1.2x).

    python benchmarks/bench_action.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from action_helpers import OWNER, NAME, NUMBER, PrRepo, action_env, pr_event  # noqa: E402
from fake_github import FakeGitHub  # noqa: E402
from fake_openai import FakeOpenAI, answer  # noqa: E402

BENIGN = "".join(
    f"def helper_{i}(values):\n    total = 0\n    for value in values:\n        total += value * {i}\n    return total\n\n\n"
    for i in range(8)
)
# Bodies the pull request adds; each holds the findings named.
ONE_FINDING = (
    "def load_{n}(text):\n    data = yaml.load(text)\n    return data\n\n\n",  # B506: codemod
    "def digest_{n}(blob):\n    return hashlib.md5(blob).hexdigest()\n\n\n",  # B324: codemod
)
LLM_FINDING = "def parse(text):\n    return eval(text)\n"  # B307: no codemod, the LLM
LLM_ANSWER = "```python\nimport ast\n\n\ndef parse(text):\n    return ast.literal_eval(text)\n```"
HEADER = "import ast\nimport hashlib\n\nimport yaml\n\n\n"


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout.strip()


def changed_files(count: int) -> dict[str, str]:
    """``count`` files; with 30: 15 with one finding, 10 with two, 5 needing the LLM (40 findings)."""
    files: dict[str, str] = {}
    for n in range(count):
        kind = n % 6
        if kind == 5:
            files[f"app/llm_{n}.py"] = "import ast\n\n\n" + LLM_FINDING
        elif kind in (3, 4):
            files[f"app/mod_{n}.py"] = HEADER + BENIGN + ONE_FINDING[0].format(n=n) + ONE_FINDING[1].format(n=n)
        else:
            files[f"app/mod_{n}.py"] = HEADER + BENIGN + ONE_FINDING[kind % 2].format(n=n)
    return files


def make_repo(folder: Path, *, changed: int, unchanged: int) -> PrRepo:
    folder.mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    for i in range(unchanged):
        target = folder / "lib" / f"part_{i // 100}" / f"unchanged_{i}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(BENIGN, encoding="utf-8")
    head_files = changed_files(changed)
    for path in head_files:  # the files exist on main with their benign part
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(HEADER + BENIGN if "mod_" in path else "import ast\n", encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "base")
    base = git(folder, "rev-parse", "HEAD")
    git(folder, "checkout", "-q", "-b", "feature")
    for path, text in head_files.items():
        (folder / path).write_text(text, encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "head")
    return PrRepo(folder, base, git(folder, "rev-parse", "HEAD"))


def one_run(repo: PrRepo, work: Path) -> tuple[float, dict[str, Any]]:
    from vulnloop.github.client import Pacing
    from vulnloop.github.run import run_action

    work.mkdir(parents=True)
    with FakeOpenAI(lambda request: answer(LLM_ANSWER)) as llm, FakeGitHub(
        repo.path, base=repo.base, head=repo.head, owner=OWNER, name=NAME, number=NUMBER, validate=False
    ) as github:
        env = action_env(work, repo, pr_event(work, repo), api_url=github.base_url, inputs={
            "openai_api_key": "sk-bench-0123456789abcdef", "openai_base_url": llm.base_url, "model": "bench",
        })
        env["XDG_CACHE_HOME"] = str(work / "cache")  # no cached answers: every LLM call is made
        saved = dict(os.environ)
        os.environ.update(env)
        lines: list[str] = []
        try:
            started = time.perf_counter()
            code = run_action(env, emit=lines.append, pacing=Pacing.none())
            seconds = time.perf_counter() - started
        finally:
            os.environ.clear()
            os.environ.update(saved)
        loop_seconds = re.search(r" · ([\d.]+) s\n", github.submitted_reviews[0]["body"]) if github.submitted_reviews else None
        facts = {
            "loop": float(loop_seconds.group(1)) if loop_seconds else float("nan"),
            "exit": code,
            "comments": len(github.comments),
            "reviews": len(github.submitted_reviews),
            "llm_calls": len(llm.chat_requests),
            "outputs": dict(l.split("=", 1) for l in (work / "output.txt").read_text().splitlines() if "=" in l),
        }
    return seconds, facts


def measure(label: str, repo: PrRepo, scratch: Path, repeat: int) -> float:
    times = []
    outside = []
    facts: dict[str, Any] = {}
    for i in range(repeat):
        seconds, facts = one_run(repo, scratch / f"{label}-{i}")
        times.append(seconds)
        outside.append(seconds - facts["loop"])
    median = statistics.median(times)
    out = facts["outputs"]
    print(f"{label:<34} {median:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})  findings {out.get('findings')}, "
          f"fixed {out.get('fixed')}, {facts['comments']} comments in {facts['reviews']} review(s), "
          f"{facts['llm_calls']} LLM calls; outside the repair rounds (listing, first scan, review, reports): "
          f"{statistics.median(outside):.2f} s", flush=True)
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--unchanged", type=int, default=300, help="unchanged files in the small repository")
    args = parser.parse_args(argv)
    import vulnloop.github.run  # noqa: F401 - import cost is not the run's

    with tempfile.TemporaryDirectory(prefix="vulnloop-bench-action-") as tmp:
        scratch = Path(tmp)
        # Warm-up: Bandit's plugin discovery and PyGithub's first import happen once per process.
        one_run(make_repo(scratch / "warm", changed=2, unchanged=0), scratch / "warm-run")
        print(f"{'pull request':<34} {'median':>8}")
        results = {}
        for changed in (15, 30, 60):
            repo = make_repo(scratch / f"r{changed}", changed=changed, unchanged=args.unchanged)
            results[changed] = measure(f"{changed} files, {args.unchanged} unchanged", repo, scratch, args.repeat)
        big = make_repo(scratch / "big", changed=30, unchanged=args.unchanged * 10)
        results["big"] = measure(f"30 files, {args.unchanged * 10} unchanged", big, scratch, args.repeat)
    base = results[30]
    print()
    print(f"30 changed files (40 findings): {base:.2f} s (target under 3 s): {'OK' if base < 3 else 'MISSED'}")
    print(f"per changed file: 15 -> {results[15] / 15 * 1000:.0f} ms, 30 -> {base / 30 * 1000:.0f} ms, "
          f"60 -> {results[60] / 60 * 1000:.0f} ms (linear when these stay close)")
    ratio = results["big"] / base
    print(f"10x larger unchanged repository: {ratio:.2f}x (target within 1.2x): {'OK' if ratio <= 1.2 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
