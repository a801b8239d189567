"""The pre-commit hook on 10 files of typical size, against PyCQA's own bandit hook on the same files.

PyCQA's hook (.pre-commit-hooks.yaml in PyCQA/bandit) runs `bandit <files>` with require_serial;
ours runs `vulnloop hook <files>`. Both are run here exactly as pre-commit runs them, on 10 real
modules (100-600 lines) taken from installed packages. Target: at most 1.3x bandit's time.
"""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed  # noqa: E402

PACKAGES = ("flask", "requests", "jinja2", "werkzeug", "click")


def typical_files(count: int = 10) -> list[Path]:
    chosen: list[Path] = []
    for name in PACKAGES:
        folder = Path(importlib.import_module(name).__file__ or "").parent
        for path in sorted(folder.glob("*.py")):
            lines = path.read_text(encoding="utf-8").count("\n")
            if 100 <= lines <= 600:
                chosen.append(path)
                break
        for path in sorted(folder.glob("*.py"), reverse=True):
            lines = path.read_text(encoding="utf-8").count("\n")
            if 100 <= lines <= 600 and path not in chosen:
                chosen.append(path)
                break
    return chosen[:count]


def main() -> int:
    bandit = shutil.which("bandit")
    if bandit is None:
        sys.exit("bandit is not on PATH")
    files = typical_files()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = []
        for index, path in enumerate(files):
            target = root / f"m{index}_{path.name}"
            shutil.copy(path, target)
            names.append(target.name)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run(["git", "add", *names], cwd=root, check=True)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": root, "check": False}
        ours = timed(lambda: subprocess.run([sys.executable, "-m", "vulnloop", "hook", *names], **quiet), 5)
        theirs = timed(lambda: subprocess.run([bandit, *names], **quiet), 5)
        # The same hook without its codemod worker (the second process that imports libcst
        # while the first scans), to show what the worker saves.
        alone = {**os.environ, "VULNLOOP_HOOK_WORKER": "0"}
        ours_alone = timed(
            lambda: subprocess.run([sys.executable, "-m", "vulnloop", "hook", *names], env=alone, **quiet), 5
        )
        lines = sum((root / n).read_text(encoding="utf-8").count("\n") for n in names)
        # Both again through the pre-commit framework, as local hooks with the same entries and
        # settings as the published ones (PyCQA's: entry bandit, types [python], require_serial).
        (root / ".pre-commit-config.yaml").write_text(
            "repos:\n  - repo: local\n    hooks:\n"
            f"      - {{id: vulnloop, name: vulnloop, entry: {sys.executable} -m vulnloop hook, "
            "language: system, types: [python], require_serial: true}\n"
            f"      - {{id: bandit, name: bandit, entry: {bandit}, language: system, types: [python], "
            "require_serial: true}\n"
        )
        subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=root, check=True)
        framework = [sys.executable, "-m", "pre_commit", "run", "--files", *names]
        ours_pc = timed(lambda: subprocess.run([*framework[:4], "vulnloop", *framework[4:]], **quiet), 5)
        theirs_pc = timed(lambda: subprocess.run([*framework[:4], "bandit", *framework[4:]], **quiet), 5)
    print(f"files: {len(files)} ({lines} lines)")
    print(f"hook entries alone : vulnloop hook {ours:6.3f} s, bandit {theirs:6.3f} s: "
          f"{ours / theirs:4.2f}x (target <= 1.3x)")
    print(f"  without the worker: {ours_alone:6.3f} s: {ours_alone / theirs:4.2f}x")
    print(f"through pre-commit : vulnloop {ours_pc:6.3f} s, bandit {theirs_pc:6.3f} s: "
          f"{ours_pc / theirs_pc:4.2f}x (target <= 1.3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
