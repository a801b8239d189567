"""`vulnloop scan`: report findings, change nothing."""
from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from vulnloop.commands.options import (
    absolute_paths,
    add_scan_options,
    config_from_args,
    emit,
    emit_sarif,
    note,
)
from vulnloop.findings import merge_results
from vulnloop.engines.dedupe import dedupe_findings
from vulnloop.pipeline import build_engines, select_targets
from vulnloop.report.console import format_scan
from vulnloop.report.json_report import scan_json
from vulnloop.sources import collect_sources


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan Python files and report findings",
        description=(
            "Scan Python files with Bandit and CodeQL (and Semgrep with our rules when installed). "
            "Exit 0 when nothing is at or above the thresholds, 1 when findings are, 2 on usage errors."
        ),
    )
    add_scan_options(parser, formats=("text", "json", "sarif"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config, root = config_from_args(args)
    engines, notes = build_engines(config, root)
    for line in notes:
        note(line)
    sources = collect_sources(absolute_paths(args.paths), root=root, excludes=config.exclude)
    result = merge_results(engine.scan(sources, root=root) for engine in engines)
    shown = select_targets(result, config)
    result = replace(result, findings=tuple(dedupe_findings(result.findings)))
    if args.format == "json":
        emit(scan_json(result, shown), args.output)
    elif args.format == "sarif":
        emit_sarif(replace(result, findings=shown), engines, args.output)
    else:
        emit(format_scan(result, shown), args.output)
    return 1 if shown else 0


