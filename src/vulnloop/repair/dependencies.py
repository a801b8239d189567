"""Third-party packages a repair starts importing, and whether the project declares them.

A repair that adds ``import defusedxml`` is verified by a re-scan, but the repaired file no longer
imports where defusedxml is not installed. Each such import is named in the ledger, the review,
SARIF and the summary, with the dependency file to add it to when the project's own files (the
nearest folder from the file up to the project root holding one) do not declare it. vulnloop
never edits those files itself: it changes only code it scanned and verified.
"""
from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

from vulnloop.linediff import line_opcodes
from vulnloop.quiet_parse import parse_quietly
from vulnloop.repair.imports import imported_packages

# In the order a dependency is best added to them.
DEPENDENCY_FILES = (
    "requirements*.txt", "requirements/*.txt", "pyproject.toml", "setup.cfg", "setup.py", "Pipfile",
    "environment.yml",
)
_SEPARATORS = re.compile(r"[-_.]+")


def _top_level_imports(text: str) -> set[str]:
    try:
        tree = parse_quietly(text)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    return imported_packages(tree) - {".", ""}


def _new_import_lines(before: str, after: str) -> list[str]:
    """The import lines the edit added or rewrote (found from the diff, not by reading the whole
    file: the ledger asks once per repair)."""
    old, new = before.splitlines(), after.splitlines()
    return [
        line.strip()
        for tag, _, _, j1, j2 in line_opcodes(old, new)
        if tag != "equal"
        for line in new[j1:j2]
        if line.lstrip().startswith(("import ", "from "))
    ]


def _standard_only(lines: list[str]) -> bool:
    """Every line a whole import of standard-library modules (a line that does not parse alone,
    such as the start of a parenthesised import, is not judged here)."""
    for line in lines:
        try:
            packages = imported_packages(parse_quietly(line))
        except (SyntaxError, ValueError):
            return False
        if any(p not in sys.stdlib_module_names and p != "__future__" for p in packages):
            return False
    return True


def added_imports(before: str, after: str) -> list[str]:
    """Top-level modules ``after`` imports and ``before`` did not, standard library left out."""
    lines = _new_import_lines(before, after)
    if not lines or _standard_only(lines):
        return []  # nothing outside the standard library is new: spare parsing both files
    new = _top_level_imports(after) - _top_level_imports(before)
    return sorted(name for name in new if name not in sys.stdlib_module_names and name != "__future__")


@lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    from importlib import metadata  # only when a repair adds an import: it costs ~20 ms to load

    return dict(metadata.packages_distributions())


def distribution(module: str) -> str:
    """The package that provides ``module`` where it is installed here (``yaml`` -> PyYAML),
    else the module's own name, which is the package's for most."""
    names = _distributions().get(module)
    return names[0] if names else module


def _normal(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def _local(module: str, folders: list[Path]) -> bool:
    """The project's own module (a file or package beside the file or at the project root)."""
    return any((folder / f"{module}.py").is_file() or (folder / module).is_dir() for folder in folders)


def _declaring_files(root: Path, folder: Path) -> list[Path]:
    """The dependency files of the nearest folder, from ``folder`` up to ``root``, holding any."""
    for candidate in (folder, *folder.parents):
        files = [
            path
            for pattern in DEPENDENCY_FILES
            for path in sorted(candidate.glob(pattern))
            if path.is_file() and (path.name != "pyproject.toml" or _declares_any(path))
        ]
        if files:
            return files
        if candidate == root:
            break
    return []


def _declares_any(pyproject: Path) -> bool:
    """A pyproject.toml may hold only tool settings: it declares dependencies when it says so."""
    try:
        return "dependencies" in pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _declares(files: list[Path], package: str) -> bool:
    wanted = _normal(package)
    words = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if any(_normal(word) == wanted for word in words.findall(text)):
            return True
    return False


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def dependency_notes(root: Path, path: str, before: str, after: str) -> tuple[str, ...]:
    """One sentence per third-party package the repair starts importing, saying what to do."""
    modules = added_imports(before, after)
    if not modules:
        return ()
    root = root.resolve()
    folder = (root / path).resolve().parent
    notes: list[str] = []
    files = _declaring_files(root, folder)
    for module in modules:
        if _local(module, [folder, root, root / "src"]):
            continue
        package = distribution(module)
        if files and _declares(files, package):
            notes.append(f"Uses {package} (import {module}), which {_shown(files[0], root)} already declares.")
        elif files:
            where = (
                f"{_shown(files[0], root)} does not declare"
                if len(files) == 1
                else f"none of {', '.join(_shown(f, root) for f in files)} declares"
            )
            notes.append(
                f"Adds a dependency on {package} (import {module}), which {where}: add "
                f"{package} to {_shown(files[0], root)} and install it, or the repaired file will not import."
            )
        else:
            notes.append(
                f"Adds a dependency on {package} (import {module}); the project declares no dependencies "
                f"(no requirements*.txt or pyproject.toml): install {package} wherever this code runs."
            )
    return tuple(notes)
