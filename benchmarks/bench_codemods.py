"""What one codemod application costs, and the whole codemod-only loop over the corpus.

Every Bandit finding in the corpus (../shared/data, read as benchmarks/codemods_coverage.py reads
it) that has a codemod is handed to each of its codemods, as the repair loop does, and each
``codemod.apply(text, finding)`` call is timed:

- corpus, cold: the pieces as they are (short: median 15 lines), each application on a text no
  codemod has seen before (a comment with a counter is appended), so nothing learnt about a
  text helps;
- typical size, cold: each piece followed by a real 150-300 line standard-library module, the
  file size the repair loop usually meets (findings re-scanned on the longer text);
- typical size, in a row: the findings of one such text one after another, as the loop tries
  them (the first cold, the next ones on a text already parsed).

Last, the whole codemod-only loop over all pieces (``codemods_coverage.whole_loop``).

Usage: python benchmarks/bench_codemods.py [--data PATH] [--no-loop] [--clock wall|cpu]
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import sysconfig
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests")]
from codemod_helpers import scan
from codemods_coverage import DEFAULT_DATA, pieces, whole_loop

from vulnloop.findings import Finding
from vulnloop.repair.codemods import all_codemods, codemods_for

FILLER_LINES = (150, 300)
_fresh = itertools.count()


def filler() -> str:
    """The first standard-library module (by name) of typical size that Bandit finds clean: the
    same text on every run of one Python version."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(folder.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if FILLER_LINES[0] <= text.count("\n") <= FILLER_LINES[1] and not scan(text):
            return text
    raise RuntimeError("no Bandit-clean standard-library module of typical size")


def findings_with_codemods(text: str, within_lines: int | None = None) -> list[Finding]:
    """The text's findings that have a codemod; with ``within_lines``, only on its first lines."""
    try:
        findings = scan(text)
    except AssertionError:  # Bandit could not parse the piece: nothing to repair
        return []
    return [
        f for f in findings
        if codemods_for(f) and (within_lines is None or f.start_line <= within_lines)
    ]


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def timed_applications(
    texts: Iterable[tuple[str, int | None]], *, cold: bool, clock: str = "wall"
) -> list[float]:
    """Seconds per ``apply`` for every codemod of every finding with one (on each text's first
    lines when a number is given); ``cold`` gives each application a text never seen before
    (a unique trailing comment)."""
    now = CLOCKS[clock]
    seconds: list[float] = []
    for text, within_lines in texts:
        for finding in findings_with_codemods(text, within_lines):
            for codemod in codemods_for(finding):
                subject = f"{text.rstrip()}\n# {next(_fresh)}\n" if cold else text
                start = now()
                codemod.apply(subject, finding)
                seconds.append(now() - start)
    return seconds


def summary(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{label:<26} no applications"
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
    return (
        f"{label:<26} {len(ms):>4} applications: median {statistics.median(ms):6.2f} ms, "
        f"p90 {p90:6.2f} ms, max {ms[-1]:7.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared/data folder")
    parser.add_argument("--no-loop", action="store_true", help="skip the whole-loop timing")
    parser.add_argument(
        "--clock", choices=sorted(CLOCKS), default="wall",
        help="time applications by wall clock (default) or by this process's CPU time, steadier "
        "on a busy machine",
    )
    args = parser.parse_args(argv)
    if not (args.data / "securityeval" / "tasks.jsonl").is_file():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    all_codemods()  # imports libcst and every codemod: not part of any one application
    texts = [text for _, text in pieces(args.data)]
    extra = filler()
    padded = [(text.rstrip("\n") + "\n\n\n" + extra, text.count("\n") + 1) for text in texts]
    lines = statistics.median(text.count("\n") + 1 for text, _ in padded)
    print(f"typical size: each piece followed by {extra.count(chr(10))} lines of a standard-library "
          f"module (median {lines:.0f} lines)")
    clock = args.clock
    print(f"per application ({clock} clock):")
    print(summary("corpus, cold", timed_applications(((t, None) for t in texts), cold=True, clock=clock)))
    print(summary("typical size, cold", timed_applications(padded, cold=True, clock=clock)))
    print(summary("typical size, in a row", timed_applications(padded, cold=False, clock=clock)))
    if not args.no_loop:
        print(whole_loop(args.data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
