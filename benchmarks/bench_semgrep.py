"""Detection and speed of the Semgrep engine (vulnloop's own rules) against the manual labels.

Detection: the first-round pieces (stage "rq1") of LLMSecureCode with a manual label; a piece
counts as flagged when an engine reports any finding in it (the paper's measure). Recall and
precision per engine (Bandit, Semgrep) and for their union. Target (issue: third engine):
union of Bandit and Semgrep at least 75% recall at 90% precision.

Speed: one Semgrep call over all 850 labelled pieces, and a 30-file scan (a pull request
review) with and without Semgrep.

Usage: python benchmarks/bench_semgrep.py [--json OUT] [--jobs N]
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import read_jsonl, require_shared_data

from vulnloop.engines.bandit import BanditEngine, load_bandit_settings
from vulnloop.engines.callflow import CallflowEngine
from vulnloop.engines.dedupe import dedupe_findings
from vulnloop.engines.redos import RedosEngine
from vulnloop.engines.semgrep import SemgrepEngine
from vulnloop.findings import Finding, Level, ScanResult
from vulnloop.sources import SourceFile


def piece_path(piece: dict[str, object]) -> str:
    name = str(piece["piece_id"]).replace("/", "_").replace("-", "_").replace(".", "_")
    return f"labelled/{name}.py"


def score(flagged: set[str], labels: dict[str, bool]) -> dict[str, float | int]:
    positives = {p for p, vulnerable in labels.items() if vulnerable}
    true_pos = len(flagged & positives)
    false_pos = len(flagged - positives)
    return {
        "flagged": len(flagged),
        "true_positives": true_pos,
        "false_positives": false_pos,
        "recall": true_pos / len(positives) if positives else 0.0,
        "precision": true_pos / (true_pos + false_pos) if flagged else 0.0,
    }


def flagged_paths(findings: Iterable[Finding], *, min_confidence: Level = Level.LOW) -> set[str]:
    return {f.path for f in findings if f.confidence >= min_confidence}


def detection(pieces: Sequence[dict[str, object]], jobs: int) -> dict[str, object]:
    labelled = [p for p in pieces if p["stage"] == "rq1" and p["manual_vulnerable"] is not None]
    sources = [SourceFile(piece_path(p), str(p["code"])) for p in labelled]
    labels = {piece_path(p): bool(p["manual_vulnerable"]) for p in labelled}
    cwe_of = {piece_path(p): str(p["cwe"]) for p in labelled}
    bandit = BanditEngine().scan(sources)  # Bandit's defaults
    # As vulnloop runs Bandit in a folder with no dependency file: B413 (pycrypto import) only
    # where the project declares pycrypto (engines/bandit.py says why).
    # Bandit's defaults less the tests those settings skip: the same findings as a second scan.
    with tempfile.TemporaryDirectory() as empty:
        skips = set(load_bandit_settings(Path(empty)).skips)
    ours_bandit_findings = [f for f in bandit.findings if f.rule_id not in skips]
    started = time.perf_counter()
    semgrep = SemgrepEngine(jobs=jobs).scan(sources)
    semgrep_seconds = time.perf_counter() - started
    redos = RedosEngine().scan(sources)
    rows: dict[str, object] = {
        "pieces": len(labelled),
        "vulnerable": sum(labels.values()),
        "bandit": score(flagged_paths(bandit.findings), labels),
        "semgrep": score(flagged_paths(semgrep.findings), labels),
        "semgrep_medium_confidence": score(
            flagged_paths(semgrep.findings, min_confidence=Level.MEDIUM), labels
        ),
        "union": score(flagged_paths(bandit.findings) | flagged_paths(semgrep.findings), labels),
        # vulnloop's --severity/--confidence thresholds applied to Bandit only.
        "union_bandit_medium": score(
            flagged_paths(f for f in bandit.findings if f.severity >= Level.MEDIUM and f.confidence >= Level.MEDIUM)
            | flagged_paths(semgrep.findings),
            labels,
        ),
        "bandit_as_vulnloop_runs_it": score(flagged_paths(ours_bandit_findings), labels),
        "union_as_vulnloop_runs_it": score(
            flagged_paths(ours_bandit_findings) | flagged_paths(semgrep.findings), labels
        ),
        "redos": score(flagged_paths(redos.findings), labels),
        # What `vulnloop scan` runs by default (CodeQL aside): Bandit, Semgrep and redos.
        "all_as_vulnloop_runs_it": score(
            flagged_paths(ours_bandit_findings) | flagged_paths(semgrep.findings) | flagged_paths(redos.findings),
            labels,
        ),
        # The same at `confidence = "medium"`: without the library-input (LOW) rules.
        "all_medium_confidence": score(
            flagged_paths(f for f in ours_bandit_findings if f.confidence >= Level.MEDIUM)
            | flagged_paths(semgrep.findings, min_confidence=Level.MEDIUM)
            | flagged_paths(redos.findings),
            labels,
        ),
        "semgrep_seconds": round(semgrep_seconds, 2),
        "skipped": {"bandit": len(bandit.skipped), "semgrep": len(semgrep.skipped)},
    }
    merged = dedupe_findings([*bandit.findings, *semgrep.findings])
    rows["findings"] = {
        "bandit": len(bandit.findings),
        "semgrep": len(semgrep.findings),
        "after_dedupe": len(merged),
    }
    # Per task CWE: which engine flags the vulnerable pieces, to see where recall comes from.
    per_cwe: dict[str, Counter[str]] = defaultdict(Counter)
    bandit_hit = flagged_paths(bandit.findings)
    semgrep_hit = flagged_paths(semgrep.findings)
    for path, vulnerable in labels.items():
        counter = per_cwe[cwe_of[path]]
        counter["vulnerable" if vulnerable else "safe"] += 1
        if path in bandit_hit:
            counter["bandit_tp" if vulnerable else "bandit_fp"] += 1
        if path in semgrep_hit:
            counter["semgrep_tp" if vulnerable else "semgrep_fp"] += 1
        if path in bandit_hit | semgrep_hit:
            counter["union_tp" if vulnerable else "union_fp"] += 1
    rows["per_cwe"] = {cwe: dict(c) for cwe, c in sorted(per_cwe.items())}
    rules: Counter[str] = Counter()
    false_rules: Counter[str] = Counter()
    for finding in semgrep.findings:
        rules[finding.rule_id] += 1
        if not labels[finding.path]:
            false_rules[finding.rule_id] += 1
    rows["semgrep_rules"] = dict(rules.most_common())
    rows["semgrep_rules_on_safe_pieces"] = dict(false_rules.most_common())
    return rows


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def speed(pieces: Sequence[dict[str, object]], jobs: int) -> dict[str, float]:
    """Wall time and CPU time (Semgrep's processes) of one call over all pieces and over 30."""
    sources = [SourceFile(piece_path(p), str(p["code"])) for p in pieces]
    engine = SemgrepEngine(jobs=jobs)
    cpu, started = _child_cpu(), time.perf_counter()
    result: ScanResult = engine.scan(sources)
    all_seconds, all_cpu = time.perf_counter() - started, _child_cpu() - cpu
    review = sources[:30]
    bandit = BanditEngine()
    bandit.scan(review[:1])  # build Bandit's manager outside the timing, as a warm process would
    # The in-process engines' CPU time is this process's; Semgrep's is its child processes'.
    own_cpu, started = time.process_time(), time.perf_counter()
    bandit.scan(review)
    bandit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    RedosEngine().scan(review)
    redos_seconds = time.perf_counter() - started
    started = time.perf_counter()
    CallflowEngine().scan(review)
    callflow_seconds = time.perf_counter() - started
    in_process_cpu = time.process_time() - own_cpu
    cpu, started = _child_cpu(), time.perf_counter()
    engine.scan(review)
    review_seconds, review_cpu = time.perf_counter() - started, _child_cpu() - cpu
    auto_seconds = bandit_seconds + review_seconds + redos_seconds + callflow_seconds
    return {
        "files": len(sources),
        "semgrep_all_seconds": round(all_seconds, 2),
        "semgrep_all_cpu_seconds": round(all_cpu, 2),
        "semgrep_all_findings": len(result.findings),
        "semgrep_all_skipped": len(result.skipped),
        "review_30_bandit_seconds": round(bandit_seconds, 2),
        "review_30_redos_seconds": round(redos_seconds, 3),
        "review_30_semgrep_seconds": round(review_seconds, 2),
        "review_30_callflow_seconds": round(callflow_seconds, 3),
        "review_30_semgrep_cpu_seconds": round(review_cpu, 2),
        # The cost of `auto` (Bandit, Semgrep, redos, callflow) on a 30-file review over Bandit
        # alone; CPU time beside wall time, as other processes share the machine.
        "review_30_auto_seconds": round(auto_seconds, 2),
        "review_30_auto_cpu_seconds": round(review_cpu + in_process_cpu, 2),
        "review_30_auto_over_bandit": round(auto_seconds / max(bandit_seconds, 1e-3), 1),
    }


def pct(value: object) -> str:
    return f"{100 * float(value):.0f}%"  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--jobs", type=int, default=1, help="Semgrep processes (default 1)")
    args = parser.parse_args()
    engine = SemgrepEngine(jobs=args.jobs)
    reason = engine.unavailable_reason()
    if reason:
        sys.exit(reason)
    data = require_shared_data()
    pieces = list(read_jsonl(data / "llmsecurecode" / "labeled_code.jsonl"))
    report = {"semgrep_version": engine.version, "detection": detection(pieces, args.jobs),
              "speed": speed(pieces, args.jobs)}
    found = report["detection"]
    print(f"Semgrep {report['semgrep_version']}; {found['pieces']} first-round pieces, "
          f"{found['vulnerable']} vulnerable by the manual labels")
    print("| engine | flagged | recall | precision |")
    print("|---|---|---|---|")
    for name in ("bandit", "bandit_as_vulnloop_runs_it", "semgrep", "semgrep_medium_confidence", "union",
                 "union_as_vulnloop_runs_it", "union_bandit_medium", "redos", "all_as_vulnloop_runs_it",
                 "all_medium_confidence"):
        row = found[name]
        print(f"| {name} | {row['flagged']} | {pct(row['recall'])} | {pct(row['precision'])} |")
    print(json.dumps(report["speed"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
