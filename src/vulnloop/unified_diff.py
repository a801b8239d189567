"""Unified diffs of whole-file texts (the PR-specific hunk logic lives in pr_diff.py).

The same text as ``difflib.unified_diff``, but the opcodes come from ``linediff`` so that a diff
of a large file with a small edit costs time linear in the file: the ledger diffs every repair.
"""
from __future__ import annotations

import difflib
from typing import Iterator, Sequence

from vulnloop.linediff import Opcode, line_opcodes, window

_NO_EOL = "\n\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += _NO_EOL  # keeps `patch` and `git apply` happy
    return lines


class _LineMatcher(difflib.SequenceMatcher[str]):
    """difflib's hunk grouping over linediff's opcodes."""

    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        super().__init__(None, "", "", autojunk=False)
        self.a, self.b = a, b  # not set_seqs: its index of b is what costs
        self._opcodes = line_opcodes(a, b)

    def get_opcodes(self) -> list[Opcode]:
        return list(self._opcodes)


def _range(start: int, stop: int) -> str:
    """A hunk range as ``diff -u`` writes it (difflib's own rule)."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _unified(
    a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int, first_line: int = 0
) -> Iterator[str]:
    """difflib's unified format; ``a`` and ``b`` start at line ``first_line`` (0-based) of their texts."""
    started = False
    for group in _LineMatcher(a, b).get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        old_range = _range(first_line + first[1], first_line + last[2])
        new_range = _range(first_line + first[3], first_line + last[4])
        yield f"@@ -{old_range} +{new_range} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in {"replace", "delete"}:
                yield from ("-" + line for line in a[i1:i2])
            if tag in {"replace", "insert"}:
                yield from ("+" + line for line in b[j1:j2])


def unified_diff(path: str, before: str, after: str, *, context: int = 3) -> str:
    """Only the lines around the change are split and compared (see ``linediff.window``)."""
    changed = window(before, after, context)
    return "".join(
        _unified(_lines(changed.before), _lines(changed.after), f"a/{path}", f"b/{path}", context, changed.first_line)
    )
