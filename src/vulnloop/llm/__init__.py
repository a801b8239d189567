"""Chat models: the OpenAI-compatible transport, its token budget and its on-disk answer cache."""
from __future__ import annotations

from vulnloop.llm.cache import ResponseCache, default_cache_dir
from vulnloop.llm.client import (
    ChatMessage,
    ChatModel,
    Completion,
    OpenAIChatModel,
    TokenBudget,
    api_key_from_env,
)

__all__ = [
    "ChatMessage",
    "ChatModel",
    "Completion",
    "OpenAIChatModel",
    "ResponseCache",
    "TokenBudget",
    "api_key_from_env",
    "default_cache_dir",
]
