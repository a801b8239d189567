"""`bench detect`: how well each engine, and their union, finds what reviewers labelled vulnerable.

A piece counts as flagged by an engine when that engine reports any finding in it (the paper's
judge). Pieces the reviewers gave no verdict on are left out; pieces that do not parse are
counted (no engine can flag them) and reported.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from vulnloop.api import Engine, SourceFile, quiet_warnings
from vulnloop.bench.labels import LabelledPiece
from vulnloop.bench.prompts import parses

UNION = "union"
# Gong et al. (2024): Bandit 1.7.8 alone on the first-round pieces.
PAPER_BANDIT = {"recall": 0.47, "precision": 0.87}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, flagged: bool, vulnerable: bool) -> None:
        if flagged and vulnerable:
            self.tp += 1
        elif flagged:
            self.fp += 1
        elif vulnerable:
            self.fn += 1
        else:
            self.tn += 1

    def as_dict(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
            "recall": ratio(self.tp, self.tp + self.fn),
            "precision": ratio(self.tp, self.tp + self.fp),
            "false_positive_rate": ratio(self.fp, self.fp + self.tn),
        }


def detect(
    pieces: Sequence[LabelledPiece],
    engines: Sequence[Engine],
    root: Path,
    *,
    stages: Sequence[str] = ("rq1",),
) -> dict[str, Any]:
    chosen = [p for p in pieces if p.manual_vulnerable is not None and (not stages or p.stage in stages)]
    names = [e.name for e in engines] + [UNION]
    overall = {name: Counts() for name in names}
    per_cwe: dict[str, dict[str, Counts]] = defaultdict(lambda: {name: Counts() for name in names})
    # One call per engine for all pieces (Semgrep starts in about a second; per piece it would
    # dominate), each piece under its own file name.
    sources = [SourceFile(f"piece_{index}.py", piece.code) for index, piece in enumerate(chosen)]
    rules: dict[str, dict[str, set[str]]] = {engine.name: defaultdict(set) for engine in engines}
    for engine in engines:
        with quiet_warnings():  # the reviewed code's own Syntax/DeprecationWarnings are noise
            result = engine.scan(sources, root=root)
        for finding in result.findings:
            rules[engine.name][finding.path].add(finding.rule_id)
    unparseable = 0
    flagged_pieces: list[dict[str, Any]] = []
    for source, piece in zip(sources, chosen):
        vulnerable = bool(piece.manual_vulnerable)
        unparseable += not parses(piece.code)
        flags = {engine.name: bool(rules[engine.name].get(source.path)) for engine in engines}
        flags[UNION] = any(flags.values())
        for name in names:
            overall[name].add(flags[name], vulnerable)
            per_cwe[piece.cwe][name].add(flags[name], vulnerable)
        if flags[UNION]:
            flagged_pieces.append({
                "piece_id": piece.piece_id,
                "cwe": piece.cwe,
                "vulnerable": vulnerable,
                "rules": {e.name: sorted(rules[e.name][source.path]) for e in engines if flags[e.name]},
            })
    missed = {
        name: sorted(cwe for cwe, counts in per_cwe.items() if counts[name].tp == 0 and counts[name].fn > 0)
        for name in names
    }
    return {
        "stages": list(stages),
        "pieces": len(chosen),
        "vulnerable": sum(1 for p in chosen if p.manual_vulnerable),
        "unparseable": unparseable,
        "engines": [e.name for e in engines],
        "overall": {name: overall[name].as_dict() for name in names},
        "per_cwe": {cwe: {name: c.as_dict() for name, c in counts.items()} for cwe, counts in sorted(per_cwe.items())},
        "missed_cwes": missed,
        "paper_bandit": PAPER_BANDIT,
        # Which rules flagged each flagged piece: read the false positives (vulnerable: false) here.
        "flagged": flagged_pieces,
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def detect_table(report: dict[str, Any], notes: Sequence[str] = ()) -> str:
    names = [*report["engines"], UNION]
    lines = [
        "## Detection against the reviewers' labels",
        "",
        f"{report['pieces']} labelled pieces (stages: {', '.join(report['stages']) or 'all'}), "
        f"{report['vulnerable']} judged vulnerable by reviewers; {report['unparseable']} do not parse "
        "(no engine can flag those)." + (f" {' '.join(notes)}" if notes else ""),
        "",
        "| engine | recall | precision | false-positive rate | TP | FP | FN | TN |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        c = report["overall"][name]
        lines.append(
            f"| {name} | {_pct(c['recall'])} | {_pct(c['precision'])} | {_pct(c['false_positive_rate'])} "
            f"| {c['tp']} | {c['fp']} | {c['fn']} | {c['tn']} |"
        )
    paper = report["paper_bandit"]
    lines.append(f"| paper: Bandit 1.7.8 (rq1) | {_pct(paper['recall'])} | {_pct(paper['precision'])} | – | | | | |")
    lines += [
        "",
        f"Missed CWEs ({UNION}: vulnerable pieces exist, none flagged): "
        + (", ".join(report["missed_cwes"][UNION]) or "none"),
        "",
        "### Per CWE (union)",
        "",
        "| CWE | vulnerable | recall | precision | false-positive rate |",
        "|---|---|---|---|---|",
    ]
    for cwe, counts in report["per_cwe"].items():
        c = counts[UNION]
        lines.append(
            f"| {cwe} | {c['tp'] + c['fn']} | {_pct(c['recall'])} | {_pct(c['precision'])} | {_pct(c['false_positive_rate'])} |"
        )
    return "\n".join(lines) + "\n"
