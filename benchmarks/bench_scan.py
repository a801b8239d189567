"""Scanning speed: `vulnloop scan --engines bandit` against `bandit -r` and one `bandit` per file.

Targets (issue: foundation): vulnloop within 1.3x of `bandit -r`, and at least 5x faster than one
bandit process per file. Usage: python benchmarks/bench_scan.py [--per-file-limit N]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bandit_script, corpus, timed, write_corpus  # noqa: E402


def run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-file-limit", type=int, default=0,
                        help="time one-process-per-file on the first N files and scale up (0: all)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the two whole-tree runs")
    args = parser.parse_args()
    bandit = bandit_script()
    files = corpus()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = write_corpus(root, files)
        ours = timed(lambda: run([sys.executable, "-m", "vulnloop", "scan", "--engines", "bandit",
                                  "--format", "json", "--output", "out.json", "."], root), args.repeat)
        recursive = timed(lambda: run([bandit, "-q", "-r", "-f", "json", "-o", "bandit.json", "."], root), args.repeat)
        sample = paths[: args.per_file_limit] if args.per_file_limit else paths
        per_file = timed(lambda: [run([bandit, "-q", "-f", "json", str(p)], root) for p in sample])
        per_file *= len(paths) / len(sample)
    print(f"files: {len(files)}")
    print(f"vulnloop scan --engines bandit : {ours:7.2f} s")
    print(f"bandit -r                      : {recursive:7.2f} s")
    print(f"bandit once per file           : {per_file:7.2f} s" + (" (scaled from a sample)" if args.per_file_limit else ""))
    print(f"ratio vulnloop / bandit -r     : {ours / recursive:5.2f}x  (target <= 1.3x)")
    print(f"speed-up vs one bandit per file: {per_file / ours:5.1f}x  (target >= 5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
