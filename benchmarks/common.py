"""Shared by the benchmark scripts: where the research data is, and writing its code to files."""
from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require_shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        sys.exit(f"benchmark needs the research data at {SHARED_DATA}")
    return SHARED_DATA


def read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def corpus() -> list[tuple[str, str]]:
    """(file name, code): the 121 SecurityEval example insecure solutions and the 850 labelled pieces."""
    data = require_shared_data()
    files: list[tuple[str, str]] = []
    for task in read_jsonl(data / "securityeval" / "tasks.jsonl"):
        name = str(task["task_id"]).replace("/", "_").replace("-", "_")
        files.append((f"securityeval/{name}.py", str(task["insecure_code"])))
    for piece in read_jsonl(data / "llmsecurecode" / "labeled_code.jsonl"):
        name = str(piece["piece_id"]).replace("/", "_").replace("-", "_").replace(".", "_")
        files.append((f"labelled/{name}.py", str(piece["code"])))
    return files


def write_corpus(root: Path, files: list[tuple[str, str]]) -> list[Path]:
    paths = []
    for rel, code in files:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
        paths.append(target)
    return paths


def bandit_script() -> str:
    """Bandit's console script beside this interpreter (what a hook or CI virtualenv runs), else
    the one on PATH; never a version manager's shell shim, whose start-up would flatter us."""
    beside = Path(sys.executable).parent / "bandit"
    found = str(beside) if beside.is_file() else shutil.which("bandit")
    if found is None:
        sys.exit("bandit is not installed: pip install bandit")
    return found


def best_alternating(commands: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best wall time of each command over ``repeat`` rounds, one run of each per round, so that a
    busy moment of the machine hurts them alike."""
    best = {name: float("inf") for name in commands}
    for _ in range(repeat):
        for name, action in commands.items():
            start = time.perf_counter()
            action()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    return best_alternating({"": action}, repeat)[""]
