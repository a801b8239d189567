"""Line diffs in time linear in the file for the edits a repair makes: a few places changed.

``window`` finds where two texts differ by comparing characters a block at a time (in C), so that
a chain of a thousand small edits to one large file never splits the whole file into lines per
edit. Inside a window, ``difflib.SequenceMatcher`` over many lines costs time that grows faster
than the text (a file of 3,000 lines whose statements repeat takes most of a second), so lines
both sides share at the start and end are set aside, then lines found exactly once in each side
anchor the rest (patience diff), and ``difflib`` runs only on what lies between two anchors.
"""
from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal, Sequence

Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]  # difflib's (tag, i1, i2, j1, j2)

# Below this many differing lines on the larger side, difflib alone is quick enough.
_DIFFLIB_SIZE = 64
# Texts are compared this many characters at a time before the first difference is looked for.
_BLOCK = 4096
# What str.splitlines ends a line at besides "\n": where present, lines are counted by splitting.
_ASCII_OTHER_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e"
_OTHER_BREAKS = re.compile(f"[{_ASCII_OTHER_BREAKS}\x85\u2028\u2029]")


@dataclass(frozen=True)
class Window:
    """Where two texts differ, as whole lines: the lines before ``first_line`` and the last
    ``lines_after`` lines are the same in both texts."""

    first_line: int  # 0-based
    before: str
    after: str
    lines_after: int


def window(before: str, after: str, context: int = 0) -> Window:
    """The lines where ``before`` and ``after`` differ, with up to ``context`` same lines on each
    side, found by comparing characters a block at a time (in C): a small edit to a large text
    costs a scan, not a split of both texts into lines."""
    head = common_start(before, after)
    tail = common_end(before, after, min(len(before), len(after)) - head)
    start = before.rfind("\n", 0, head) + 1  # a line start in both texts
    for _ in range(context):
        if start == 0:
            break
        start = before.rfind("\n", 0, start - 1) + 1
    stop = _line_end(before, len(before) - tail)
    for _ in range(context):
        stop = _line_end(before, stop)
    stop_after = stop + len(after) - len(before)
    return Window(
        _line_count(before, 0, start), before[start:stop], after[start:stop_after], _line_count(before, stop, len(before))
    )


def _line_end(text: str, position: int) -> int:
    """Just after the first "\n" at or after ``position`` (the text's end when there is none)."""
    found = text.find("\n", position)
    return len(text) if found < 0 else found + 1


def line_count(text: str) -> int:
    """``len(text.splitlines())``, without making the list."""
    return _line_count(text, 0, len(text))


def _line_count(text: str, start: int, stop: int) -> int:
    """``len(text[start:stop].splitlines())`` for a slice that starts a line."""
    if start >= stop:
        return 0
    if _has_other_breaks(text, start, stop):
        return len(text[start:stop].splitlines())
    breaks = text.count("\n", start, stop)
    return breaks if text[stop - 1] == "\n" else breaks + 1


def _has_other_breaks(text: str, start: int, stop: int) -> bool:
    if text.isascii():  # a flag Python keeps: a few searches in C instead of a regex scan
        return any(text.find(char, start, stop) >= 0 for char in _ASCII_OTHER_BREAKS)
    return _OTHER_BREAKS.search(text, start, stop) is not None


def common_start(a: str, b: str) -> int:
    """The length of the longest common start of two texts."""
    limit, low = min(len(a), len(b)), 0
    while low + _BLOCK <= limit and a[low : low + _BLOCK] == b[low : low + _BLOCK]:
        low += _BLOCK
    high = min(low + _BLOCK, limit)
    base = low
    while low < high:
        middle = (low + high + 1) // 2
        if a[base:middle] == b[base:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def common_end(a: str, b: str, limit: int) -> int:
    """The length of the longest common end, at most ``limit``."""
    low, la, lb = 0, len(a), len(b)
    while low + _BLOCK <= limit and a[la - low - _BLOCK : la - low] == b[lb - low - _BLOCK : lb - low]:
        low += _BLOCK
    high = min(low + _BLOCK, limit)
    base = low
    while low < high:
        middle = (low + high + 1) // 2
        if a[la - middle : la - base] == b[lb - middle : lb - base]:
            low = middle
        else:
            high = middle - 1
    return low


def line_opcodes(before: Sequence[str], after: Sequence[str]) -> list[Opcode]:
    """``SequenceMatcher(None, before, after, autojunk=False).get_opcodes()``, in substance:
    equal runs are merged, and the anchors make long, repetitive differences cheap."""
    out: list[Opcode] = []
    _diff(before, 0, len(before), after, 0, len(after), out, anchor=True)
    merged: list[Opcode] = []
    for op in out:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        last = merged[-1] if merged else None
        if last is not None and last[0] == op[0] == "equal":
            merged[-1] = ("equal", last[1], op[2], last[3], op[4])
        else:
            merged.append(op)
    return merged


def _common_prefix(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> int:
    low, high = 0, min(ahi - alo, bhi - blo)
    while low < high:  # the longest k with a[alo:alo+k] == b[blo:blo+k]
        middle = (low + high + 1) // 2
        if a[alo : alo + middle] == b[blo : blo + middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> int:
    low, high = 0, min(ahi - alo, bhi - blo)
    while low < high:
        middle = (low + high + 1) // 2
        if a[ahi - middle : ahi] == b[bhi - middle : bhi]:
            low = middle
        else:
            high = middle - 1
    return low


def _diff(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int, out: list[Opcode], *, anchor: bool
) -> None:
    head = _common_prefix(a, alo, ahi, b, blo, bhi)
    out.append(("equal", alo, alo + head, blo, blo + head))
    alo, blo = alo + head, blo + head
    tail = _common_suffix(a, alo, ahi, b, blo, bhi)
    ahi, bhi = ahi - tail, bhi - tail
    anchors = _anchors(a, alo, ahi, b, blo, bhi) if anchor and max(ahi - alo, bhi - blo) > _DIFFLIB_SIZE else []
    if anchors:
        for i, j in anchors:
            _diff(a, alo, i, b, blo, j, out, anchor=False)
            out.append(("equal", i, i + 1, j, j + 1))
            alo, blo = i + 1, j + 1
        _diff(a, alo, ahi, b, blo, bhi, out, anchor=False)
    elif alo < ahi or blo < bhi:
        matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
        out.extend((tag, alo + i1, alo + i2, blo + j1, blo + j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes())
    out.append(("equal", ahi, ahi + tail, bhi, bhi + tail))


def _anchors(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> list[tuple[int, int]]:
    """Lines found exactly once on each side, paired, the longest run of pairs in the same
    order on both sides (patience sorting)."""
    in_a, in_b = Counter(a[alo:ahi]), Counter(b[blo:bhi])
    where_b = {line: j for j, line in enumerate(b[blo:bhi], blo) if in_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a[alo:ahi], alo) if in_a[line] == 1 and line in where_b]
    tops: list[int] = []  # the smallest j ending a run of each length
    ends: list[int] = []  # index into pairs of that run's last pair
    back: list[int] = []  # each pair's predecessor in its run
    for index, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tops, j)
        back.append(ends[length - 1] if length else -1)
        if length == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[length], ends[length] = j, index
    run: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = back[index]
    return run[::-1]


def kept_runs(before: str, after: str) -> tuple[tuple[int, int, int], ...]:
    """The runs of lines ``after`` keeps from ``before``: (first, end, first in ``after``),
    0-based, with the lines around the change counted, not compared."""
    changed = window(before, after)
    first, old, new = changed.first_line, changed.before.splitlines(), changed.after.splitlines()
    runs: list[tuple[int, int, int]] = [(0, first, 0)] if first else []
    runs += [(first + i1, first + i2, first + j1) for tag, i1, i2, j1, _ in line_opcodes(old, new) if tag == "equal"]
    if changed.lines_after:
        runs.append((first + len(old), first + len(old) + changed.lines_after, first + len(new)))
    merged: list[tuple[int, int, int]] = []
    for start, end, new_start in runs:
        if merged and merged[-1][1] == start and merged[-1][2] + merged[-1][1] - merged[-1][0] == new_start:
            merged[-1] = (merged[-1][0], end, merged[-1][2])
        elif end > start:
            merged.append((start, end, new_start))
    return tuple(merged)
