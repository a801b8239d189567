"""Reading JSON Lines input files (tasks, labelled pieces): one object per non-blank line."""
from __future__ import annotations

import json
from typing import Any, Callable, TypeVar

from vulnloop.errors import ConfigError

T = TypeVar("T")


def parse_jsonl(
    text: str, *, origin: str, what: str, convert: Callable[[dict[str, Any]], T]
) -> list[tuple[int, T]]:
    """(line number, ``convert(object)``) for each non-blank line. A line that is not a JSON object,
    or that ``convert`` rejects with ValueError, is an error naming the file and the line."""
    items: list[tuple[int, T]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            items.append((number, convert(row)))
        except ValueError as exc:
            raise ConfigError(f"{origin}:{number}: not a {what}: {exc}") from None
    return items
