"""What one codemod application costs, and the whole codemod-only loop over the corpus.

Every Bandit finding in the corpus (../shared/data, read as benchmarks/codemods_coverage.py reads
it) that has a codemod is handed to each of its codemods, as the repair loop does, and each
``codemod.apply(text, finding)`` call is timed. Three sets:

- corpus: the pieces as they are (short: median 15 lines);
- typical size: each of those pieces followed by a real 150-300 line standard-library module,
  the file size the repair loop usually meets (findings re-scanned on the longer text);
- first on a text: only the first application on each text, so nothing one application learned
  about a text can help the next.

Last, the whole codemod-only loop over all pieces (``codemods_coverage.whole_loop``).

Usage: python benchmarks/bench_codemods.py [--data PATH] [--no-loop]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from codemods_coverage import DEFAULT_DATA, pieces, whole_loop  # noqa: E402
from codemod_helpers import scan  # noqa: E402  (codemods_coverage put tests/ on the path)

from vulnloop.findings import Finding  # noqa: E402
from vulnloop.repair.codemods import all_codemods, codemods_for  # noqa: E402

FILLER_LINES = (150, 300)


@dataclass(frozen=True)
class Timing:
    seconds: float
    lines: int
    first_on_text: bool


def filler() -> str:
    """The first standard-library module (by name) of typical size: the same text on every run
    of one Python version."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if FILLER_LINES[0] <= text.count("\n") <= FILLER_LINES[1] and not scan(text):
            return text
    raise RuntimeError("no Bandit-clean standard-library module of typical size")


def time_applications(texts: list[str], within_lines: int | None = None) -> list[Timing]:
    """Each codemod application on each text's findings that have a codemod; with
    ``within_lines``, only findings on a text's first lines (the piece, not its filler)."""
    timings: list[Timing] = []
    for text in texts:
        try:
            findings = scan(text)
        except AssertionError:  # Bandit could not parse the piece: nothing to repair
            continue
        first = True
        lines = text.count("\n") + 1
        for finding in findings:
            if within_lines is not None and finding.start_line > within_lines:
                continue
            for codemod in codemods_for(finding):
                timings.append(Timing(_timed_apply(codemod, text, finding), lines, first))
                first = False
    return timings


def _timed_apply(codemod: object, text: str, finding: Finding) -> float:
    start = time.perf_counter()
    codemod.apply(text, finding)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def summary(label: str, timings: list[Timing]) -> str:
    if not timings:
        return f"{label:<22} no applications"
    ms = sorted(t.seconds * 1000 for t in timings)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    lines = statistics.median(t.lines for t in timings)
    return (
        f"{label:<22} {len(ms):>5} applications, median {statistics.median(ms):7.2f} ms, "
        f"p90 {p90:7.2f} ms, max {ms[-1]:7.2f} ms (median file {lines:.0f} lines)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared/data folder")
    parser.add_argument("--no-loop", action="store_true", help="skip the whole-loop timing")
    args = parser.parse_args(argv)
    if not (args.data / "securityeval" / "tasks.jsonl").is_file():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    all_codemods()  # imports libcst and every codemod: not part of any one application
    texts = [text for _, text in pieces(args.data)]
    corpus = time_applications(texts)
    extra = filler()
    padded = [text.rstrip("\n") + "\n\n\n" + extra for text in texts]
    typical = [
        t
        for text, padded_text in zip(texts, padded)
        for t in time_applications([padded_text], within_lines=text.count("\n") + 1)
    ]
    print(summary("corpus", corpus))
    print(summary("typical size", typical))
    print(summary("first on a text", [t for t in corpus + typical if t.first_on_text]))
    if not args.no_loop:
        print(whole_loop(args.data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
