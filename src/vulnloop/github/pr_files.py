"""Which files a pull request (or a push) changed, their hunks, and their head text.

GitHub's file listing is the source of truth for a pull request; ``git diff base...head`` in the
workspace fills in what it leaves out (it lists at most 3,000 files and omits ``patch`` for large
diffs). The head text comes from the workspace when its blob matches the head commit's, else
from git, else from GitHub's contents API: the workspace may hold the merge commit or the base.
"""
from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from vulnloop.pr_diff import FileDiff, parse_patch, parse_unified_diff
from vulnloop.sources import SourceFile, decode_source, is_excluded

if TYPE_CHECKING:
    from github.PullRequest import PullRequest

PYTHON_SUFFIXES = (".py", ".pyw")
GITHUB_FILE_LIMIT = 3000


@dataclass(frozen=True)
class ChangedFile:
    """A file as changed at the head commit; ``diff`` None means its hunks are unknown."""

    path: str
    status: str
    diff: FileDiff | None
    blob_sha: str | None = None
    previous_path: str | None = None


@dataclass(frozen=True)
class ChangedFiles:
    files: tuple[ChangedFile, ...]  # the Python files to scan
    left_out: tuple[str, ...] = ()  # Python files beyond max_files
    notes: tuple[str, ...] = field(default=())


def is_python(path: str) -> bool:
    return path.endswith(PYTHON_SUFFIXES)


def git(workspace: Path, *args: str) -> str | None:
    """Output of a read-only git command in the workspace, or None when it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(workspace), *args],
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="surrogateescape")


def has_commit(workspace: Path, sha: str) -> bool:
    return bool(sha) and git(workspace, "cat-file", "-e", f"{sha}^{{commit}}") is not None


def git_diffs(workspace: Path, base: str, head: str, paths: Sequence[str] = (), *, three_dot: bool = True) -> dict[str, FileDiff] | None:
    """Head path -> hunks of ``git diff base...head`` (or base..head), None when git cannot tell."""
    spec = f"{base}...{head}" if three_dot else f"{base}..{head}"
    args = ["diff", "--no-color", "--no-ext-diff", "-U3", "--find-renames", spec]
    if paths:
        args += ["--", *paths]
    out = git(workspace, *args)
    if out is None:
        return None
    return parse_unified_diff(out)


Listed = tuple[str, str, str | None, str | None, str | None, int]


def _listed(pull: PullRequest) -> list[Listed]:
    """(path, status, patch, blob sha, previous path, changes) for every file GitHub lists;
    GitHub leaves out the patch of large diffs and the previous name of files not renamed."""
    rows: list[Listed] = []
    for item in pull.get_files():
        rows.append((item.filename, item.status, item.patch, item.sha, item.previous_filename, item.changes))
    return rows


def pull_request_files(
    pull: PullRequest,
    *,
    workspace: Path,
    base_sha: str,
    head_sha: str,
    expected_count: int | None,
    excludes: Sequence[str],
    max_files: int,
) -> ChangedFiles:
    """The pull request's changed Python files with their hunks, at most ``max_files`` of them."""
    notes: list[str] = []
    rows = _listed(pull)
    listed_paths = {row[0] for row in rows}
    files: dict[str, ChangedFile] = {}
    need_git: list[str] = []
    for path, status, patch, sha, previous, changes in rows:
        if status == "removed" or not is_python(path):
            continue
        diff: FileDiff | None = None
        if patch is not None:
            try:
                diff = parse_patch(patch, path, status=status, previous_path=previous)
            except ValueError:
                diff = None
        elif status == "renamed" and changes == 0:
            diff = FileDiff(path, (), status, previous)  # moved, not changed: nothing to review
        if diff is None:
            need_git.append(path)
        files[path] = ChangedFile(path, status, diff, sha, previous)
    truncated = len(rows) >= GITHUB_FILE_LIMIT or (expected_count is not None and expected_count > len(rows))
    if truncated or need_git:
        all_diffs = git_diffs(workspace, base_sha, head_sha)
        if all_diffs is None:
            if truncated:
                notes.append(
                    f"GitHub lists only the first {len(rows)} of the pull request's files and git could not "
                    f"diff {base_sha[:7]}...{head_sha[:7]} here (check out with `fetch-depth: 0`): files past "
                    "that were not scanned"
                )
            for path in need_git:
                notes.append(
                    f"{path}: GitHub sent no diff for this file (too large) and git could not diff it here: "
                    "its findings cannot be tied to changed lines"
                )
        else:
            for path in need_git:
                found = all_diffs.get(path)
                if found is not None:
                    old = files[path]
                    files[path] = ChangedFile(path, old.status, found, old.blob_sha, old.previous_path)
            if truncated:
                extra = [p for p in all_diffs if p not in listed_paths and is_python(p)]
                for path in extra:
                    d = all_diffs[path]
                    files[path] = ChangedFile(path, d.status, d, None, d.previous_path)
                notes.append(
                    f"GitHub lists at most {GITHUB_FILE_LIMIT} files; the other {len(extra)} Python file(s) "
                    "came from git diff"
                )
    return select_files(list(files.values()), excludes, max_files, notes)


def select_files(files: list[ChangedFile], excludes: Sequence[str], max_files: int, notes: list[str]) -> ChangedFiles:
    kept = [f for f in files if not is_excluded(f.path, excludes)]
    excluded = len(files) - len(kept)
    if excluded:
        notes.append(f"{excluded} changed Python file(s) match the exclude settings and were not scanned")
    left_out = tuple(f.path for f in kept[max_files:])
    return ChangedFiles(tuple(kept[:max_files]), left_out, tuple(notes))


def push_files(
    workspace: Path,
    *,
    before: str,
    after: str,
    payload_paths: Sequence[str],
    excludes: Sequence[str],
    max_files: int,
) -> ChangedFiles:
    """The Python files a push changed: git diff before..after, or the payload's list for a new branch."""
    notes: list[str] = []
    diffs = git_diffs(workspace, before, after, three_dot=False) if has_commit(workspace, before) else None
    if diffs is not None:
        files = [ChangedFile(p, d.status, d, None, d.previous_path) for p, d in diffs.items() if is_python(p)]
    else:
        notes.append(
            "the commit before the push is not in this checkout (a new branch, or `fetch-depth: 1`): "
            "every line of the pushed files counts as changed"
        )
        files = [ChangedFile(p, "modified", None) for p in payload_paths if is_python(p) and (workspace / p).is_file()]
    return select_files(files, excludes, max_files, notes)


def blob_sha(data: bytes) -> str:
    """Git's object id of a file's bytes, to tell whether the workspace holds the head version."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # nosec B324 - git's id, not security


def _source(path: str, data: bytes) -> SourceFile:
    text, reason = decode_source(data)
    return SourceFile(path, text, reason)


def head_sources(
    files: Iterable[ChangedFile],
    *,
    workspace: Path,
    head_sha: str | None,
    fetch: Callable[[str], bytes | None] | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """The head version of each file; never the merge commit's or the base's by mistake."""
    sources: list[SourceFile] = []
    notes: list[str] = []
    for changed in files:
        local = workspace / changed.path
        data: bytes | None = None
        try:
            if local.is_file() and not local.is_symlink():
                data = local.read_bytes()
        except OSError:
            data = None
        if data is not None and (changed.blob_sha is None or blob_sha(data) == changed.blob_sha):
            sources.append(_source(changed.path, data))
            continue
        if head_sha:
            shown = subprocess.run(
                ["git", "-C", str(workspace), "show", f"{head_sha}:{changed.path}"],
                capture_output=True, check=False,
            ) if has_commit(workspace, head_sha) else None
            if shown is not None and shown.returncode == 0:
                sources.append(_source(changed.path, shown.stdout))
                continue
        fetched = fetch(changed.path) if fetch else None
        if fetched is not None:
            sources.append(_source(changed.path, fetched))
            continue
        reason = "its head version is neither in the workspace nor available from GitHub"
        sources.append(SourceFile(changed.path, None, reason))
        notes.append(f"{changed.path}: not scanned: {reason}")
    return sources, notes
