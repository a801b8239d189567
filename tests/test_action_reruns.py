"""Re-runs of the Action trust earlier comments by the account that posts, whatever its type:
the workflow's bot with GITHUB_TOKEN, the token's user with a personal access token."""
from __future__ import annotations

from pathlib import Path

import pytest
from action_helpers import PrRepo, action_env, fake_github_for, make_pr_repo, pr_event, run_in_process

from vulnloop.report.review_comments import trailer

HEAD = {
    "app.py": (
        "import hashlib\nimport yaml\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n\n\n"
        "def load(text):\n    return yaml.load(text)\n\n\ndef run(x):\n    return eval(x)\n"
    )
}


@pytest.fixture
def repo(tmp_path: Path) -> PrRepo:
    return make_pr_repo(tmp_path, {"app.py": "VALUE = 1\n"}, HEAD)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_a_personal_token_rerun_posts_nothing_new(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo, token="ghp_personaltoken", token_user="release-manager") as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, token="ghp_personaltoken")
        first = run_in_process(env, monkeypatch)
        [review] = fake.submitted_reviews
        assert len(fake.comments_of(review)) == 3
        posted = len(fake.comments)
        rerun = run_in_process(env, monkeypatch)
        assert fake.problems == []
        assert len(fake.submitted_reviews) == 1 and len(fake.comments) == posted
        assert "nothing new since the last review (3 finding(s) already commented)" in rerun.stdout
        assert any(r.method == "GET" and r.path == "/user" for r in fake.requests)
    assert rerun.outputs == first.outputs


def test_with_a_personal_token_only_that_user_is_trusted(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo, token="ghp_personaltoken", token_user="release-manager") as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, token="ghp_personaltoken")
        run_in_process(env, monkeypatch)
        keys = {line for c in fake.comments for line in c["body"].splitlines() if line.startswith("<!-- vulnloop:fp=")}
        # Someone else copies a comment's marker onto the same line, and the real comments vanish.
        for comment in list(fake.comments):
            fake.add_comment_by("mallory", comment["path"], comment["line"], comment["body"])
        fake.comments = [c for c in fake.comments if c.get("login") == "mallory"]
        run_in_process(env, monkeypatch)
        assert fake.problems == []
        ours = [r for r in fake.submitted_reviews if r["login"] == "release-manager"]
        assert len(ours) == 2  # the forgeries count for nothing: every finding is commented again
        assert {c["line"] for c in fake.comments_of(ours[-1])} == {6, 10, 14}
    assert len(keys) == 3


def test_with_the_workflow_token_the_bot_is_trusted(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo) as fake:  # GITHUB_TOKEN: GET /user is refused, posts come from the bot
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        run_in_process(env, monkeypatch)
        fake.add_comment_by("mallory", "app.py", 14, f"looks fine\n\n{trailer(['forged'])}")
        rerun = run_in_process(env, monkeypatch)
        assert fake.problems == []
        assert len([r for r in fake.submitted_reviews if r.get("login") is None]) == 1
        assert "nothing new since the last review" in rerun.stdout
