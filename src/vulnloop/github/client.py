"""A PyGithub client for the run: its pacing of requests and its own retries."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vulnloop.errors import ConfigError

if TYPE_CHECKING:
    from github import Github

DEFAULT_API_URL = "https://api.github.com"
RETRIES = 4  # attempts after the first, each waiting as GitHub says (Retry-After) or backing off


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


def connect(api_url: str, token: str, pacing: Pacing | None = None) -> Github:
    """A lazy PyGithub client: objects are fetched only when a field not yet known is read.

    Its own GithubRetry waits out secondary rate limits (403 with Retry-After or saying so, 429)
    and retries 5xx; a 403 that is not a rate limit is raised at once.
    """
    from github import Auth, Github, GithubRetry

    pacing = pacing or Pacing()
    retry = GithubRetry(total=RETRIES, backoff_factor=1.0, status_forcelist=[429, *range(500, 600)]) if pacing.retries else None
    return Github(
        base_url=(api_url or DEFAULT_API_URL).rstrip("/"),
        auth=Auth.Token(token) if token else None,
        per_page=100,
        lazy=True,
        seconds_between_requests=pacing.seconds_between_requests,
        seconds_between_writes=pacing.seconds_between_writes,
        timeout=30,
        user_agent="vulnloop-action",
        retry=retry,
    )


def github_errors() -> tuple[type[Exception], ...]:
    """What talking to GitHub may raise: its answers (GithubException) and the transport's."""
    from github import GithubException
    from requests import RequestException

    return (GithubException, RequestException, OSError)
