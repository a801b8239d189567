"""Talking to a chat model: any OpenAI-compatible endpoint, through the ``openai`` package.

``complete`` never raises for network or API trouble: the problem comes back as a short message
in ``Completion.error`` (free of the API key), so the repair loop can record the finding as
"unfixed: LLM unavailable (...)" and carry on. Retries are the ``openai`` client's own (408, 409,
429 and 5xx with jitter, honouring Retry-After), except that a call which timed out waiting for the
answer is not sent again: a slow local model would only generate the same answer once more. What
the client lacks is here: a circuit breaker that turns the LLM off for the rest of the run after a
few failed calls in a row or once the run's LLM deadline has passed.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence

from vulnloop.errors import ConfigError
from vulnloop.llm.cache import ResponseCache, cache_key
from vulnloop.llm.usage import TokenUsage

if TYPE_CHECKING:
    from openai import APIStatusError, DefaultHttpxClient

log = logging.getLogger(__name__)

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
    came from the cache (zero tokens).
    """

    text: str | None
    usage: TokenUsage
    error: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


class ChatModel(Protocol):
    name: str

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        context: Mapping[str, str] | None = None,
        temperature: float | None = None,
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


LLM_OFF = "LLM off for the rest of the run"


class CircuitBreaker:
    """Turns the LLM off for the rest of the run, for every thread: after ``failures`` failed
    calls in a row (unreachable, timing out, answering errors), or once ``deadline`` seconds have
    passed since the first call. ``on_open`` hears the reason once."""

    def __init__(
        self,
        *,
        failures: int = 3,
        deadline: float | None = None,
        on_open: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = max(failures, 1)
        self._deadline = deadline
        self._ends: float | None = None  # set by the first call: scanning is not LLM work
        self._clock = clock
        self._on_open = on_open
        self._in_a_row = 0
        self._reason: str | None = None
        self._lock = threading.Lock()

    def refusal(self) -> str | None:
        """Why no call may start, or None while the LLM is on."""
        if self._reason is None and self.seconds_left() == 0:
            self._open(f"the LLM deadline of {self._deadline:g}s (llm-deadline) has passed")
        return self._reason

    def seconds_left(self) -> float | None:
        if not self._deadline:
            return None
        with self._lock:
            if self._ends is None:
                self._ends = self._clock() + self._deadline
            return max(self._ends - self._clock(), 0.0)

    def succeeded(self) -> None:
        with self._lock:
            self._in_a_row = 0

    def failed(self, message: str) -> None:
        with self._lock:
            self._in_a_row += 1
            tripped = self._in_a_row >= self._limit
        if tripped:
            self._open(f"{self._limit} calls in a row failed, the last: {message}")

    def _open(self, why: str) -> None:
        with self._lock:
            if self._reason is not None:
                return
            self._reason = f"{LLM_OFF}: {why}"
        if self._on_open is not None:
            self._on_open(self._reason)


def check_base_url(url: str, *, what: str = "base-url") -> str:
    """``url`` when it can reach an endpoint (http or https, with a host), else ConfigError."""
    problem = None
    try:
        parts = urllib.parse.urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https"):
            problem = "it must start with http:// or https://"
        elif not parts.hostname:
            problem = "it names no host"
    if problem is not None:
        raise ConfigError(
            f"{what} {url!r} is not a usable URL ({problem}); give the endpoint's address, "
            "for example http://localhost:8000/v1"
        )
    return url.strip()


@dataclass(frozen=True)
class _Failure:
    message: str
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
        max_retries: int = 2,
        cache: ResponseCache | None = None,
        budget: TokenBudget | None = None,
        temperature: float | None = 0.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        import openai  # imported here: it takes half a second, and most commands never call an LLM

        self.name = model
        self.base_url = check_base_url(base_url) if base_url is not None else None
        self.timeout = float(timeout)
        self.max_retries = max(int(max_retries), 0)
        self.cache = cache
        self.budget = budget
        self.temperature = temperature
        self.breaker = breaker or CircuitBreaker()
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
                api_key=api_key, base_url=self.base_url, timeout=self.timeout, max_retries=self.max_retries,
                http_client=_http_client_without_timeout_retries(),
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
        self,
        messages: Sequence[ChatMessage],
        *,
        context: Mapping[str, str] | None = None,
        temperature: float | None = None,
    ) -> Completion:
        """``temperature`` overrides the model's for this call (a re-sample after a repeated answer)."""
        sampling = self.temperature if temperature is None else temperature
        # Last line of defence: our own key never leaves in a prompt, whatever the caller built.
        outgoing = [
            ChatMessage(m.role, _redact(m.content, self._secrets)) for m in messages
        ]
        key = cache_key(self.name, [(m.role, m.content) for m in outgoing], sampling)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return Completion(hit.text, TokenUsage(cached_calls=1), cached=True)
        refusal = self.breaker.refusal()
        if refusal is not None:
            return Completion(None, TokenUsage(), error=refusal)

        estimate = estimate_tokens(outgoing)
        if self.budget is not None and not self.budget.try_reserve(estimate):
            return Completion(None, TokenUsage(), error=self.budget.refusal())
        outcome: tuple[str, TokenUsage] | _Failure = _Failure("not called")
        try:
            outcome = self._attempt(outgoing, sampling)
        finally:
            if self.budget is not None:
                used = outcome.usage if isinstance(outcome, _Failure) else outcome[1]
                self.budget.settle(estimate, used.total)
        if isinstance(outcome, _Failure):
            usage = TokenUsage(outcome.usage.prompt_tokens, outcome.usage.completion_tokens, calls=1)
            return Completion(None, usage, error=outcome.message)
        text, usage = outcome
        if self.cache is not None:
            self.cache.put(key, text, usage)
        return Completion(text, usage)

    def _attempt(self, messages: Sequence[ChatMessage], temperature: float | None) -> tuple[str, TokenUsage] | _Failure:
        """One call (the client may retry inside it); transport failures count towards the breaker."""
        openai = self._openai
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        if temperature is not None:
            kwargs["temperature"] = temperature
        timeout, client = self.timeout, self._client
        left = self.breaker.seconds_left()
        if left is not None and left < timeout:  # the deadline cuts this call short: no time to retry
            timeout = max(left, 0.1)
            client = client.with_options(timeout=timeout, max_retries=0)
        try:
            response = client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            return self._transport_failure(f"timed out after {timeout:g}s")  # never sent again: see the module doc
        except openai.APIConnectionError as exc:
            return self._transport_failure(f"cannot reach the LLM endpoint ({self._safe(_root_cause(exc))})")
        except openai.APIStatusError as exc:
            detail = self._safe(_server_message(exc))
            return self._transport_failure(f"HTTP {int(exc.status_code)}" + (f": {detail}" if detail else ""))
        except openai.OpenAIError as exc:
            return _Failure(f"LLM client error: {self._safe(str(exc))}")
        except Exception as exc:  # an odd answer the client could not even decode
            return _Failure(f"unexpected answer from the LLM endpoint ({type(exc).__name__})")
        self.breaker.succeeded()
        return self._read(response)

    def _transport_failure(self, message: str) -> _Failure:
        self.breaker.failed(message)
        return _Failure(message)

    def _read(self, response: object) -> tuple[str, TokenUsage] | _Failure:
        # read defensively: an OpenAI-compatible endpoint may leave out fields the client does not check
        raw_usage = getattr(response, "usage", None)
        prompt_tokens = _count(getattr(raw_usage, "prompt_tokens", 0))
        completion_tokens = _count(getattr(raw_usage, "completion_tokens", 0))
        usage = TokenUsage(prompt_tokens, completion_tokens, calls=1)
        choices = getattr(response, "choices", None) or []
        if not choices:
            return _Failure("the answer had no choices", usage=usage)
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or not text.strip():
            reason = getattr(choices[0], "finish_reason", None)
            why = f" (finish reason: {self._safe(str(reason))})" if reason else ""
            return _Failure(f"the answer had no text{why}", usage=usage)
        return text, usage

    def _safe(self, text: str) -> str:
        return scrub(text, self._secrets)


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4 and secret in text:
            text = text.replace(secret, _REDACTED)
    return text


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _http_client_without_timeout_retries() -> DefaultHttpxClient:
    """The client's own HTTP client, except that an answer we timed out waiting for is an
    ``APITimeoutError`` at once: the ``openai`` client re-raises its own errors without retrying."""
    from openai import APITimeoutError, DefaultHttpxClient

    class Client(DefaultHttpxClient):
        # Any: the request and response are httpx's or httpx2's, whichever this openai release uses.
        def send(self, request: Any, **kwargs: Any) -> Any:
            try:
                return super().send(request, **kwargs)
            except Exception as exc:
                # ReadTimeout in httpx and httpx2 alike: the server took the request and is still working.
                if type(exc).__name__ == "ReadTimeout":
                    raise APITimeoutError(request=request) from exc
                raise

    return Client()


def _root_cause(exc: BaseException) -> str:
    cause: BaseException = exc
    while cause.__cause__ is not None and cause.__cause__ is not cause:
        cause = cause.__cause__
    text = str(cause) or type(cause).__name__
    return text


def _server_message(exc: APIStatusError) -> str:
    """The ``error.message`` of an OpenAI-style error body, else the response text."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    try:
        return exc.response.text or ""
    except Exception:  # a streamed body that cannot be read any more
        return ""
