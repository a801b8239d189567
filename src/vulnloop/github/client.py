"""A PyGithub client for the run, and patience with GitHub's secondary rate limits."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from vulnloop.errors import ConfigError

T = TypeVar("T")
Sleep = Callable[[float], None]

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class Pacing:
    """PyGithub's spacing of requests and its own retries. ``Pacing.none()`` for a local test server."""

    seconds_between_requests: float | None = 0.25
    seconds_between_writes: float | None = 1.0
    retries: bool = True

    @classmethod
    def none(cls) -> Pacing:
        return cls(0.0, 0.0, False)

    @classmethod
    def parse(cls, text: str | None) -> Pacing:
        """``VULNLOOP_GITHUB_PACING``: unset for GitHub's recommended pacing, '0' for none."""
        if text is None or not text.strip():
            return cls()
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds):
            raise ConfigError(
                f"VULNLOOP_GITHUB_PACING={text!r}: expected seconds between GitHub requests (0 for none)"
            )
        return cls.none() if seconds <= 0 else cls(seconds, max(seconds, 1.0), True)


def connect(api_url: str, token: str, pacing: Pacing | None = None) -> Any:
    """A lazy PyGithub client: objects are fetched only when a field not yet known is read."""
    import github
    from github import Auth

    pacing = pacing or Pacing()
    kwargs: dict[str, Any] = {
        "base_url": (api_url or DEFAULT_API_URL).rstrip("/"),
        "auth": Auth.Token(token) if token else None,
        "per_page": 100,
        "lazy": True,
        "seconds_between_requests": pacing.seconds_between_requests,
        "seconds_between_writes": pacing.seconds_between_writes,
        "timeout": 30,
        "user_agent": "vulnloop-action",
    }
    if not pacing.retries:
        kwargs["retry"] = None
    return github.Github(**kwargs)


def github_errors() -> tuple[type[Exception], ...]:
    """What talking to GitHub may raise: its answers (GithubException) and the transport's."""
    from github import GithubException
    from requests import RequestException

    return (GithubException, RequestException, OSError)


def retry_after_seconds(exc: Exception) -> float | None:
    """Seconds to wait when ``exc`` is a rate-limit answer (403/429 with Retry-After or saying so)."""
    status = getattr(exc, "status", None)
    if status not in (403, 429):
        return None
    headers = {str(k).lower(): str(v) for k, v in (getattr(exc, "headers", None) or {}).items()}
    if "retry-after" in headers:
        try:
            return max(float(headers["retry-after"]), 0.0)
        except ValueError:
            return 60.0
    data = getattr(exc, "data", None)
    message = str(data.get("message", "")) if isinstance(data, dict) else str(data or "")
    if "rate limit" in message.lower():
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining == "0" and reset and reset.isdigit():
            return max(float(reset) - time.time(), 1.0)
        return 60.0
    return None


def with_backoff(
    call: Callable[[], T],
    *,
    attempts: int = 4,
    max_wait: float = 120.0,
    sleep: Sleep = time.sleep,
    log: Callable[[str], None] | None = None,
) -> T:
    """Run ``call``; on a rate-limit answer wait as told (at most ``max_wait``) and try again."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except github_errors() as exc:
            wait = retry_after_seconds(exc)
            if wait is None or attempt == attempts or wait > max_wait:
                raise
            if log:
                log(f"GitHub asks us to slow down (secondary rate limit): waiting {wait:.0f} s")
            sleep(wait)
    raise AssertionError("unreachable")
