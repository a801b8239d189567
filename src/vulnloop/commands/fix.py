"""`vulnloop fix`: repair findings, keep only repairs a re-scan verifies, show or apply them."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

from vulnloop.commands.options import (
    absolute_paths,
    add_scan_options,
    config_from_args,
    emit,
    emit_sarif,
    note,
)
from vulnloop.pipeline import build_loop, select_targets
from vulnloop.repair.ledger import LoopReport
from vulnloop.report.console import format_ledger
from vulnloop.report.json_report import loop_json
from vulnloop.sources import collect_sources


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="repair findings and show (or --write) the verified repairs",
        description=(
            "Scan, then repair each finding with a deterministic codemod or, when configured, an LLM "
            "(any OpenAI-compatible endpoint; key from OPENAI_API_KEY). A repair is kept only when it "
            "compiles, the re-scan no longer reports the finding, nothing new appears, no suppression "
            "comment is added and the code keeps its functions. Rejected repairs go back to the LLM "
            "with the reason, up to --max-iterations rounds. By default shows the diffs and the ledger; "
            "--write applies them. Exit 0 when nothing remains, 1 when findings remain or files changed."
        ),
    )
    add_scan_options(parser, formats=("text", "json", "sarif"))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="apply verified repairs to the files in place")
    mode.add_argument("--diff", action="store_true", help="show the diffs and the ledger (the default)")
    parser.add_argument("--max-iterations", type=int, metavar="N", help="repair rounds per finding (default: 3)")
    parser.add_argument("--no-llm", action="store_true", help="codemods only, never call an LLM")
    parser.add_argument("--model", metavar="M", help="LLM model name (default: gpt-4o-mini)")
    parser.add_argument("--base-url", metavar="URL", help="OpenAI-compatible endpoint (default: OpenAI's)")
    parser.add_argument(
        "--api-key-env", metavar="VAR", help="environment variable holding the API key (default: OPENAI_API_KEY)"
    )
    parser.add_argument("--token-budget", type=int, metavar="N", help="stop calling the LLM after N tokens (0: no limit)")
    parser.add_argument("--concurrency", type=int, metavar="N", help="files repaired at once (default: 4)")
    parser.add_argument(
        "--timeout", metavar="SECONDS",
        help="wait at most this long for one LLM answer; a call that times out is not sent again "
        "(default: 60; raise it for a local model on a CPU)",
    )
    parser.add_argument(
        "--llm-deadline", metavar="SECONDS",
        help="stop all LLM work after this long, for the rest of the run (default: 1800; 0: no limit). "
        "After 3 failed calls in a row the LLM is also off for the rest of the run",
    )
    parser.add_argument(
        "--verify-cmd", metavar="CMD",
        help="also require CMD (e.g. 'pytest -q tests/test_x.py') to pass on a temporary copy of the tree "
        "holding the repaired file; it runs your code, so name only commands you trust",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config, root = config_from_args(
        args,
        max_iterations=args.max_iterations,
        llm=False if args.no_llm else None,
        model=args.model,
        base_url=args.base_url,
        api_key_env=args.api_key_env,
        token_budget=args.token_budget,
        concurrency=args.concurrency,
        llm_timeout=args.timeout,
        llm_deadline=args.llm_deadline,
        verify_cmd=args.verify_cmd,
    )
    loop = build_loop(config, root, progress=note)
    for line in loop.notes:
        note(line)
    sources = collect_sources(absolute_paths(args.paths), root=root, excludes=config.exclude)
    scan = loop.scan(sources)
    targets = select_targets(scan, config)
    report = loop.repair(sources, scan, targets)
    if args.write:
        write_repairs(report, root)
    if args.format == "sarif":
        emit_sarif(report.scan, loop.engines, args.output, entries=report.entries)
    else:
        emit(render(report, args.format, diffs=not args.write), args.output)
    changed = any(outcome.changed for outcome in report.files)
    return 1 if report.unfixed() or changed else 0


def render(report: LoopReport, fmt: str, *, diffs: bool) -> str:
    return loop_json(report) if fmt == "json" else format_ledger(report, diffs=diffs)


def write_repairs(
    report: LoopReport, root: Path, *, echo: Callable[[str], None] = note
) -> list[str]:
    """Write each changed file, saying `Fixing <file>` for each, or why it was not written (the
    others are still written); returns the paths written."""
    from vulnloop.write_back import WriteError, write_repaired

    written: list[str] = []
    for outcome in report.files:
        if not outcome.changed:
            continue
        path = Path(outcome.path)
        try:
            write_repaired(path if path.is_absolute() else root / path, outcome.original, outcome.final, shown=outcome.path)
        except WriteError as exc:
            echo(str(exc))
            continue
        echo(f"Fixing {outcome.path}")
        written.append(outcome.path)
    return written
