"""Options several commands share, and turning them into a Config."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from vulnloop.errors import ConfigError

if TYPE_CHECKING:
    from vulnloop.config import Config
    from vulnloop.engines import Engine
    from vulnloop.findings import ScanResult
    from vulnloop.repair.ledger import LedgerEntry

LEVELS = ("low", "medium", "high")


def add_scan_options(parser: argparse.ArgumentParser, *, formats: tuple[str, ...]) -> None:
    parser.add_argument(
        "paths", nargs="*", default=None, metavar="PATH",
        help="files or folders to scan (default: the current folder)",
    )
    parser.add_argument(
        "--engines", metavar="LIST",
        help="auto (default: Bandit, Semgrep when installed, and our redos and callflow analyses; "
        "CodeQL runs only when named, as its licence covers only open-source code on GitHub.com and "
        "research), or a comma-separated list of bandit, semgrep, redos, callflow, codeql",
    )
    parser.add_argument(
        "--severity", choices=LEVELS,
        help="report findings at or above this severity (default: low)",
    )
    parser.add_argument(
        "--confidence", choices=LEVELS,
        help="report findings at or above this confidence (default: low)",
    )
    parser.add_argument(
        "--exclude", action="append", metavar="GLOB",
        help="skip paths matching GLOB (repeatable; adds to [tool.vulnloop] exclude)",
    )
    parser.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--root", metavar="DIR",
        help="folder that reported paths are relative to, and where pyproject.toml is looked up (default: .)",
    )


def config_from_args(args: argparse.Namespace, **extra: Any) -> tuple[Config, Path]:
    root = Path(args.root or ".").resolve()
    if not root.is_dir():
        raise ConfigError(f"--root {args.root}: not a folder")
    from vulnloop.config import load_config  # here, so that parsers build without it (hooks start faster)

    config = load_config(root)
    overrides: dict[str, Any] = {
        "engines": args.engines,
        "severity": args.severity,
        "confidence": args.confidence,
        **extra,
    }
    config = config.with_overrides(overrides)
    if args.exclude:
        config = config.with_overrides({"exclude": [*config.exclude, *args.exclude]})
    return config, root


def absolute_paths(paths: list[str] | None) -> list[str]:
    """Command-line paths are relative to the current folder, whatever --root says. A link is
    not followed here: collecting the sources decides whether it may be."""
    return [os.path.abspath(p) for p in (paths or ["."])]


def emit(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--output {output}: cannot write: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def note(message: str) -> None:
    """Progress and notes go to stderr, so stdout stays a clean report."""
    print(f"vulnloop: {message}", file=sys.stderr, flush=True)


def emit_sarif(
    scan: ScanResult,
    engines: Sequence[Engine],
    output: str | None,
    *,
    entries: Sequence[LedgerEntry] = (),
) -> None:
    """SARIF for the engines that ran, with their versions, to --output or stdout."""
    import json

    from vulnloop.report.sarif import engine_versions, sarif_log, write_sarif

    log = sarif_log(scan, entries=entries, tool_versions=engine_versions(engines))
    if output:
        try:
            write_sarif(Path(output), log)
        except OSError as exc:
            raise ConfigError(f"--output {output}: cannot write: {exc.strerror or exc}") from None
    else:
        emit(json.dumps(log, indent=2), None)
