"""What GitHub's "Commit suggestion" does, to check our suggestions against it (tests only)."""
from __future__ import annotations

from typing import Iterable

from vulnloop.pr_diff import Suggestion


def apply_suggestions(text: str, suggestions: Iterable[Suggestion]) -> str:
    """Apply non-overlapping suggestions to ``text`` as GitHub's "Commit suggestion" would."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    ends_with_newline = bool(lines) and lines[-1].endswith(("\n", "\r"))
    bare = [line.rstrip("\r\n") for line in lines]
    ordered = sorted(suggestions, key=lambda s: s.start_line, reverse=True)
    previous_start: int | None = None
    for suggestion in ordered:
        if previous_start is not None and suggestion.end_line >= previous_start:
            raise ValueError(f"{suggestion.path}: suggestions overlap at line {suggestion.end_line}")
        if suggestion.start_line < 1 or suggestion.end_line > len(bare):
            raise ValueError(f"{suggestion.path}: lines {suggestion.start_line}-{suggestion.end_line} are outside the file")
        bare[suggestion.start_line - 1 : suggestion.end_line] = list(suggestion.replacement)
        previous_start = suggestion.start_line
    out = newline.join(bare)
    return out + newline if ends_with_newline and bare else out
