"""Parsing and compiling code under review without its warnings on the console.

Code under review draws SyntaxWarnings ("invalid escape sequence") and the like, which are its
business, not our users'. The warnings filters are process-global and ``catch_warnings`` is not
thread-safe (the repair loop works on files in threads), so every quiet block takes one lock,
re-entrant because a quiet scan may parse quietly inside.
"""
from __future__ import annotations

import ast
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.RLock()


@contextmanager
def quiet_warnings(category: type[Warning] = Warning) -> Iterator[None]:
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", category)
        yield


def parse_quietly(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` without the warnings it prints for code under review."""
    with quiet_warnings():
        return ast.parse(text, filename)
