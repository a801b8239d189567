"""Which files to scan, and their text: the one place that reads source files from disk."""
from __future__ import annotations

import errno
import fnmatch
import io
import os
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Sequence

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


_LINE_BREAK = re.compile(r"\r\n?")


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF, as Python's own tokenizer reads them."""
    return _LINE_BREAK.sub("\n", text) if "\r" in text else text


@dataclass(frozen=True)
class StoredText:
    """A file's text exactly as stored (original line endings) and the encoding that stores it
    (``utf-8-sig`` when it starts with a BOM): what writing it back byte-faithfully needs."""

    raw: str
    encoding: str

    @property
    def text(self) -> str:
        """The text every engine and repair works on: line endings normalised to LF."""
        return normalize_newlines(self.raw)


def decode_stored(data: bytes) -> tuple[StoredText | None, str | None]:
    """Decode as Python does (PEP 263 coding line, BOM, UTF-8 default); (stored, None) or (None, reason)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "encoding" in str(exc):  # bad bytes in the first two lines, and no coding line
            encoding = "utf-8"
        else:
            return None, f"cannot detect the encoding: {exc}"
    try:
        raw = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return None, f"not valid {encoding}: {exc.__class__.__name__} ({exc}); save it as UTF-8"
    if raw.startswith("\ufeff") and encoding == "utf-8":  # a BOM the coding line check let through
        return StoredText(raw[1:], "utf-8-sig"), None
    return StoredText(raw, encoding), None


def decode_source(data: bytes) -> tuple[str | None, str | None]:
    """The text Python would read (BOM dropped, LF line endings); (text, None) or (None, reason)."""
    stored, reason = decode_stored(data)
    return (stored.text, None) if stored is not None else (None, reason)


def encode_as_declared(text: str) -> bytes:
    """``text`` as bytes in the encoding its coding line declares (UTF-8 without one), so that a
    parser honouring PEP 263 reads back the same text; UnicodeEncodeError when it cannot hold it."""
    data = text.encode("utf-8")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # an unknown or contradictory coding line: the parser will say so
        return data
    return data if encoding in {"utf-8", "utf-8-sig"} else text.encode(encoding)


def read_source(path: Path, rel: str) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return SourceFile(rel, None, f"cannot read: {exc.strerror or exc}")
    text, reason = decode_source(data)
    return SourceFile(rel, text, reason)


def _link_rel(path: Path, root: Path) -> str:
    """The relative path of a link itself (its folder resolved, the link not followed)."""
    link = (path if path.is_absolute() else Path.cwd() / path).parent.resolve() / path.name
    rel = Path(os.path.relpath(link, root.resolve())).as_posix()
    return link.as_posix() if rel.startswith("..") else rel


def _escape_reason(path: Path, trees: Sequence[Path]) -> str | None:
    """Why a file must not be read through ``path``: a symlink loop, a dangling link, or a link
    to a file outside every tree we were given (it would be scanned and rewritten there)."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "symlink loop; skipped"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop; skipped"
        return f"symlink to a missing file ({os.readlink(path)}); skipped"
    if any(target.is_relative_to(tree) for tree in trees):
        return None
    return f"symlink to {target}, outside the scanned tree; not followed"


def _walk(directory: Path, root: Path, excludes: Sequence[str]) -> Iterable[Path]:
    # os.walk does not follow symlinked folders, so a walk never leaves ``directory`` that way.
    for current, dirs, files in os.walk(directory):
        current_path = Path(current)
        dirs[:] = sorted(
            d for d in dirs if not is_excluded(relative_posix(current_path / d, root), excludes)
        )
        for name in sorted(files):
            if name.endswith((".py", ".pyw")):
                yield current_path / name


def _add(
    found: dict[str, SourceFile], path: Path, root: Path, trees: Sequence[Path], excluded: Callable[[str], bool]
) -> None:
    """Read ``path`` into ``found`` once per real file, unless excluded; links that would leave
    the trees become skipped entries under the link's own path."""
    reason = _escape_reason(path, trees)
    rel = _link_rel(path, root) if reason else relative_posix(path, root)
    if excluded(rel) or rel in found:
        return
    found[rel] = SourceFile(rel, None, reason) if reason else read_source(path, rel)


def collect_sources(
    paths: Sequence[str | Path],
    *,
    root: Path,
    excludes: Sequence[str] = (),
    explicit_files_honour_excludes: bool = True,
) -> list[SourceFile]:
    """Expand paths (files or folders, relative to ``root``) into Python files and read them.

    Excludes apply to explicitly named files too (unlike Bandit's own CLI), because pre-commit
    and pull requests always pass file names. A symlink is followed only to a file inside
    ``root`` or the tree it was found in; other links and link loops are skipped with the reason.
    """
    patterns = (*DEFAULT_EXCLUDES, *excludes)
    real_root = root.resolve()
    found: dict[str, SourceFile] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_absolute():
            path = root / path
        if path.is_dir():
            trees = (real_root, path.resolve())
            for file in _walk(path, root, patterns):
                _add(found, file, root, trees, lambda rel: is_excluded(rel, patterns))
        elif path.is_file() or path.is_symlink():
            _add(
                found, path, root, (real_root, path.parent.resolve()),
                lambda rel: explicit_files_honour_excludes and is_excluded(rel, excludes),
            )
        else:
            raise ConfigError(f"{raw}: no such file or directory")
    return [found[key] for key in sorted(found)]
