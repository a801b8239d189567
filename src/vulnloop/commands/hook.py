"""`vulnloop hook`: the pre-commit entry. Blocks commits with findings; with --fix, applies
verified repairs (pre-commit's fixer convention: print `Fixing <file>`, exit 1 when a file changed)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vulnloop.commands.options import LEVELS

# Only what the parser needs is imported here: `run` starts the codemod worker before importing
# the rest, so the worker's own imports overlap with them.
if TYPE_CHECKING:
    from vulnloop.config import Config
    from vulnloop.findings import ScanResult
    from vulnloop.repair.ledger import LoopReport
    from vulnloop.repair.loop import RepairLoop
    from vulnloop.repair.worker import CodemodWorker
    from vulnloop.sources import SourceFile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "hook",
        help="pre-commit hook: block commits with findings (--fix: apply verified repairs)",
        description=(
            "Scan the files a git hook passes. Prints each finding and, where a codemod has a verified "
            "repair, the diff that fixes it; exits 1 when findings at or above --severity remain or a "
            "file could not be checked. With --fix, writes verified repairs, prints 'Fixing <file>' and "
            "exits 1 when it changed a file. Offline unless [tool.vulnloop] hook-llm = true or "
            "VULNLOOP_HOOK_LLM=1 (the LLM key from OPENAI_API_KEY). With two or more cores a second "
            "process prepares the codemods' edits while this one scans; VULNLOOP_HOOK_WORKER=0 turns it off."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="FILE", help="files to check (pre-commit passes them)")
    parser.add_argument("--fix", action="store_true", help="apply verified repairs in place")
    parser.add_argument(
        "--staged", action="store_true",
        help="check the staged (index) version of each file rather than the working tree (plain git hooks)",
    )
    parser.add_argument("--engines", metavar="LIST", help="engines to run (default: bandit)")
    parser.add_argument("--severity", choices=LEVELS, help="block on findings at or above this severity (default: low)")
    parser.add_argument("--confidence", choices=LEVELS, help="block on findings at or above this confidence (default: low)")
    parser.add_argument("--exclude", action="append", metavar="GLOB", help="skip paths matching GLOB")
    parser.add_argument("--root", metavar="DIR", help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def _staged_sources(paths: list[str], root: Path, excludes: tuple[str, ...]) -> list[SourceFile]:
    from vulnloop.errors import ConfigError
    from vulnloop.sources import SourceFile, decode_source, is_excluded

    sources: list[SourceFile] = []
    for path in paths:
        rel = Path(os.path.relpath(Path(path).resolve(), root)).as_posix()
        if is_excluded(rel, excludes):
            continue
        done = subprocess.run(["git", "show", f":{rel}"], cwd=root, capture_output=True, check=False)
        if done.returncode != 0:
            raise ConfigError(f"{rel}: not in the git index: {done.stderr.decode(errors='replace').strip()}")
        text, reason = decode_source(done.stdout)
        sources.append(SourceFile(rel, text, reason))
    return sources


def _start_worker() -> CodemodWorker | None:
    # VULNLOOP_HOOK_WORKER=0 turns the worker off (e.g. to compare, or should a platform misbehave);
    # =spawn or =fork chooses how it starts (default: fork on Linux, spawn elsewhere).
    choice = os.environ.get("VULNLOOP_HOOK_WORKER", "").strip().lower()
    if choice in {"0", "false", "no"}:
        return None
    from vulnloop.repair.worker import CodemodWorker, worker_useful

    if not worker_useful():
        return None
    return CodemodWorker(choice if choice in {"spawn", "fork"} else None)


def _scan(loop: RepairLoop, sources: list[SourceFile], worker: CodemodWorker | None, config: Config) -> ScanResult:
    """The scan; with a worker and per-file engines only, file by file, handing each file's
    findings to the worker at once so it prepares their codemod edits while the rest is scanned."""
    from vulnloop.findings import merge_results
    from vulnloop.pipeline import select_targets

    if worker is None or any(engine.batch_only for engine in loop.engines):
        return loop.scan(sources)
    results = []
    for source in sources:
        result = loop.scan([source])
        if source.text is not None:
            worker.prepare(source.text, select_targets(result, config))
        results.append(result)
    return merge_results(results)


def run(args: argparse.Namespace) -> int:
    if not args.paths:
        return 0
    # Started first: the worker imports the codemods on the other core while this process
    # imports the rest, reads the configuration and scans.
    worker = _start_worker()
    try:
        from vulnloop.commands.options import absolute_paths, config_from_args
        from vulnloop.pipeline import build_loop, select_targets
        from vulnloop.sources import collect_sources

        hook_llm = os.environ.get("VULNLOOP_HOOK_LLM", "").strip().lower() in {"1", "true", "yes"}
        config, root = config_from_args(args)
        if config.engines == ("auto",) and not args.engines:
            config = config.with_overrides({"engines": "bandit"})  # fast enough for every commit
        config = config.with_overrides({"llm": config.llm and (config.hook_llm or hook_llm)})
        if args.staged:
            sources = _staged_sources(args.paths, root, config.exclude)
        else:
            sources = collect_sources(absolute_paths(args.paths), root=root, excludes=config.exclude)
        loop = build_loop(
            config, root, codemods=worker.codemods_for if worker else None,
            announce=lambda message: print(f"vulnloop: {message}", flush=True),
        )
        scan = _scan(loop, sources, worker, config)
        report = loop.repair(sources, scan, select_targets(scan, config))
    finally:
        if worker is not None:
            worker.close()
    from vulnloop.commands.fix import write_repairs
    from vulnloop.repair.ledger import Status

    out = sys.stdout
    changed: list[str] = []
    if args.fix and not args.staged:
        changed = write_repairs(report, root, echo=lambda line: print(line, file=out))
    written = set(changed)
    _print_report(report, written=written, fixing=args.fix, out=out)
    for path, reason in scan.skipped_files().items():
        print(f"{path}: could not be checked: {reason}", file=out)
    # A finding is gone only when its repair is on disk: a verified repair that was not written
    # (read-only file, full disk, --staged) still blocks the commit.
    remaining = [
        e for outcome in report.files for e in outcome.entries
        if e.status is Status.UNFIXED or outcome.path not in written
    ]
    return 1 if remaining or changed or scan.skipped else 0


def _print_report(report: LoopReport, *, written: set[str], fixing: bool, out: Any) -> None:
    from vulnloop.repair.ledger import Status
    from vulnloop.report.console import finding_line

    said: set[tuple[str, str]] = set()
    for outcome in report.files:
        for entry in outcome.entries:
            if entry.status is Status.FIXED and outcome.path in written:
                for note in entry.repair.notes if entry.repair else ():  # a dependency to add
                    if (outcome.path, note) not in said:
                        said.add((outcome.path, note))
                        print(f"{outcome.path}: {note}", file=out)
                continue  # written: its 'Fixing' line says so
            print(finding_line(entry.finding, with_col=False), file=out)
            if entry.status is Status.FIXED and fixing:
                print("  its verified fix could not be written (see above): the finding is still there", file=out)
            elif entry.status is Status.FIXED and entry.repair is not None:
                print(f"  verified fix ({entry.repair.repairer}); apply it with the vulnloop-fix hook:", file=out)
                for note in entry.repair.notes:
                    print(f"  {note}", file=out)
                print("  " + entry.repair.diff.rstrip("\n").replace("\n", "\n  "), file=out)
            elif entry.reason:
                print(f"  not fixed automatically: {entry.reason}", file=out)
