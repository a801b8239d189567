"""`vulnloop scan`: report findings, change nothing."""
from __future__ import annotations

import argparse
import json
from typing import Any

from vulnloop.commands.options import absolute_paths, add_scan_options, config_from_args, emit, note
from vulnloop.findings import merge_results
from vulnloop.pipeline import build_engines
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
    result = _dedupe(result)
    shown = result.at_or_above(config.severity, config.confidence)
    if args.format == "json":
        emit(scan_json(result, shown), args.output)
    elif args.format == "sarif":
        from dataclasses import replace

        from vulnloop.report.sarif import sarif_log

        emit(json.dumps(sarif_log(replace(result, findings=shown)), indent=2), args.output)
    else:
        emit(format_scan(result, shown), args.output)
    return 1 if shown else 0


def _dedupe(result: Any) -> Any:
    try:
        from vulnloop.engines.dedupe import dedupe_findings
    except ModuleNotFoundError:
        return result
    from dataclasses import replace

    return replace(result, findings=tuple(dedupe_findings(result.findings)))
