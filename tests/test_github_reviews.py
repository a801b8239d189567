"""Posting reviews through PyGithub to the fake GitHub: batching, 422 bisection, permissions, back-off."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_helpers import NAME, NUMBER, OWNER, fake_github_for, make_pr_repo

from vulnloop.github.client import Pacing, connect
from vulnloop.github.reviews import (
    REVIEW_MARKER,
    ReviewComment,
    ReviewPoster,
    payload,
    read_prior,
    trailer,
    trailer_keys,
)
from vulnloop.report.review import continuation_body, demoted_text

BASE = {"app.py": "".join(f"x{i} = {i}\n" for i in range(1, 121))}
# Every line from 1 to 100 changes: one long hunk; lines 101-120 stay out of the diff except context.
HEAD = {"app.py": "".join(f"x{i} = {i * 10}\n" if i <= 100 else f"x{i} = {i}\n" for i in range(1, 121))}


@pytest.fixture
def repo(tmp_path: Path) -> Any:
    return make_pr_repo(tmp_path, BASE, HEAD)


RETRYING = Pacing(0.0, 0.0, True)  # PyGithub's own retries on, no spacing between requests


def pull_and_commit(fake: Any, pacing: Pacing = Pacing.none()) -> tuple[Any, Any]:
    gh = connect(fake.base_url, fake.token, pacing)
    repo = gh.get_repo(f"{OWNER}/{NAME}")
    return repo.get_pull(NUMBER), repo.get_commit(fake.head_sha)


def comment(line: int, key: str | None = None, start: int | None = None) -> ReviewComment:
    key = key or f"k{line}"
    return ReviewComment((key,), "app.py", line, start, f"finding at {line}\n\n{trailer([key])}")


def post(poster: ReviewPoster, comments: list[ReviewComment], body: str = f"{REVIEW_MARKER}\nsummary\n") -> Any:
    return poster.post(body, comments, continuation=continuation_body, demoted_text=demoted_text)


def test_comments_go_in_batches_of_at_most_30(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        pull, commit = pull_and_commit(fake)
        result = post(ReviewPoster(pull, commit), [comment(n) for n in range(1, 66)])
        assert result.error is None and result.denied is None
        reviews = fake.submitted_reviews
        assert [len(fake.comments_of(r)) for r in reviews] == [30, 30, 5]
        assert all(r["commit_id"] == fake.head_sha and r["event"] == "COMMENT" for r in reviews)
        assert "summary" in reviews[0]["body"] and "part 2 of 3" in reviews[1]["body"]
        assert len(result.posted) == 65 and len(result.review_urls) == 3
        assert fake.problems == []


def test_refused_comments_are_found_and_moved_to_the_body(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        pull, commit = pull_and_commit(fake)
        good = [comment(n) for n in (2, 10, 20, 40, 50, 60, 70)]
        outside = comment(110, "far")  # line 110 is not in the diff
        reversed_range = comment(30, "rev", start=30)  # payload drops start_line == line, so this one is fine
        bad_range = ReviewComment(("span",), "app.py", 112, 5, f"x\n\n{trailer(['span'])}")
        poster = ReviewPoster(pull, commit)
        result = post(poster, [*good[:3], outside, *good[3:], bad_range, reversed_range])
        assert result.error is None
        assert {d.comment.keys[0] for d in result.demoted} == {"far", "span"}
        assert all("part of the diff" in d.reason for d in result.demoted)
        [review] = fake.submitted_reviews  # still one review
        posted_lines = sorted(c["line"] for c in fake.comments_of(review))
        assert posted_lines == [2, 10, 20, 30, 40, 50, 60, 70]
        assert "did not accept" in review["body"] and "finding at 110" in review["body"]
        assert set(trailer_keys(review["body"])) == {"far", "span"}  # a re-run will know them
        assert not any(r["state"] == "PENDING" for r in fake.reviews)  # probes cleaned up
        assert poster.probes <= 10
        assert fake.problems == []


def test_a_refusal_github_does_not_explain_is_still_handled(repo: Any) -> None:
    def refuse(payload: Any) -> str | None:
        return "Something went wrong" if payload["line"] == 50 else None

    with fake_github_for(repo, reject_comment=refuse) as fake:
        pull, commit = pull_and_commit(fake)
        result = post(ReviewPoster(pull, commit), [comment(n) for n in range(40, 60)])
        assert [d.comment.line for d in result.demoted] == [50]
        assert len(fake.comments_of(fake.submitted_reviews[0])) == 19


def test_a_refusal_of_the_whole_review_blames_no_comment_untested(repo: Any) -> None:
    # GitHub refuses the submitted review (not a comment of it): every probe passes, so no one
    # comment may be moved to the body for it. The review then goes out with the comments in its body.
    def refuse(payload: Any) -> str | None:
        return "Review could not be processed" if len(payload.get("comments", [])) >= 2 else None

    with fake_github_for(repo, reject_review=refuse) as fake:
        pull, commit = pull_and_commit(fake)
        poster = ReviewPoster(pull, commit)
        result = post(poster, [comment(n) for n in (3, 5, 8)])
        assert result.error is None and fake.problems == []
        assert [d.comment.line for d in result.demoted] == [3, 5, 8]
        assert all("as a whole" in d.reason and "Review could not be processed" in d.reason for d in result.demoted)
        [review] = fake.submitted_reviews
        assert fake.comments_of(review) == [] and set(trailer_keys(review["body"])) == {"k3", "k5", "k8"}
        assert poster.probes == 3  # [3] passes, [5] passes, then [8] is tried alone before any blame
        assert not any(r["state"] == "PENDING" for r in fake.reviews)


def test_a_bad_comment_last_in_line_is_still_found_alone(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        pull, commit = pull_and_commit(fake)
        poster = ReviewPoster(pull, commit)
        result = post(poster, [comment(3), comment(5), comment(110, "far")])
        assert [d.comment.keys for d in result.demoted] == [("far",)]
        assert "part of the diff" in result.demoted[0].reason
        assert [c["line"] for c in fake.comments_of(fake.submitted_reviews[0])] == [3, 5]


def test_a_stale_pending_review_does_not_break_the_bisection(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        pull, commit = pull_and_commit(fake)
        pull.create_review(commit=commit, comments=[payload(comment(3))])  # left over: pending
        result = post(ReviewPoster(pull, commit), [comment(5), comment(110)])
        assert [d.comment.line for d in result.demoted] == [110]
        assert [len(fake.comments_of(r)) for r in fake.submitted_reviews] == [1]


def test_a_read_only_token_is_reported_not_raised(repo: Any) -> None:
    with fake_github_for(repo, read_only=True) as fake:
        pull, commit = pull_and_commit(fake)
        result = post(ReviewPoster(pull, commit), [comment(5)])
        assert result.denied and "not accessible" in result.denied
        assert result.posted == [] and fake.reviews == []


def test_a_secondary_rate_limit_is_waited_out_by_pygithubs_own_retries(repo: Any) -> None:
    with fake_github_for(repo, throttle_posts=1, retry_after="1") as fake:
        pull, commit = pull_and_commit(fake, RETRYING)
        result = post(ReviewPoster(pull, commit), [comment(5)])
        assert result.error is None and result.denied is None
        assert [r.status for r in fake.requests if r.method == "POST"] == [403, 200]  # waited 1 s, then posted
        assert len(result.posted) == 1 and len(fake.submitted_reviews) == 1
        assert fake.problems == []


def test_a_permanent_403_is_reported_after_one_request_not_retried(repo: Any) -> None:
    with fake_github_for(repo, read_only=True) as fake:
        pull, commit = pull_and_commit(fake, RETRYING)
        result = post(ReviewPoster(pull, commit), [comment(5)])
        assert result.denied and "not accessible" in result.denied
        assert [r.status for r in fake.requests if r.method == "POST"] == [403]


def test_without_retries_a_rate_limit_is_an_error_not_a_denial(repo: Any) -> None:
    with fake_github_for(repo, throttle_posts=1, retry_after="1") as fake:
        pull, commit = pull_and_commit(fake)
        result = post(ReviewPoster(pull, commit), [comment(5)])
        assert result.posted == [] and len([r for r in fake.requests if r.method == "POST"]) == 1
        assert result.denied is None and result.error and "secondary rate limit" in result.error


def test_prior_markers_count_only_from_bots_and_only_as_the_last_line(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        pull, commit = pull_and_commit(fake)
        post(ReviewPoster(pull, commit), [comment(5, "aaa"), comment(6, "bbb")],
             body=f"{REVIEW_MARKER}\nbody\n\n{trailer(['ccc'])}\n")
        fake.add_comment_by("mallory", "app.py", 7, f"nice\n\n{trailer(['forged'])}")
        post(ReviewPoster(pull, commit), [ReviewComment(("ddd",), "app.py", 8, None, f"{trailer(['quoted'])}\ntext after")])
        prior = read_prior(pull)
        assert prior.commented("aaa", "app.py", 5) and not prior.commented("aaa", "app.py", 6)
        assert prior.mentioned("ccc")
        assert not prior.mentioned("forged")  # a person's comment
        assert not prior.mentioned("quoted")  # not the last line
        assert fake.problems == []


def test_oversized_bodies_are_cut_but_keep_their_trailer() -> None:
    from vulnloop.github.reviews import MAX_BODY, fit_body

    body = f"{REVIEW_MARKER}\n" + "x" * 100_000 + f"\n\n{trailer(['k1', 'k2'])}\n"
    cut = fit_body(body)
    assert len(cut) <= MAX_BODY and "size limit" in cut
    assert trailer_keys(cut) == ["k1", "k2"]
    assert fit_body("short") == "short"
