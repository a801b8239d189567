"""Unified diffs of whole-file texts (the PR-specific hunk logic lives in patches.py).

The same text as ``difflib.unified_diff``, but the opcodes come from ``linediff`` so that a diff
of a large file with a small edit costs time linear in the file: the ledger diffs every repair.
"""
from __future__ import annotations

import difflib
from typing import Iterator, Sequence

from vulnloop.linediff import Opcode, line_opcodes

_NO_EOL = "\n\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += _NO_EOL  # keeps `patch` and `git apply` happy
    return lines


class _LineMatcher(difflib.SequenceMatcher):  # type: ignore[type-arg]
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


def _unified(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int) -> Iterator[str]:
    started = False
    for group in _LineMatcher(a, b).get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            if tag in {"replace", "delete"}:
                yield from ("-" + line for line in a[i1:i2])
            if tag in {"replace", "insert"}:
                yield from ("+" + line for line in b[j1:j2])


def unified_diff(path: str, before: str, after: str, *, context: int = 3) -> str:
    return "".join(_unified(_lines(before), _lines(after), f"a/{path}", f"b/{path}", context))
