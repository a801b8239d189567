"""`vulnloop action`: the GitHub Action's entry point (the container runs `python -m vulnloop action`)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Mapping


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "action",
        help="run as the GitHub Action (reads INPUT_* and GITHUB_* variables)",
        description=(
            "Run inside a GitHub Actions job: on pull_request and pull_request_target, review the "
            "pull request's changed Python lines with one review of committable, re-scanned "
            "suggestions; on push, scan the pushed changes; on workflow_dispatch, run the benchmark. "
            "Always writes annotations, a job summary, outputs and SARIF. Exit 1 when unfixed "
            "findings at or above fail_on remain, 2 on configuration errors."
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vulnloop.github.run import run_action

    def emit(line: str) -> None:
        print(line, flush=True)

    try:
        if os.environ.get("GITHUB_EVENT_NAME", "").strip() == "workflow_dispatch":
            return _benchmark(os.environ)
        return run_action(os.environ, emit=emit)
    finally:
        sys.stdout.flush()


def _benchmark(environ: Mapping[str, str]) -> int:
    """workflow_dispatch: the SecurityEval or CWEval benchmark, configured by the Action's inputs."""
    from vulnloop.commands.bench import run_from_action

    workspace = Path(environ.get("GITHUB_WORKSPACE") or ".").resolve()
    inputs = {k[len("INPUT_"):].lower(): v for k, v in environ.items() if k.startswith("INPUT_")}
    return int(run_from_action(inputs, workspace))
