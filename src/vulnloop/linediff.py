"""Line diffs in time linear in the file for the edits a repair makes: a few places changed.

``difflib.SequenceMatcher`` over whole files costs time that grows faster than the file (a file
of 3,000 lines whose statements repeat takes most of a second), and the repair loop diffs a file
once per codemod edit it locates findings through and twice per verdict. Here the lines both texts
share at the start and end are set aside first (compared slice by slice, in C), then lines found
exactly once in each side anchor the rest (patience diff), and ``difflib`` runs only on what lies
between two anchors. A short difference goes to ``difflib`` whole, as before.
"""
from __future__ import annotations

import bisect
import difflib
from collections import Counter
from typing import Sequence

Opcode = tuple[str, int, int, int, int]  # difflib's (tag, i1, i2, j1, j2)

# Below this many differing lines on the larger side, difflib alone is quick enough.
_DIFFLIB_SIZE = 64


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
