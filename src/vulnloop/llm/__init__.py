"""Chat models: the OpenAI-compatible transport, its token budget and its on-disk answer cache.

Names are loaded on first use, so that ``vulnloop.llm.usage`` (the token counts every report
carries) does not bring the transport into commands that never call a model.
"""
from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "ResponseCache": "vulnloop.llm.cache",
    "default_cache_dir": "vulnloop.llm.cache",
    "ChatMessage": "vulnloop.llm.client",
    "ChatModel": "vulnloop.llm.client",
    "Completion": "vulnloop.llm.client",
    "OpenAIChatModel": "vulnloop.llm.client",
    "TokenBudget": "vulnloop.llm.client",
    "api_key_from_env": "vulnloop.llm.client",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'vulnloop.llm' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
