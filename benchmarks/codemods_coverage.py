"""How many real Bandit findings the codemods repair, verified by a Bandit re-scan.

Corpus: the 121 SecurityEval `insecure_code` examples and the 850 LLMSecureCode pieces
(`labeled_code.jsonl`, field `code`) in ../shared/data. For every Bandit finding that has a
codemod, each codemod for its rule is applied to the original text (one finding at a time) until
one produces an edit, and the edit is judged:

- verified: parses, the rule fires fewer times than before, and no finding is new except the
  codemod's declared residual rules (shell=True -> list still draws B603); findings are matched
  by rule and place (see tests/codemod_helpers.py), so B113 beside B501 on a rewritten call is
  not mistaken for a new finding;
- rejected: parses, but the re-scan still shows the finding or shows a new one;
- refused: every codemod for the rule returned None (the rewrite was not known to be safe);
- broken: the edit does not parse (must stay 0);
- crashed: a codemod raised (must stay 0).

Usage: python benchmarks/codemods_coverage.py [--data PATH] [--json OUT] [--show rejected,broken]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vulnloop.findings import Finding
from vulnloop.repair.codemods import codemods_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from codemod_helpers import judge as verdict_of
from codemod_helpers import parses, scan

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUTCOMES = ("verified", "rejected", "refused", "broken", "crashed")


@dataclass(frozen=True)
class Attempt:
    piece: str
    rule_id: str
    line: int
    outcome: str
    codemod: str = ""
    detail: str = ""


def pieces(data: Path) -> Iterator[tuple[str, str]]:
    with (data / "securityeval" / "tasks.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            yield f"securityeval:{row['task_id']}", row["insecure_code"]
    with (data / "llmsecurecode" / "labeled_code.jsonl").open(encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            row = json.loads(line)
            yield f"llmsecurecode:{index}", row["code"]


def judge(text: str, findings: list[Finding], target: Finding, piece: str) -> Attempt:
    codemods = codemods_for(target)
    for codemod in codemods:
        try:
            candidate = codemod.apply(text, target)
        except Exception as exc:  # noqa: BLE001 - counted, never hidden
            return Attempt(piece, target.rule_id, target.start_line, "crashed", codemod.info.id, repr(exc))
        if candidate is None or candidate == text:
            continue
        if not parses(candidate):
            return Attempt(piece, target.rule_id, target.start_line, "broken", codemod.info.id)
        verdict = verdict_of(text, findings, target, candidate, codemod.info.residual_rules)
        if verdict.verified:
            return Attempt(piece, target.rule_id, target.start_line, "verified", codemod.info.id)
        detail = verdict.problem or "still reported"
        return Attempt(piece, target.rule_id, target.start_line, "rejected", codemod.info.id, detail)
    return Attempt(piece, target.rule_id, target.start_line, "refused", ",".join(c.info.id for c in codemods))


def measure(data: Path) -> tuple[list[Attempt], Counter[str], int]:
    attempts: list[Attempt] = []
    without_codemod: Counter[str] = Counter()
    count = 0
    for piece, text in pieces(data):
        count += 1
        try:
            findings = scan(text)
        except AssertionError:  # Bandit could not parse the piece: nothing to repair
            continue
        for finding in findings:
            if codemods_for(finding):
                attempts.append(judge(text, findings, finding, piece))
            else:
                without_codemod[finding.rule_id] += 1
    return attempts, without_codemod, count


def report(attempts: list[Attempt], without_codemod: Counter[str], count: int) -> str:
    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for attempt in attempts:
        by_rule[attempt.rule_id][attempt.outcome] += 1
    totals = Counter(a.outcome for a in attempts)
    lines = [
        (
            f"{count} pieces; {len(attempts)} Bandit findings with a codemod, "
            f"{sum(without_codemod.values())} without"
        ),
        "",
        f"{'rule':<6} " + " ".join(f"{o:>9}" for o in OUTCOMES),
    ]
    for rule in sorted(by_rule):
        lines.append(f"{rule:<6} " + " ".join(f"{by_rule[rule][o]:>9}" for o in OUTCOMES))
    lines.append(f"{'total':<6} " + " ".join(f"{totals[o]:>9}" for o in OUTCOMES))
    lines.append("")
    lines.append("no codemod: " + ", ".join(f"{r} {n}" for r, n in without_codemod.most_common()))
    return "\n".join(lines)


def whole_loop(data: Path) -> str:
    """The product's own loop (`vulnloop fix --no-llm`), all pieces in one run: how many pieces
    become Bandit-clean, and that every final text still parses."""
    from vulnloop.engines.bandit import BanditEngine
    from vulnloop.repair.loop import LoopOptions, RepairLoop
    from vulnloop.sources import SourceFile

    engine = BanditEngine()
    loop = RepairLoop(engines=[engine], root=Path("."), options=LoopOptions(max_iterations=1))
    sources = [SourceFile(f"p{i}.py", text) for i, (_, text) in enumerate(pieces(data))]
    scan_result = loop.scan(sources)
    flagged = {f.path for f in scan_result.findings}
    result = loop.repair(sources, scan_result)
    finals = {o.path: o.final for o in result.files}
    clean_after = broken = 0
    for path in flagged:
        after = engine.scan([SourceFile(path, finals[path])])
        broken += bool(after.skipped)
        clean_after += not after.findings and not after.skipped
    return (
        f"whole loop, codemods only: {len(result.fixed())} of {len(result.entries)} findings fixed "
        f"and verified; {len(flagged)} of {len(sources)} pieces flagged, {clean_after} of them now "
        f"Bandit-clean; {broken} broken; {result.seconds:.1f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared/data folder")
    parser.add_argument("--json", type=Path, help="write every attempt here as JSON")
    parser.add_argument("--show", default="broken,crashed", help="outcomes to list one by one")
    args = parser.parse_args(argv)
    if not (args.data / "securityeval" / "tasks.jsonl").is_file():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    attempts, without_codemod, count = measure(args.data)
    print(report(attempts, without_codemod, count))
    print()
    print(whole_loop(args.data))
    shown = set(args.show.split(",")) if args.show else set()
    for attempt in attempts:
        if attempt.outcome in shown:
            print(f"  {attempt.outcome}: {attempt.piece} {attempt.rule_id} line {attempt.line} "
                  f"{attempt.codemod} {attempt.detail}")
    if args.json:
        args.json.write_text(json.dumps([a.__dict__ for a in attempts], indent=1), encoding="utf-8")
    bad = sum(a.outcome in ("broken", "crashed") for a in attempts)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
