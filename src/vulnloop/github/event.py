"""The event that started the workflow run, as GitHub writes it to ``GITHUB_EVENT_PATH``."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from vulnloop.errors import ConfigError

PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
SUPPORTED_EVENTS = (*PULL_REQUEST_EVENTS, "push", "workflow_dispatch")
ZERO_SHA = "0" * 40


@dataclass(frozen=True)
class PullRequestInfo:
    number: int
    head_sha: str
    base_sha: str
    head_repo: str  # owner/name the head branch lives in ('' when the fork was deleted)
    base_repo: str
    changed_files: int | None  # as GitHub counted them; None when the payload does not say
    author: str

    @property
    def from_fork(self) -> bool:
        return self.head_repo != self.base_repo


@dataclass(frozen=True)
class PushInfo:
    before: str
    after: str
    paths: tuple[str, ...]  # files added or modified by the pushed commits, per the payload

    @property
    def creates_branch(self) -> bool:
        return not self.before or self.before == ZERO_SHA


@dataclass(frozen=True)
class ActionEvent:
    name: str
    repository: str  # owner/name
    actor: str
    pull_request: PullRequestInfo | None = None
    push: PushInfo | None = None
    public_repository: bool = False  # only when the payload says so: CodeQL's licence depends on it


def _is_public(payload: Mapping[str, Any]) -> bool:
    """True only when the payload's repository is plainly public; anything unclear counts as private."""
    repository = payload.get("repository")
    if not isinstance(repository, Mapping):
        return False
    visibility = repository.get("visibility")
    if visibility is not None:
        return visibility == "public" and repository.get("private") is not True
    return repository.get("private") is False


def _text(mapping: Mapping[str, Any], *keys: str) -> str:
    node: Any = mapping
    for key in keys:
        if not isinstance(node, Mapping):
            return ""
        node = node.get(key)
    return node if isinstance(node, str) else ""


def parse_event(name: str, payload: Mapping[str, Any], *, repository: str = "", actor: str = "") -> ActionEvent:
    repository = repository or _text(payload, "repository", "full_name")
    actor = actor or _text(payload, "sender", "login")
    public = _is_public(payload)
    if name in PULL_REQUEST_EVENTS:
        pr = payload.get("pull_request")
        if not isinstance(pr, Mapping):
            raise ConfigError(f"the {name} event has no pull_request object")
        number = pr.get("number", payload.get("number"))
        head_sha, base_sha = _text(pr, "head", "sha"), _text(pr, "base", "sha")
        if not isinstance(number, int) or not head_sha or not base_sha:
            raise ConfigError(f"the {name} event lacks the pull request's number, head or base commit")
        changed = pr.get("changed_files")
        info = PullRequestInfo(
            number=number,
            head_sha=head_sha,
            base_sha=base_sha,
            head_repo=_text(pr, "head", "repo", "full_name"),
            base_repo=_text(pr, "base", "repo", "full_name") or repository,
            changed_files=changed if isinstance(changed, int) else None,
            author=_text(pr, "user", "login"),
        )
        return ActionEvent(name, repository, actor, pull_request=info, public_repository=public)
    if name == "push":
        paths: list[str] = []
        for commit in payload.get("commits") or []:
            if isinstance(commit, Mapping):
                for key in ("added", "modified"):
                    paths.extend(p for p in commit.get(key) or [] if isinstance(p, str) and p not in paths)
        push = PushInfo(_text(payload, "before"), _text(payload, "after"), tuple(paths))
        return ActionEvent(name, repository, actor, push=push, public_repository=public)
    return ActionEvent(name, repository, actor, public_repository=public)


def read_event(environ: Mapping[str, str]) -> ActionEvent:
    """The event named by ``GITHUB_EVENT_NAME`` with its payload from ``GITHUB_EVENT_PATH``."""
    name = environ.get("GITHUB_EVENT_NAME", "").strip()
    if not name:
        raise ConfigError("GITHUB_EVENT_NAME is not set: `vulnloop action` runs inside a GitHub Actions job")
    payload: Mapping[str, Any] = {}
    event_path = environ.get("GITHUB_EVENT_PATH", "").strip()
    if event_path:
        try:
            loaded = json.loads(Path(event_path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"GITHUB_EVENT_PATH {event_path}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ConfigError(f"GITHUB_EVENT_PATH {event_path}: not JSON: {exc}") from None
        if isinstance(loaded, Mapping):
            payload = loaded
    elif name in (*PULL_REQUEST_EVENTS, "push"):
        raise ConfigError(f"GITHUB_EVENT_PATH is not set, so the {name} event cannot be read")
    return parse_event(
        name,
        payload,
        repository=environ.get("GITHUB_REPOSITORY", ""),
        actor=environ.get("GITHUB_ACTOR", ""),
    )
