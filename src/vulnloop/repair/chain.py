"""A file's codemod edits planned as one chain, so that one re-scan can verify them all.

Verifying each edit costs a re-scan of the whole file; a file with several findings a codemod
knows how to fix would pay it once per finding. The chain applies each finding's codemod to the
text the previous edits made, in the loop's order, and the loop verifies the chain's last text
once. A finding is located in the edited text only while no edit has touched its lines (they are
moved by the lines added or removed above them); a finding whose lines an edit touched is left
out of the chain, for the loop's step-by-step path to take up with its re-located position.
Where each line of the current text came from is kept as one sorted list (``_LineOrigins``), so
locating a finding costs a bisection, not a walk through every edit before it.

The worker process plans the same chain ahead (``worker.py``), so the loop's requests find their
answers waiting.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Sequence

from vulnloop.findings import Finding
from vulnloop.linediff import kept_runs, line_count
from vulnloop.repair.codemods import Codemod

CodemodFinder = Callable[[Finding], Sequence[Codemod]]


_Kept = tuple[tuple[int, int, int], ...]  # (first, end, new first) of each run of unchanged lines, 0-based


def kept_lines(before: str, after: str) -> _Kept:
    """The runs of lines an edit left as they were, and where each run went."""
    return kept_runs(before, after)


def moved_through(finding: Finding, kept: _Kept) -> Finding | None:
    """``finding`` at its lines after an edit, when the edit left them untouched; else None."""
    first, last = finding.start_line - 1, finding.end_line - 1
    for start, end, new_start in kept:
        if start <= first and last < end:
            shift = new_start - start
            return replace(finding, start_line=finding.start_line + shift, end_line=finding.end_line + shift)
    return None


@dataclass(frozen=True)
class ChainStep:
    """One codemod's edit: ``target`` is ``targets[index]`` as located in ``before``."""

    index: int
    codemod: Codemod
    before: str
    after: str
    target: Finding

    @cached_property
    def kept(self) -> _Kept:
        """Computed when a later target has to be located: a diff of the whole file costs time."""
        return kept_lines(self.before, self.after)

    @cached_property
    def after_lines(self) -> int:
        return line_count(self.after)


class _LineOrigins:
    """For each line of the chain's current text, the line of the starting text it was kept
    from, or for a line an edit wrote, the line before it plus a half: a non-decreasing list in
    which a finding's lines are found by bisection. ``_breaks`` holds each starting line that an
    edit wrote or removed lines just above: a finding across one was touched, even if the lines
    written there are gone again."""

    def __init__(self, text: str) -> None:
        self._keys: list[float] = list(range(1, line_count(text) + 1))
        self._breaks: set[int] = set()
        self._steps = 0  # steps folded in so far

    def catch_up(self, steps: Sequence[ChainStep]) -> None:
        for step in steps[self._steps :]:
            keys = self._keys
            new: list[float] = []
            read = written = 0  # lines of the step's text before and after, taken so far
            for start, end, new_start in step.kept:
                if new_start > written:  # lines the edit wrote
                    new.extend([int(new[-1]) + 0.5 if new else 0.5] * (new_start - written))
                if (new_start > written or start > read) and start < len(keys):
                    self._breaks.add(math.ceil(keys[start]))
                new.extend(keys[start:end])
                read, written = end, new_start + end - start
            if step.after_lines > written:
                new.extend([int(new[-1]) + 0.5 if new else 0.5] * (step.after_lines - written))
            self._keys = new
        self._steps = len(steps)

    def locate(self, finding: Finding) -> Finding | None:
        """``finding`` (of the starting text) in the current text, when no edit touched it."""
        first, last = finding.start_line, max(finding.end_line, finding.start_line)
        index = bisect.bisect_left(self._keys, first)
        if self._keys[index : index + last - first + 1] != list(range(first, last + 1)):
            return None
        if any(line in self._breaks for line in range(first + 1, last + 1)):
            return None
        shift = index + 1 - first
        return replace(finding, start_line=finding.start_line + shift, end_line=finding.end_line + shift)


@dataclass(frozen=True)
class Chain:
    steps: tuple[ChainStep, ...]
    touched_by: dict[int, int]  # target index -> the step whose edit touched its lines
    tried: dict[int, int]  # target index -> codemods tried on it
    declined: dict[int, str]  # target index -> why no codemod applied (the last one's reason)

    @property
    def text(self) -> str | None:
        """The text after every edit, or None when no codemod applied."""
        return self.steps[-1].after if self.steps else None


def _locate(finding: Finding, steps: Sequence[ChainStep]) -> tuple[Finding | None, int]:
    """The finding after every step, or None and the number of the step that touched its lines."""
    for number, step in enumerate(steps):
        moved = moved_through(finding, step.kept)
        if moved is None:
            return None, number
        finding = moved
    return finding, -1


def plan_chain(text: str, targets: Sequence[Finding], finder: CodemodFinder) -> Chain:
    """Each target's first codemod that applies, each on the text the previous ones made.

    ``targets`` come in the order to repair them; a codemod that raises or declines is passed
    over, as the loop would.
    """
    steps: list[ChainStep] = []
    origins = _LineOrigins(text)
    touched_by: dict[int, int] = {}
    tried: dict[int, int] = {}
    declined: dict[int, str] = {}
    for index, finding in enumerate(targets):
        codemods = finder(finding)
        if not codemods:
            continue
        origins.catch_up(steps)
        located = origins.locate(finding)
        if located is None:
            located, touched = _locate(finding, steps)  # which edit touched it (rare: walk them)
            if located is None:
                touched_by[index] = touched
                continue
        current = steps[-1].after if steps else text
        for codemod in codemods:
            tried[index] = tried.get(index, 0) + 1
            try:
                candidate = codemod.apply(current, located)
            except Exception as exc:  # a codemod bug must not lose the finding
                declined[index] = f"codemod {codemod.info.id} failed: {exc}"
                continue
            if candidate is None or candidate == current:
                declined[index] = f"codemod {codemod.info.id} does not apply safely here"
                continue
            declined.pop(index, None)
            steps.append(ChainStep(index, codemod, current, candidate, located))
            break
    return Chain(tuple(steps), touched_by, tried, declined)
