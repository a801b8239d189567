"""The review comments we plan, and the hidden marks that let a re-run find them again.

Records only: planning them is ``review.py``'s job, posting them ``github/reviews.py``'s.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

# The keys ride in one hidden trailer on the body's last line. Only that line counts: a marker
# elsewhere (inside quoted code of the pull request, say) must not silence a finding.
TRAILER = re.compile(r"<!-- vulnloop:fp=([0-9A-Za-z_.:-]{1,100}(?:,[0-9A-Za-z_.:-]{1,100})*) -->")
REVIEW_MARKER = "<!-- vulnloop:review -->"
MAX_BODY = 65_000  # GitHub refuses bodies over 65,536 characters


def trailer(keys: Sequence[str]) -> str:
    """The hidden last line naming the findings a comment or review body covers."""
    return f"<!-- vulnloop:fp={','.join(keys)} -->" if keys else ""


def trailer_keys(body: str) -> list[str]:
    lines = [line for line in (body or "").splitlines() if line.strip()]
    if not lines:
        return []
    match = TRAILER.fullmatch(lines[-1].strip())
    return match.group(1).split(",") if match else []


@dataclass(frozen=True)
class ReviewComment:
    """A comment on head lines ``start_line..line`` (RIGHT side) of ``path``, for the findings
    whose fingerprints are ``keys``; ``body`` ends with their trailer."""

    keys: tuple[str, ...]
    path: str
    line: int
    start_line: int | None
    body: str


@dataclass(frozen=True)
class Prior:
    """What earlier vulnloop reviews of this pull request already said."""

    comments: dict[str, tuple[tuple[str, int | None], ...]] = field(default_factory=dict)
    body_keys: frozenset[str] = frozenset()

    def commented(self, key: str, path: str, line: int) -> bool:
        """True when a comment for ``key`` sits at this place now (not outdated, not moved)."""
        return (path, line) in self.comments.get(key, ())

    def mentioned(self, key: str) -> bool:
        return key in self.body_keys or key in self.comments

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(self.comments) | self.body_keys


@dataclass(frozen=True)
class Demoted:
    comment: ReviewComment
    reason: str
