"""Which files to scan, and their text: the one place that reads source files from disk."""
from __future__ import annotations

import fnmatch
import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

from vulnloop.errors import ConfigError

# Folders nobody wants scanned: virtual environments, caches, VCS metadata.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", "__pycache__",
    "node_modules", "build", "dist", ".eggs", "*.egg-info", "site-packages",
)


@dataclass(frozen=True)
class SourceFile:
    """A Python file to scan: ``path`` relative to the root (POSIX), and its text or why not."""

    path: str
    text: str | None
    skip_reason: str | None = None

    @property
    def readable(self) -> bool:
        return self.text is not None


def relative_posix(path: Path, root: Path) -> str:
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    try:
        rel = os.path.relpath(absolute.resolve(), root.resolve())
    except ValueError:  # another drive on Windows
        return absolute.as_posix()
    posix = PurePosixPath(Path(rel).as_posix())
    return str(posix) if not str(posix).startswith("..") else absolute.resolve().as_posix()


def is_excluded(rel_path: str, patterns: Iterable[str]) -> bool:
    """A glob matches the whole relative path, any leading folder path, or any single part."""
    parts = PurePosixPath(rel_path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if any(fnmatch.fnmatchcase(candidate, pattern) for candidate in (*prefixes, *parts)):
            return True
    return False


def decode_source(data: bytes) -> tuple[str | None, str | None]:
    """Decode as Python does (PEP 263 coding line, UTF-8 default); (text, None) or (None, reason)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "encoding" in str(exc):  # bad bytes in the first two lines, and no coding line
            encoding = "utf-8"
        else:
            return None, f"cannot detect the encoding: {exc}"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return None, f"not valid {encoding}: {exc.__class__.__name__} ({exc}); save it as UTF-8"
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


def read_source(path: Path, rel: str) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SourceFile(rel, None, f"cannot read: {exc.strerror or exc}")
    text, reason = decode_source(data)
    return SourceFile(rel, text, reason)


def _walk(directory: Path, root: Path, excludes: Sequence[str]) -> Iterable[Path]:
    for current, dirs, files in os.walk(directory):
        current_path = Path(current)
        dirs[:] = sorted(
            d for d in dirs if not is_excluded(relative_posix(current_path / d, root), excludes)
        )
        for name in sorted(files):
            if name.endswith((".py", ".pyw")):
                yield current_path / name


def collect_sources(
    paths: Sequence[str | Path],
    *,
    root: Path,
    excludes: Sequence[str] = (),
    explicit_files_honour_excludes: bool = True,
) -> list[SourceFile]:
    """Expand paths (files or folders, relative to ``root``) into Python files and read them.

    Excludes apply to explicitly named files too (unlike Bandit's own CLI), because pre-commit
    and pull requests always pass file names.
    """
    patterns = (*DEFAULT_EXCLUDES, *excludes)
    found: dict[str, SourceFile] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = root / path
        if path.is_dir():
            for file in _walk(path, root, patterns):
                rel = relative_posix(file, root)
                if not is_excluded(rel, patterns) and rel not in found:
                    found[rel] = read_source(file, rel)
        elif path.is_file() or path.is_symlink():
            rel = relative_posix(path, root)
            if explicit_files_honour_excludes and is_excluded(rel, excludes):
                continue
            if rel not in found:
                found[rel] = read_source(path, rel)
        else:
            raise ConfigError(f"{raw}: no such file or directory")
    return [found[key] for key in sorted(found)]
