"""Posting one pull-request review with line comments, without losing it to one bad comment.

GitHub rejects a whole review (HTTP 422) when any comment is not anchored where it accepts one.
When that happens we find the offending comments by bisection, probing halves as *pending*
reviews (never shown to anyone, deleted at once), and move them into the review body. A review
carries at most ``per_review`` comments (very large reviews are reported to fail); more go in
further reviews. Every comment holds a hidden marker, so a re-run can skip what is already there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from vulnloop.github.client import github_errors
from vulnloop.report.review_comments import (
    MAX_BODY,
    REVIEW_MARKER,
    TRAILER,
    Demoted,
    Prior,
    ReviewComment,
    trailer,
    trailer_keys,
)

if TYPE_CHECKING:
    from github import Github
    from github.Commit import Commit
    from github.NamedUser import NamedUser
    from github.PullRequest import PullRequest
    from github.PullRequest import ReviewComment as CommentPayload
    from github.PullRequestReview import PullRequestReview

Log = Callable[[str], None]


def token_identity(gh: Github) -> str | None:
    """The login the token posts as, when GitHub tells (a personal access token's user); None for
    the workflow's GITHUB_TOKEN or an app's token, which may not call GET /user and post as a bot."""
    try:
        login = gh.get_user().login
    except github_errors():  # 403 "Resource not accessible by integration", or GitHub unreachable
        return None
    return login if isinstance(login, str) and login else None


def _trusted(user: NamedUser | None, identity: str | None) -> bool:
    """Markers count only from the account this run posts as: anyone can comment on a public pull
    request, and a forged marker must not silence a finding. ``identity`` is that account's login
    when known; otherwise the token is a bot's (GITHUB_TOKEN or an app), so bot accounts count."""
    if user is None:
        return False
    if identity is not None:
        return user.login == identity
    return user.type == "Bot"


def read_prior(pull: PullRequest, *, identity: str | None = None) -> Prior:
    comments: dict[str, list[tuple[str, int | None]]] = {}
    for comment in pull.get_review_comments():
        if not _trusted(comment.user, identity):
            continue
        for key in trailer_keys(comment.body or ""):
            comments.setdefault(key, []).append((comment.path, comment.line))
    body_keys: set[str] = set()
    for review in pull.get_reviews():
        body = review.body or ""
        if body.startswith(REVIEW_MARKER) and _trusted(review.user, identity):
            body_keys.update(trailer_keys(body))
    return Prior({k: tuple(v) for k, v in comments.items()}, frozenset(body_keys))


@dataclass
class PostResult:
    review_urls: list[str] = field(default_factory=list)
    posted: list[ReviewComment] = field(default_factory=list)
    demoted: list[Demoted] = field(default_factory=list)
    denied: str | None = None  # the token may not write reviews: why
    error: str | None = None  # anything else that stopped the posting


def payload(comment: ReviewComment) -> CommentPayload:
    """The comment as the create-review call takes it: on the pull request's head side (RIGHT)."""
    out: CommentPayload = {"path": comment.path, "line": comment.line, "side": "RIGHT", "body": comment.body}
    if comment.start_line is not None and comment.start_line < comment.line:
        out["start_line"] = comment.start_line
        out["start_side"] = "RIGHT"
    return out


def _status(exc: Exception) -> int | None:
    from github import GithubException

    return exc.status if isinstance(exc, GithubException) else None


def _reason(exc: Exception) -> str:
    from github import GithubException

    data = exc.data if isinstance(exc, GithubException) else None
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            parts = [e if isinstance(e, str) else str(e.get("message") or e) for e in errors]
            return "; ".join(parts)
        if data.get("message"):
            return str(data["message"])
    return str(exc)


def fit_body(body: str) -> str:
    if len(body) <= MAX_BODY:
        return body
    lines = body.rstrip().splitlines()
    last = lines[-1] if lines and TRAILER.fullmatch(lines[-1].strip()) else ""
    note = "\n\n_(cut: the review body reached GitHub's size limit; the job summary has everything)_\n"
    return body[: MAX_BODY - len(note) - len(last) - 1] + note + last


def with_demoted(body: str, demoted: Sequence[Demoted], render: Callable[[Sequence[Demoted]], str]) -> str:
    """``body`` with the demoted comments added before its trailer, and their keys in it."""
    keys = trailer_keys(body)
    lines = body.rstrip().splitlines()
    if keys:
        lines = lines[:-1]
    for item in demoted:
        keys.extend(k for k in item.comment.keys if k not in keys)
    return "\n".join(lines).rstrip() + "\n\n" + render(demoted).strip() + "\n\n" + trailer(keys) + "\n"


class ReviewPoster:
    def __init__(
        self,
        pull: PullRequest,
        commit: Commit,
        *,
        per_review: int = 30,
        log: Log = lambda m: None,
    ) -> None:
        self.pull = pull
        self.commit = commit
        self.per_review = max(per_review, 1)
        self.log = log
        self.probes = 0

    def _create(self, body: str | None, comments: Sequence[ReviewComment], *, pending: bool = False) -> PullRequestReview:
        from github.GithubObject import NotSet

        return self.pull.create_review(
            commit=self.commit,
            body=fit_body(body) if body is not None else NotSet,
            event=NotSet if pending else "COMMENT",
            comments=[payload(c) for c in comments],
        )

    def _probe(self, comments: Sequence[ReviewComment]) -> str | None:
        """None when GitHub accepts these comments (as a pending review, deleted at once), else why not."""
        self.probes += 1
        for attempt in (1, 2):
            try:
                review = self._create(None, comments, pending=True)
            except github_errors() as exc:
                reason = _reason(exc)
                if _status(exc) == 422 and "pending review" in reason and attempt == 1:
                    self._delete_stale_pending()
                    continue
                if _status(exc) != 422:
                    raise
                return reason
            review.delete()
            return None
        return "GitHub keeps a pending review of this account on the pull request"

    def _delete_stale_pending(self) -> None:
        for review in self.pull.get_reviews():
            if review.state == "PENDING":
                review.delete()

    def _find_bad(self, group: Sequence[ReviewComment], reason: str, *, probed: bool) -> list[Demoted]:
        """The comments GitHub refuses among ``group``, which it refused as a whole with ``reason``.

        ``probed``: a probe of exactly ``group`` was refused. Otherwise the refusal is inferred (the
        group's sibling passed) or came from the real review, whose body a probe lacks, so a single
        comment is blamed only once a probe of it alone is refused.
        """
        if len(group) == 1:
            if not probed:
                alone = self._probe(group)
                if alone is None:  # fine alone: the refusal was not about this comment
                    return []
                reason = alone
            return [Demoted(group[0], reason)]
        half = len(group) // 2
        left, right = group[:half], group[half:]
        left_reason = self._probe(left)
        if left_reason is None:  # the whole failed, the left half is fine: the culprit, if any, is on the right
            return self._find_bad(right, reason, probed=False)
        bad = self._find_bad(left, left_reason, probed=True)
        right_reason = self._probe(right)
        if right_reason is not None:
            bad.extend(self._find_bad(right, right_reason, probed=True))
        return bad

    def post(
        self,
        body: str,
        comments: Sequence[ReviewComment],
        *,
        continuation: Callable[[int, int], str],
        demoted_text: Callable[[Sequence[Demoted]], str],
    ) -> PostResult:
        from github import RateLimitExceededException  # one PyGithub's retries gave up on, or made without them

        result = PostResult()
        chunks = [list(comments[i : i + self.per_review]) for i in range(0, len(comments), self.per_review)] or [[]]
        for index, chunk in enumerate(chunks):
            head = body if index == 0 else continuation(index + 1, len(chunks))
            try:
                review = self._create(head, chunk)
            except github_errors() as exc:
                status = _status(exc)
                if status in (401, 403, 404) and not isinstance(exc, RateLimitExceededException):
                    result.denied = _reason(exc)
                    return result
                if status != 422:
                    result.error = f"GitHub answered {status or 'an error'}: {_reason(exc)}"
                    return result
                self.log(f"GitHub refused the review ({_reason(exc)}): looking for the comments it refuses")
                try:
                    bad = self._find_bad(chunk, _reason(exc), probed=False) if chunk else []
                except github_errors() as probe_exc:
                    result.error = f"could not find the refused comments: {_reason(probe_exc)}"
                    return result
                if not bad:  # no comment is refused alone: give up on line comments for this part
                    whole = f"GitHub refused the review as a whole ({_reason(exc)}), not one of its comments"
                    bad = [Demoted(c, whole) for c in chunk]
                bad_keys = {id(d.comment) for d in bad}
                good = [c for c in chunk if id(c) not in bad_keys]
                try:
                    review = self._create(with_demoted(head, bad, demoted_text), good)
                except github_errors() as retry_exc:
                    result.error = f"GitHub refused the review again: {_reason(retry_exc)}"
                    return result
                result.demoted.extend(bad)
                chunk = good
            result.review_urls.append(review.html_url)
            result.posted.extend(chunk)
        return result
