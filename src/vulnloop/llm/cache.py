"""An on-disk cache of LLM answers, so a re-run with the same prompt costs no tokens.

Keys hash the model name, the messages and the temperature; the endpoint's URL is left out on
purpose, so the same model behind another proxy still hits. Each entry is one small JSON file,
written atomically (temp file + rename), so concurrent repairs and crashed runs never leave a
half-written entry; an unreadable entry counts as a miss.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from vulnloop.llm.usage import TokenUsage

CACHE_FORMAT = 1


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/vulnloop/llm``, else ``~/.cache/vulnloop/llm``."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base else Path.home() / ".cache"
    return root / "vulnloop" / "llm"


def cache_key(model: str, messages: Sequence[tuple[str, str]], temperature: float | None) -> str:
    """sha256 over a canonical JSON of (model, [(role, content), ...], temperature)."""
    canonical = json.dumps(
        {
            "format": CACHE_FORMAT,
            "model": model,
            "messages": [[role, content] for role, content in messages],
            "temperature": temperature,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    usage: TokenUsage  # what the original call cost, for information


class ResponseCache:
    """Answers by key under ``directory`` (created, private to the user, on the first write)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory)!r})"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> CachedAnswer | None:
        try:
            raw = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("format") != CACHE_FORMAT:
            return None
        text = raw.get("text")
        usage = raw.get("usage") or {}
        if not isinstance(text, str) or not isinstance(usage, dict):
            return None
        return CachedAnswer(
            text,
            TokenUsage(
                prompt_tokens=_int(usage.get("prompt_tokens")),
                completion_tokens=_int(usage.get("completion_tokens")),
                calls=1,
            ),
        )

    def put(self, key: str, text: str, usage: TokenUsage) -> None:
        """Store an answer; failures to write (read-only disk, full disk) are ignored on purpose:
        the cache saves money, it must never fail a repair."""
        path = self._path(key)
        payload = json.dumps(
            {
                "format": CACHE_FORMAT,
                "text": text,
                "usage": {
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                },
            },
            ensure_ascii=False,
        )
        try:
            with self._lock:
                # The cache holds code under review: keep it private to the user.
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
                try:
                    with os.fdopen(handle, "w", encoding="utf-8") as stream:
                        stream.write(payload)
                    os.replace(temp, path)
                except BaseException:
                    Path(temp).unlink(missing_ok=True)
                    raise
        except OSError:
            return


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
