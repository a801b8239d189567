"""False alarms on real, mature code: Bandit and vulnloop's Semgrep rules on installed libraries.

Scans the installed sources of Flask, Django, Jinja2, requests and Werkzeug (Django is only
needed here: pip install django) with both engines and reports findings per 10,000 lines,
per library and per rule. Target (issue: third engine): the Semgrep rules are not noisier
than Bandit on this code. With --sample N it prints N Semgrep findings with their code, for
reading by hand.

Usage: python benchmarks/false_alarms.py [--json OUT] [--sample N] [--seed S]
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from vulnloop.engines.bandit import BanditEngine
from vulnloop.engines.redos import RedosEngine
from vulnloop.engines.semgrep import SemgrepEngine
from vulnloop.findings import Finding, Level
from vulnloop.sources import SourceFile, collect_sources

LIBRARIES = ("flask", "django", "jinja2", "requests", "werkzeug")


def library_sources(name: str) -> list[SourceFile]:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{name} is not installed: pip install {name}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    sources = collect_sources([folder], root=folder.parent)
    return [s for s in sources if s.text is not None]


def per_10k(count: int, lines: int) -> float:
    return round(10_000 * count / lines, 2) if lines else 0.0


def summarise(findings: tuple[Finding, ...], lines: int) -> dict[str, object]:
    medium = [f for f in findings if f.severity >= Level.MEDIUM and f.confidence >= Level.MEDIUM]
    return {
        "findings": len(findings),
        "per_10k_lines": per_10k(len(findings), lines),
        "medium_plus_findings": len(medium),
        "medium_plus_per_10k_lines": per_10k(len(medium), lines),
        "rules": dict(Counter(f.rule_id for f in findings).most_common()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--sample", type=int, default=0, help="print N Semgrep findings to read")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    semgrep = SemgrepEngine()
    reason = semgrep.unavailable_reason()
    if reason:
        sys.exit(reason)
    bandit = BanditEngine()
    report: dict[str, object] = {"semgrep_version": semgrep.version, "libraries": {}}
    all_semgrep: list[tuple[Finding, str]] = []
    totals = Counter()
    for name in LIBRARIES:
        sources = library_sources(name)
        lines = sum(len((s.text or "").splitlines()) for s in sources)
        bandit_result = bandit.scan(sources)
        started = time.perf_counter()
        semgrep_result = semgrep.scan(sources)
        seconds = time.perf_counter() - started
        redos_result = RedosEngine().scan(sources)
        version = importlib.metadata.version(name)
        report["libraries"][name] = {  # type: ignore[index]
            "version": version,
            "files": len(sources),
            "lines": lines,
            "bandit": summarise(bandit_result.findings, lines),
            "semgrep": summarise(semgrep_result.findings, lines),
            "redos": summarise(redos_result.findings, lines),
            "semgrep_seconds": round(seconds, 1),
            "semgrep_skipped": [f"{s.path}: {s.reason}" for s in semgrep_result.skipped],
        }
        texts = {s.path: s.text or "" for s in sources}
        all_semgrep.extend((f, texts[f.path]) for f in semgrep_result.findings)
        totals["lines"] += lines
        totals["bandit"] += len(bandit_result.findings)
        totals["semgrep"] += len(semgrep_result.findings)
        totals["semgrep_medium_plus"] += summarise(semgrep_result.findings, lines)["medium_plus_findings"]  # type: ignore[operator]
        totals["redos"] += len(redos_result.findings)
    report["total"] = {
        "lines": totals["lines"],
        "bandit_per_10k_lines": per_10k(totals["bandit"], totals["lines"]),
        "semgrep_per_10k_lines": per_10k(totals["semgrep"], totals["lines"]),
        "bandit_findings": totals["bandit"],
        "semgrep_findings": totals["semgrep"],
        # Without the LOW-confidence library-input rules (and below-medium severity).
        "semgrep_medium_plus_findings": totals["semgrep_medium_plus"],
        "redos_findings": totals["redos"],
    }
    print("| library | lines | Bandit findings (/10k lines) | Semgrep findings (/10k lines) | redos |")
    print("|---|---|---|---|---|")
    for name, row in report["libraries"].items():  # type: ignore[union-attr]
        print(f"| {name} {row['version']} | {row['lines']} | {row['bandit']['findings']} "
              f"({row['bandit']['per_10k_lines']}) | {row['semgrep']['findings']} "
              f"({row['semgrep']['per_10k_lines']}) | {row['redos']['findings']} |")
    total = report["total"]
    print(f"| all | {total['lines']} | {total['bandit_findings']} ({total['bandit_per_10k_lines']}) | "
          f"{total['semgrep_findings']} ({total['semgrep_per_10k_lines']}) | {total['redos_findings']} |")
    print(f"Semgrep at medium severity and confidence and up: {total['semgrep_medium_plus_findings']}")
    if args.sample:
        chosen = random.Random(args.seed).sample(all_semgrep, min(args.sample, len(all_semgrep)))
        for finding, text in sorted(chosen, key=lambda item: item[0].sort_key()):
            lines = text.splitlines()
            context = "\n".join(lines[max(finding.start_line - 4, 0): finding.end_line + 2])
            print(f"\n--- {finding.path}:{finding.start_line} {finding.rule_id}\n{context}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
