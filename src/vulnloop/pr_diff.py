"""Pull-request diffs and review suggestions: hunks, changed lines, and where a suggestion may sit.

GitHub accepts a review comment only on a line that is part of the diff, on the RIGHT (head) side
for our purposes, and a multi-line comment only when ``start_line`` and ``line`` lie in the same
hunk. Everything here works on head-file line numbers (1-based), which are also the line numbers
of the file vulnloop scanned, so a finding's lines and a diff's lines compare directly.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import unidiff  # type: ignore[import-untyped]  # no stubs in the test environment

_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", re.MULTILINE)
_BACKTICKS = re.compile(r"`{3,}")


@dataclass(frozen=True)
class Hunk:
    """One ``@@`` hunk: its line ranges on both sides and which head lines it adds."""

    source_start: int
    source_length: int
    target_start: int
    target_length: int
    added: frozenset[int]

    @property
    def target_end(self) -> int:
        """Last head line the hunk shows (target_start - 1 for a hunk that only deletes)."""
        return self.target_start + self.target_length - 1

    def shows(self, line: int) -> bool:
        """True when head line ``line`` is part of this hunk (added or context)."""
        return self.target_length > 0 and self.target_start <= line <= self.target_end


@dataclass(frozen=True)
class FileDiff:
    """The diff of one file in a pull request, by its head path."""

    path: str
    hunks: tuple[Hunk, ...]
    status: str = "modified"  # added, modified, renamed, copied, ...
    previous_path: str | None = None

    @property
    def added_lines(self) -> frozenset[int]:
        return frozenset(line for hunk in self.hunks for line in hunk.added)

    def hunk_showing(self, line: int) -> Hunk | None:
        return next((hunk for hunk in self.hunks if hunk.shows(line)), None)

    def can_anchor(self, start_line: int, end_line: int) -> bool:
        """True when a comment on head lines start..end is accepted: both ends in one hunk."""
        hunk = self.hunk_showing(end_line)
        return hunk is not None and start_line <= end_line and hunk.shows(start_line)

    def touches(self, start_line: int, end_line: int) -> bool:
        """True when any head line in start..end was added or modified by the pull request."""
        return any(start_line <= line <= end_line for line in self.added_lines)


def _hunks(patched_file: unidiff.PatchedFile) -> tuple[Hunk, ...]:
    return tuple(
        Hunk(
            source_start=hunk.source_start,
            source_length=hunk.source_length,
            target_start=hunk.target_start,
            target_length=hunk.target_length,
            added=frozenset(line.target_line_no for line in hunk if line.is_added and line.target_line_no),
        )
        for hunk in patched_file
    )


def parse_patch(patch: str, path: str, *, status: str = "modified", previous_path: str | None = None) -> FileDiff:
    """Parse the ``patch`` field GitHub gives for one file (hunks only, no ``---``/``+++`` header)."""
    if not patch.strip():
        return FileDiff(path, (), status, previous_path)
    if not _HUNK_HEADER.search(patch):
        raise ValueError(f"{path}: not a unified diff hunk")
    text = patch if patch.endswith("\n") else patch + "\n"
    patch_set = unidiff.PatchSet(f"--- a/{previous_path or path}\n+++ b/{path}\n{text}")
    return FileDiff(path, _hunks(patch_set[0]), status, previous_path)


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name


def parse_unified_diff(text: str) -> dict[str, FileDiff]:
    """Parse ``git diff`` output into head path -> FileDiff; deleted files are left out."""
    diffs: dict[str, FileDiff] = {}
    for patched_file in unidiff.PatchSet(text):
        if patched_file.is_removed_file:
            continue
        path = _strip_prefix(patched_file.target_file)
        previous = _strip_prefix(patched_file.source_file)
        if patched_file.is_added_file:
            status, previous_path = "added", None
        elif patched_file.is_rename or previous != path:
            status, previous_path = "renamed", previous
        else:
            status, previous_path = "modified", None
        diffs[path] = FileDiff(path, _hunks(patched_file), status, previous_path)
    return diffs


# -- changes between a file and its repaired version ------------------------------------------


@dataclass(frozen=True)
class Change:
    """One block of difference: original lines ``start..end`` (1-based, inclusive) become ``new``.

    A pure insertion has ``end == start - 1``: the new lines go before original line ``start``.
    """

    start: int
    end: int
    old: tuple[str, ...]
    new: tuple[str, ...]

    @property
    def is_insertion(self) -> bool:
        return self.end < self.start


def _split(text: str) -> list[str]:
    return [line.rstrip("\r\n") for line in text.splitlines(keepends=True)]


def changes(original: str, final: str) -> list[Change]:
    """The smallest line blocks that turn ``original`` into ``final``."""
    before, after = _split(original), _split(final)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    out: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        out.append(Change(i1 + 1, i2, tuple(before[i1:i2]), tuple(after[j1:j2])))
    return out


@dataclass(frozen=True)
class Suggestion:
    """Replace head lines ``start_line..end_line`` of ``path`` with ``replacement`` (lines, no newlines)."""

    path: str
    start_line: int
    end_line: int
    replacement: tuple[str, ...]

    def block(self) -> str:
        """The ```suggestion block, fenced longer than any run of backticks in the code."""
        longest = max((len(run) for run in _BACKTICKS.findall("\n".join(self.replacement))), default=0)
        fence = "`" * max(3, longest + 1)
        body = "\n".join(self.replacement)
        return f"{fence}suggestion\n{body}\n{fence}" if self.replacement else f"{fence}suggestion\n{fence}"


def _cover(change: Change, lines: Sequence[str]) -> Change:
    """A change that replaces at least one existing line (a suggestion must sit on real lines).

    An insertion takes the line above it along (or the line below, at the top of the file).
    """
    if not change.is_insertion:
        return change
    if change.start > 1:
        above = lines[change.start - 2]
        return Change(change.start - 1, change.start - 1, (above,), (above, *change.new))
    if lines:
        below = lines[0]
        return Change(1, 1, (below,), (*change.new, below))
    return change  # an empty file: nothing to anchor on


def _apply_blocks(lines: Sequence[str], blocks: Iterable[Change]) -> list[str]:
    result = list(lines)
    for change in sorted(blocks, key=lambda c: c.start, reverse=True):  # bottom up: indices hold
        result[change.start - 1 : change.end] = list(change.new)
    return result


def suggestion_for(path: str, original: str, blocks: Sequence[Change]) -> Suggestion | None:
    """One suggestion covering ``blocks`` of ``original``: the span from the first to the last
    block, with every block inside it applied. None when there is nothing to anchor on."""
    lines = _split(original)
    if not blocks or not lines:
        return None
    covered = [_cover(block, lines) for block in blocks]
    start, end = min(c.start for c in covered), max(c.end for c in covered)
    applied = _apply_blocks(lines, blocks)
    unchanged_tail = len(lines) - end
    return Suggestion(path, start, end, tuple(applied[start - 1 : len(applied) - unchanged_tail]))


def unified_hunks(path: str, original: str, final: str, blocks: Sequence[Change], *, context: int = 2) -> str:
    """A unified diff of only ``blocks`` of ``original`` -> ``final``, for a review body."""
    lines = _split(original)
    partial = _apply_blocks(lines, blocks)
    diff = difflib.unified_diff(
        [line + "\n" for line in lines],
        [line + "\n" for line in partial],
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
        n=context,
    )
    return "".join(diff)
