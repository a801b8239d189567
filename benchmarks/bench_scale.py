"""Scale: one file with many findings, each figure a ratio measured side by side in one run.

- `vulnloop fix --no-llm` on one file with 250, 500 and 1,000 findings a codemod fixes, against
  `vulnloop scan` of the same file (target: within 10x at 1,000), and how the fix time grows
  from 250 to 500 to 1,000 (linear: 2x per doubling);
- `vulnloop scan --engines bandit` of a file with 25,000 findings, against Bandit run in-process
  on it, as vulnloop runs it (target: within 1.3x).

Times are CPU seconds of the child process (user + system), best of ``--repeat``: on a shared
machine wall time measures the neighbours. ``--clock wall`` for wall time.

Usage: python benchmarks/bench_scale.py [--repeat N] [--clock cpu|wall] [--scan-findings N]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One function per finding, each a rule a codemod answers (weak hash, unsafe YAML, random
# token, request without timeout, shell with a literal command).
TEMPLATES = (
    'def digest_{i}(data):\n    """Fingerprint the payload {i}."""\n    return hashlib.md5(data).hexdigest()\n',
    "def load_{i}(text):\n    return yaml.load(text)\n",
    'def token_{i}(alphabet):\n    return "".join(random.choice(alphabet) for _ in range(16))\n',
    "def fetch_{i}(url):\n    return requests.get(url)\n",
    'def run_{i}():\n    subprocess.call("ls -l", shell=True)\n',
)
HEADER = "import hashlib\nimport random\nimport subprocess\n\nimport requests\nimport yaml\n\n\n"


def flagged_file(functions: int) -> str:
    return HEADER + "\n\n".join(TEMPLATES[i % len(TEMPLATES)].format(i=i) for i in range(functions))


def dense_file(findings: int) -> str:
    """Many findings in few lines: module-level asserts and hashes in a handful of functions."""
    body = [f"def check_{i}(value):\n" + "".join(f"    assert value != {j}\n" for j in range(50)) for i in range(findings // 50)]
    return "import hashlib\n\n\n" + "\n\n".join(body)


def run_child(args: list[str], cwd: Path, clock: str) -> float:
    """Seconds the command took: its CPU time (user + system) or the wall clock."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    before, start = os.times(), time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after, wall = os.times(), time.perf_counter() - start
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return cpu if clock == "cpu" else wall


def best(args: list[str], cwd: Path, clock: str, repeat: int) -> float:
    return min(run_child(args, cwd, clock) for _ in range(repeat))


def in_process_bandit(path: Path, clock: str, repeat: int) -> tuple[float, float]:
    """(Bandit in-process, vulnloop's scan in-process) on one file, alternated, best of ``repeat``."""
    code = f"""
import os, sys, time
from pathlib import Path
from vulnloop.engines.bandit import BanditEngine
from vulnloop.sources import SourceFile
from bandit.core import config, manager
text = Path({str(path)!r}).read_text()
engine = BanditEngine()
engine.scan_text("warm.py", "import os\\n")
conf = config.BanditConfig()
def clock():
    return time.process_time() if {clock!r} == "cpu" else time.perf_counter()
best_bandit = best_ours = float("inf")
for _ in range({repeat}):
    start = clock()
    m = manager.BanditManager(conf, "file", quiet=True)
    m.discover_files([{str(path)!r}])
    m.run_tests()
    best_bandit = min(best_bandit, clock() - start)
    start = clock()
    engine.scan([SourceFile("dense.py", text)])
    best_ours = min(best_ours, clock() - start)
print(best_bandit, best_ours)
"""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    bandit, ours = (float(x) for x in out.stdout.split())
    return bandit, ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    parser.add_argument("--scan-findings", type=int, default=25000)
    args = parser.parse_args()
    vulnloop = [sys.executable, "-m", "vulnloop"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fixes: dict[int, float] = {}
        print(f"{args.clock} seconds, best of {args.repeat}")
        for count in (250, 500, 1000):
            target = root / f"flagged_{count}.py"
            target.write_text(flagged_file(count), encoding="utf-8")
            scan = best([*vulnloop, "scan", "--engines", "bandit", target.name], root, args.clock, args.repeat)
            fix = best([*vulnloop, "fix", "--no-llm", "--engines", "bandit", target.name], root, args.clock, args.repeat)
            fixes[count] = fix
            print(f"{count:5d} findings: fix --no-llm {fix:6.2f} s, scan {scan:5.2f} s, ratio {fix / scan:5.1f}x"
                  + ("  (target <= 10x)" if count == 1000 else ""))
        print(f"growth of fix: 250 -> 500 {fixes[500] / fixes[250]:.2f}x, 500 -> 1000 {fixes[1000] / fixes[500]:.2f}x"
              " (linear: 2x per doubling)")
        dense = root / "dense.py"
        dense.write_text(dense_file(args.scan_findings), encoding="utf-8")
        bandit, ours = in_process_bandit(dense, args.clock, args.repeat)
        print(f"scan of {args.scan_findings} findings in one file: vulnloop {ours:.2f} s, Bandit in-process {bandit:.2f} s,"
              f" ratio {ours / bandit:.2f}x (target <= 1.3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
