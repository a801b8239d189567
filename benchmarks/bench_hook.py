"""The pre-commit hook on 10 files of typical size, against PyCQA's own bandit hook on the same files.

PyCQA's hook (.pre-commit-hooks.yaml in PyCQA/bandit) runs `bandit <files>` with require_serial;
ours runs `vulnloop hook <files>`. Both are run here exactly as pre-commit runs them, on 10 real
modules (100-600 lines) taken from installed packages. Target: at most 1.3x bandit's time.

As in a hook environment pre-commit builds, both run with compiled bytecode (pip compiles what it
installs; an editable checkout has none, and PYTHONDONTWRITEBYTECODE may forbid writing it), here in
a private cache filled by one warm-up run each. Bandit is its console script, not a shell shim, and
the two are timed in alternation so that a busy moment of the machine hurts both alike.
"""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bandit_script, best_alternating  # noqa: E402


PACKAGES = ("flask", "requests", "jinja2", "werkzeug", "click")
# `vulnloop` with every codemod parse asked for whole (see ParsedSource.parse), for comparison only.
WHOLE_FILE_PARSING = (
    "import sys; from vulnloop.repair.codemods import parsed; "
    "parse = parsed.ParsedSource.parse.__func__; "
    "parsed.ParsedSource.parse = classmethod(lambda cls, source, whole=False: parse(cls, source, whole=True)); "
    "from vulnloop.main import main; sys.exit(main(sys.argv[1:]))"
)
FIXABLE = "\n\ndef _legacy_digest(data):\n    import hashlib\n\n    return hashlib.md5(data).hexdigest()\n"


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
    bandit = bandit_script()
    files = typical_files()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        root = Path(tmp)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        names = []
        for index, path in enumerate(files):
            target = root / f"m{index}_{path.name}"
            shutil.copy(path, target)
            names.append(target.name)
        # A harder case beside the typical one: a fixable finding in every file, so every file
        # needs a codemod edit and its verifying re-scan.
        (root / "fixable").mkdir()
        for name in names:
            text = (root / name).read_text(encoding="utf-8")
            (root / "fixable" / name).write_text(text + FIXABLE, encoding="utf-8")
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run(["git", "add", *names], cwd=root, check=True)
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

        def runner(command: list[str], **extra_env: str) -> Callable[[], object]:
            full_env = {**env, **extra_env}
            return lambda: subprocess.run(
                command, cwd=root, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            )

        entry = [sys.executable, "-m", "vulnloop", "hook"]
        # The hook with the codemods parsing every file whole (libcst's metadata wrapper over the
        # module) instead of unit by unit (units.py, parsed.py): what that machinery buys.
        whole = [sys.executable, "-c", WHOLE_FILE_PARSING, "hook"]
        hook = [*entry, *names]
        framework = [sys.executable, "-m", "pre_commit", "run"]
        commands = {
            "ours": runner(hook),
            "bandit": runner([bandit, *names]),
            # The same hook without its codemod worker (the second process that imports libcst
            # while the first scans), to show what the worker saves.
            "ours alone": runner(hook, VULNLOOP_HOOK_WORKER="0"),
            # Started as on macOS and Windows: a fresh interpreter rather than a fork.
            "ours spawned": runner(hook, VULNLOOP_HOOK_WORKER="spawn"),
            "ours via pre-commit": runner([*framework, "vulnloop", "--files", *names]),
            "bandit via pre-commit": runner([*framework, "bandit", "--files", *names]),
            "ours, fixable": runner([*entry, *(f"fixable/{n}" for n in names)]),
            "bandit, fixable": runner([bandit, *(f"fixable/{n}" for n in names)]),
            "ours, fixable, whole-file parsing": runner([*whole, *(f"fixable/{n}" for n in names)]),
            "ours, fixable, whole-file parsing, no worker": runner(
                [*whole, *(f"fixable/{n}" for n in names)], VULNLOOP_HOOK_WORKER="0"
            ),
            "ours, fixable, no worker": runner([*entry, *(f"fixable/{n}" for n in names)], VULNLOOP_HOOK_WORKER="0"),
        }
        for action in commands.values():
            action()  # warm-up: fills the bytecode cache
        best = best_alternating(commands, repeat=7)
    ours, theirs, ours_alone = best["ours"], best["bandit"], best["ours alone"]
    ours_pc, theirs_pc = best["ours via pre-commit"], best["bandit via pre-commit"]
    print(f"files: {len(files)} ({lines} lines)")
    print(f"hook entries alone : vulnloop hook {ours:6.3f} s, bandit {theirs:6.3f} s: "
          f"{ours / theirs:4.2f}x (target <= 1.3x)")
    print(f"  without the worker: {ours_alone:6.3f} s: {ours_alone / theirs:4.2f}x")
    spawned = best["ours spawned"]
    print(f"  worker spawned, as on macOS and Windows: {spawned:6.3f} s: {spawned / theirs:4.2f}x")
    print(f"through pre-commit : vulnloop {ours_pc:6.3f} s, bandit {theirs_pc:6.3f} s: "
          f"{ours_pc / theirs_pc:4.2f}x (target <= 1.3x)")
    hard, hard_bandit = best["ours, fixable"], best["bandit, fixable"]
    print(f"a fixable finding in every file, entries alone: vulnloop hook {hard:6.3f} s, "
          f"bandit {hard_bandit:6.3f} s: {hard / hard_bandit:4.2f}x")
    print("  what each part buys there (the same hook without it):")
    for label, name in (
        ("without the worker", "ours, fixable, no worker"),
        ("parsing files whole, not unit by unit", "ours, fixable, whole-file parsing"),
        ("neither", "ours, fixable, whole-file parsing, no worker"),
    ):
        print(f"    {label:40s}: {best[name]:6.3f} s: {best[name] / hard_bandit:4.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
