"""What a repairer hands the loop: a candidate text, or why there is none, and what it cost."""
from __future__ import annotations

from dataclasses import dataclass

from vulnloop.llm.usage import TokenUsage


@dataclass(frozen=True)
class Proposal:
    """The whole file with the region replaced (``new_text``), or None and the ``reason``."""

    new_text: str | None
    reason: str
    usage: TokenUsage
    prompt_chars: int = 0
