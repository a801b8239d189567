"""Unified diffs of whole-file texts (the PR-specific hunk logic lives in patches.py)."""
from __future__ import annotations

import difflib

_NO_EOL = "\n\\ No newline at end of file\n"


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += _NO_EOL  # keeps `patch` and `git apply` happy
    return lines


def unified_diff(path: str, before: str, after: str, *, context: int = 3) -> str:
    return "".join(
        difflib.unified_diff(
            _lines(before), _lines(after), fromfile=f"a/{path}", tofile=f"b/{path}", n=context
        )
    )
