"""Talking to a chat model: any OpenAI-compatible endpoint, through the ``openai`` package.

``complete`` never raises for network or API trouble: the problem comes back as a short message
in ``Completion.error`` (free of the API key), so the repair loop can record the finding as
"unfixed: LLM unavailable (...)" and carry on. Retries are ours, not the ``openai`` client's
(we build it with ``max_retries=0``): exponential backoff with jitter on timeouts, connection
errors, 408, 409, 429 and 5xx, honouring ``Retry-After`` up to a limit, and counted per call.
"""
from __future__ import annotations

import email.utils
import logging
import math
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol, Sequence

from vulnloop.errors import ConfigError
from vulnloop.llm.cache import ResponseCache, cache_key
from vulnloop.repair.ledger import TokenUsage

log = logging.getLogger(__name__)

_RETRY_STATUSES = frozenset({408, 409, 429})
_ERROR_LIMIT = 200  # characters of a server's error text worth keeping
_REDACTED = "<redacted>"


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class Completion:
    """A model's answer, or why there is none.

    ``usage.calls`` counts answers that came from the endpoint, ``usage.cached_calls`` those that
    came from the cache (zero tokens). ``attempts`` counts HTTP requests, retries included.
    """

    text: str | None
    usage: TokenUsage
    error: str | None = None
    cached: bool = False
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


class ChatModel(Protocol):
    name: str

    def complete(
        self, messages: Sequence[ChatMessage], *, context: Mapping[str, str] | None = None
    ) -> Completion:
        """Answer the conversation. ``context`` holds hints (task_id, stage, round, path) that
        a replay model may use to find a recorded answer; real models ignore it."""


def api_key_from_env(env_var: str = "OPENAI_API_KEY") -> str | None:
    """The key in ``env_var``, or None when unset or blank."""
    value = os.environ.get(env_var, "").strip()
    return value or None


class TokenBudget:
    """A shared allowance of tokens for one run; thread-safe.

    A call may start while ``spent + reserved < limit``; it reserves its estimated prompt size
    until it settles with the real usage, so concurrent repairs cannot all start on the last few
    tokens. ``limit=None`` means no limit.
    """

    def __init__(self, limit: int | None) -> None:
        if limit is not None and limit < 0:
            raise ValueError("a token budget cannot be negative")
        self.limit = limit
        self._spent = 0
        self._reserved = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBudget(limit={self.limit}, spent={self.spent})"

    @property
    def spent(self) -> int:
        with self._lock:
            return self._spent

    @property
    def remaining(self) -> int | None:
        if self.limit is None:
            return None
        with self._lock:
            return max(self.limit - self._spent, 0)

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self.limit is not None and self._spent >= self.limit

    def try_reserve(self, estimate: int) -> bool:
        """Reserve ``estimate`` tokens for a call about to start; False when the budget is spent."""
        with self._lock:
            if self.limit is not None and self._spent + self._reserved >= self.limit:
                return False
            self._reserved += max(estimate, 0)
            return True

    def settle(self, estimate: int, used: int) -> None:
        """Replace a reservation by what the call really used."""
        with self._lock:
            self._reserved = max(self._reserved - max(estimate, 0), 0)
            self._spent += max(used, 0)

    def refusal(self) -> str:
        with self._lock:
            return f"token budget exhausted (spent {self._spent} of {self.limit} tokens)"


def estimate_tokens(messages: Sequence[ChatMessage]) -> int:
    """A rough prompt size (4 characters a token) used only for budget reservations."""
    return sum(len(m.content) for m in messages) // 4 + 8 * len(messages)


def scrub(text: str, secrets: Sequence[str] = ()) -> str:
    """Make a message safe to show: drop known secrets and anything shaped like a key or bearer
    token, fold whitespace, and cut it short."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
    text = re.sub(r"(?i)(bearer\s+)\S+", r"\1" + _REDACTED, text)
    text = re.sub(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*]{6,}", _REDACTED, text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= _ERROR_LIMIT else text[: _ERROR_LIMIT - 3] + "..."


def parse_retry_after(headers: Mapping[str, str] | Any, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    milliseconds = getter("retry-after-ms")
    if milliseconds:
        try:
            value = float(milliseconds) / 1000
            return value if math.isfinite(value) and value >= 0 else None
        except ValueError:
            pass
    text = getter("retry-after")
    if not text:
        return None
    try:
        value = float(text)
        return value if math.isfinite(value) and value >= 0 else None
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(str(text))
    except (TypeError, ValueError, IndexError):
        return None
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)


@dataclass(frozen=True)
class _Failure:
    """One failed attempt: whether another may follow, how long the endpoint asks us to wait."""

    message: str
    retryable: bool
    retry_after: float | None = None
    usage: TokenUsage = TokenUsage()


class OpenAIChatModel:
    """A ``ChatModel`` for any OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key: str,
        timeout: float = 60,
        max_retries: int = 4,
        cache: ResponseCache | None = None,
        budget: TokenBudget | None = None,
        temperature: float | None = 0.0,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        import openai  # imported here: it takes half a second, and most commands never call an LLM

        self.name = model
        self.base_url = base_url
        self.timeout = float(timeout)
        self.max_retries = max(int(max_retries), 0)
        self.cache = cache
        self.budget = budget
        self.temperature = temperature
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._random = random_fraction
        if not api_key.strip():
            if base_url is None:
                raise ConfigError(
                    "no API key for the LLM: set the environment variable named by api-key-env "
                    "(OPENAI_API_KEY by default), or turn the LLM off with --no-llm"
                )
            api_key = "not-needed"  # a local endpoint (Ollama, vLLM...) that takes no key
            self._secrets: tuple[str, ...] = ()
        else:
            self._secrets = (api_key,)
        self._openai = openai
        try:
            self._client = openai.OpenAI(
                api_key=api_key, base_url=base_url, timeout=self.timeout, max_retries=0
            )
        except (openai.OpenAIError, ValueError) as exc:
            raise ConfigError(f"cannot set up the LLM client: {scrub(str(exc), self._secrets)}") from None

    def __repr__(self) -> str:
        return f"OpenAIChatModel(model={self.name!r}, base_url={self.base_url!r})"

    __str__ = __repr__

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the one public call ---------------------------------------------------------------
    def complete(
        self, messages: Sequence[ChatMessage], *, context: Mapping[str, str] | None = None
    ) -> Completion:
        # Last line of defence: our own key never leaves in a prompt, whatever the caller built.
        outgoing = [
            ChatMessage(m.role, _redact(m.content, self._secrets)) for m in messages
        ]
        key = cache_key(self.name, [(m.role, m.content) for m in outgoing], self.temperature)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return Completion(hit.text, TokenUsage(cached_calls=1), cached=True)

        estimate = estimate_tokens(outgoing)
        if self.budget is not None and not self.budget.try_reserve(estimate):
            return Completion(None, TokenUsage(), error=self.budget.refusal())
        usage = TokenUsage(calls=1)
        try:
            text, usage, error, attempts = self._call_with_retries(outgoing)
        finally:
            if self.budget is not None:
                self.budget.settle(estimate, usage.total)
        if error is None and text is not None and self.cache is not None:
            self.cache.put(key, text, usage)
        return Completion(text, usage, error=error, attempts=attempts)

    # -- retries ---------------------------------------------------------------------------
    def _call_with_retries(
        self, messages: Sequence[ChatMessage]
    ) -> tuple[str | None, TokenUsage, str | None, int]:
        attempts = 0
        spent = TokenUsage()
        while True:
            attempts += 1
            outcome = self._attempt(messages)
            if not isinstance(outcome, _Failure):
                text, usage = outcome
                return text, TokenUsage(
                    usage.prompt_tokens + spent.prompt_tokens,
                    usage.completion_tokens + spent.completion_tokens,
                    calls=1,
                ), None, attempts
            spent = spent + outcome.usage
            failed = TokenUsage(spent.prompt_tokens, spent.completion_tokens, calls=1)
            if not outcome.retryable or attempts > self.max_retries:
                return None, failed, _with_attempts(outcome.message, attempts), attempts
            delay = self._delay(attempts, outcome.retry_after)
            if delay is None:
                message = (
                    f"{outcome.message}; the endpoint asks to wait {outcome.retry_after:.0f}s, "
                    f"more than the {self._max_retry_after:.0f}s allowed"
                )
                return None, failed, _with_attempts(message, attempts), attempts
            log.info("LLM call failed (%s); retry %d in %.1fs", outcome.message, attempts, delay)
            self._sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds before the next attempt; None when the endpoint asks for more than we allow."""
        if retry_after is not None:
            if retry_after > self._max_retry_after:
                return None
            return retry_after
        ceiling = min(self._backoff * 2.0 ** min(attempt - 1, 60), self._max_backoff)
        # "Equal jitter": at least half the exponential step, so retries spread yet still back off.
        return ceiling / 2 + ceiling / 2 * self._random()

    def _attempt(self, messages: Sequence[ChatMessage]) -> tuple[str | None, TokenUsage] | _Failure:
        openai = self._openai
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        try:
            response = self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            return _Failure(f"timed out after {self.timeout:g}s", retryable=True)
        except openai.APIConnectionError as exc:
            return _Failure(
                f"cannot reach the LLM endpoint ({self._safe(_root_cause(exc))})", retryable=True
            )
        except openai.APIStatusError as exc:
            status = int(exc.status_code)
            detail = self._safe(_server_message(exc))
            message = f"HTTP {status}" + (f": {detail}" if detail else "")
            retryable = status in _RETRY_STATUSES or status >= 500
            retry_after = parse_retry_after(getattr(exc.response, "headers", None))
            return _Failure(message, retryable, retry_after)
        except openai.OpenAIError as exc:
            return _Failure(f"LLM client error: {self._safe(str(exc))}", retryable=False)
        except Exception as exc:  # an odd answer the client could not even decode
            return _Failure(
                f"unexpected answer from the LLM endpoint ({type(exc).__name__})", retryable=False
            )
        return self._read(response)

    def _read(self, response: Any) -> tuple[str | None, TokenUsage] | _Failure:
        raw_usage = getattr(response, "usage", None)
        prompt_tokens = _count(getattr(raw_usage, "prompt_tokens", 0))
        completion_tokens = _count(getattr(raw_usage, "completion_tokens", 0))
        usage = TokenUsage(prompt_tokens, completion_tokens, calls=1)
        choices = getattr(response, "choices", None) or []
        if not choices:
            return _Failure("the answer had no choices", retryable=False, usage=usage)
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or not text.strip():
            reason = getattr(choices[0], "finish_reason", None)
            why = f" (finish reason: {self._safe(str(reason))})" if reason else ""
            return _Failure(f"the answer had no text{why}", retryable=False, usage=usage)
        return text, usage

    def _safe(self, text: str) -> str:
        return scrub(text, self._secrets)


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, _REDACTED)
    return text


def _with_attempts(message: str, attempts: int) -> str:
    return message if attempts == 1 else f"{message} ({attempts} attempts)"


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _root_cause(exc: BaseException) -> str:
    cause: BaseException = exc
    while cause.__cause__ is not None and cause.__cause__ is not cause:
        cause = cause.__cause__
    text = str(cause) or type(cause).__name__
    return text


def _server_message(exc: Any) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the response text."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    response = getattr(exc, "response", None)
    try:
        return str(getattr(response, "text", "") or "")
    except Exception:  # a streamed body that cannot be read any more
        return ""
