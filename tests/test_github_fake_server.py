"""The fake GitHub itself: it must refuse what GitHub refuses, or the review tests prove nothing."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from action_helpers import NAME, NUMBER, OWNER, fake_github_for, make_pr_repo

BASE = {"app.py": "".join(f"x{i} = {i}\n" for i in range(1, 31))}
HEAD = {
    # lines 3 and 25 change: two hunks (1-6 and 22-28 on the head side)
    "app.py": BASE["app.py"].replace("x3 = 3", "x3 = 33").replace("x25 = 25", "x25 = 250"),
    "new.py": "import os\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Any:
    return make_pr_repo(tmp_path, BASE, HEAD)


def call(fake: Any, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, dict[str, str]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{fake.base_url}{path}", data=data, method=method)
    request.add_header("Authorization", f"token {token or fake.token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


REVIEWS = f"/repos/{OWNER}/{NAME}/pulls/{NUMBER}/reviews"


def review(fake: Any, *comments: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    return call(fake, "POST", REVIEWS, {"commit_id": fake.head_sha, "event": "COMMENT", "body": "b", "comments": list(comments)})


def test_files_come_from_the_real_commits_with_pagination(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        status, page1, headers = call(fake, "GET", f"/repos/{OWNER}/{NAME}/pulls/{NUMBER}/files?per_page=1")
        assert status == 200 and len(page1) == 1
        assert 'rel="next"' in headers["Link"]
        _, page2, headers2 = call(fake, "GET", f"/repos/{OWNER}/{NAME}/pulls/{NUMBER}/files?per_page=1&page=2")
        assert "Link" not in headers2
        files = {f["filename"]: f for f in page1 + page2}
        assert files["app.py"]["patch"].count("\n@@") == 1  # two hunks
        assert files["new.py"]["status"] == "added"
        assert fake.problems == []


@pytest.mark.parametrize(
    "comment, words",
    [
        ({"path": "app.py", "line": 12, "body": "x"}, "part of the diff"),  # between the hunks
        ({"path": "app.py", "line": 3, "side": "MIDDLE", "body": "x"}, "LEFT or RIGHT"),
        ({"path": "app.py", "line": 3, "start_line": 3, "body": "x"}, "precede"),
        ({"path": "app.py", "line": 25, "start_line": 3, "body": "x"}, "same hunk"),
        ({"path": "nope.py", "line": 1, "body": "x"}, "Path could not be resolved"),
        ({"path": "app.py", "line": 3, "side": "LEFT", "body": "x"}, None),  # base line 3 is in the diff
    ],
)
def test_review_comment_rules(repo: Any, comment: dict[str, Any], words: str | None) -> None:
    with fake_github_for(repo) as fake:
        good = {"path": "app.py", "line": 4, "start_line": 2, "body": "fine"}
        status, body, _ = review(fake, good, comment)
        if words is None:
            assert status == 200
        else:
            assert status == 422 and words in json.dumps(body)
            assert fake.reviews == [] and fake.comments == []  # one bad comment fails the whole review
        assert fake.problems == []


def test_requests_outside_the_description_are_flagged(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        call(fake, "POST", REVIEWS, {"event": "COMMENT", "body": "b", "comments": [{"path": "app.py", "line": 3}]})
        assert any("request POST" in p for p in fake.problems)  # comments need a body
    with fake_github_for(repo) as fake:
        call(fake, "POST", REVIEWS, {"event": "LGTM", "body": "b"})
        assert any("request POST" in p for p in fake.problems)  # not an event GitHub knows
    with fake_github_for(repo) as fake:
        call(fake, "GET", f"/repos/{OWNER}/{NAME}/pulls/{NUMBER}/files", token="wrong")
        assert any("token" in p for p in fake.problems)


def test_pending_reviews_and_commit_ids(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        status, body, _ = call(fake, "POST", REVIEWS, {"comments": [{"path": "app.py", "line": 3, "body": "x"}]})
        assert status == 200 and body["state"] == "PENDING"
        status, body2, _ = call(fake, "POST", REVIEWS, {"comments": []})
        assert status == 422 and "one pending review" in json.dumps(body2)
        status, _, _ = call(fake, "DELETE", f"{REVIEWS}/{body['id']}")
        assert status == 200 and fake.reviews == [] and fake.comments == []
        status, body3, _ = call(fake, "POST", REVIEWS, {"commit_id": repo.base, "event": "COMMENT", "body": "b"})
        assert status == 422 and "Commit" in json.dumps(body3)
        assert fake.problems == []


def test_a_new_head_makes_changed_lines_outdated(repo: Any) -> None:
    with fake_github_for(repo) as fake:
        assert review(fake, {"path": "app.py", "line": 3, "body": "a"}, {"path": "app.py", "line": 25, "body": "b"})[0] == 200
        repo.commit({"app.py": HEAD["app.py"].replace("x25 = 250", "x25 = 2500")})
        fake.set_head(repo.head)
        _, comments, _ = call(fake, "GET", f"/repos/{OWNER}/{NAME}/pulls/{NUMBER}/comments")
        lines = {c["body"]: c["line"] for c in comments}
        assert lines == {"a": 3, "b": None}
        assert fake.problems == []


def test_read_only_and_rate_limited_posts(repo: Any) -> None:
    with fake_github_for(repo, read_only=True) as fake:
        status, body, _ = review(fake)
        assert status == 403 and "not accessible" in body["message"]
    with fake_github_for(repo, throttle_posts=1, retry_after="7") as fake:
        status, body, headers = review(fake)
        assert status == 403 and headers["Retry-After"] == "7" and "secondary rate limit" in body["message"]
        assert review(fake)[0] == 200
        assert fake.problems == []


def test_contents_serve_the_head_version(repo: Any) -> None:
    import base64

    with fake_github_for(repo) as fake:
        status, body, _ = call(fake, "GET", f"/repos/{OWNER}/{NAME}/contents/app.py?ref={repo.head}")
        assert status == 200 and base64.b64decode(body["content"]).decode() == HEAD["app.py"]
        assert call(fake, "GET", f"/repos/{OWNER}/{NAME}/contents/missing.py?ref={repo.head}")[0] == 404
        assert fake.problems == []
