"""Listing a pull request's files through PyGithub, with git filling in what GitHub leaves out."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from action_helpers import NAME, NUMBER, OWNER, fake_github_for, git, make_pr_repo
from vulnloop.github.client import Pacing, connect
from vulnloop.github.pr_files import ChangedFile, blob_sha, head_sources, pull_request_files

BASE = {"a.py": "x = 1\n", "b.py": "y = 1\n", "c.py": "z = 1\n", "notes.md": "n\n", "d.py": "import os\n"}
HEAD = {"a.py": "x = 2\n", "b.py": "y = 2\n", "c.py": "z = 2\n", "notes.md": "m\n", "d.py": None, "e.pyw": "w = 1\n"}


def listing(fake: Any, repo: Any, **kwargs: Any) -> Any:
    gh = connect(fake.base_url, fake.token, Pacing.none())
    pull = gh.get_repo(f"{OWNER}/{NAME}").get_pull(NUMBER)
    options = {"expected_count": None, "excludes": (), "max_files": 100, **kwargs}
    return pull_request_files(pull, workspace=repo.path, base_sha=repo.base, head_sha=repo.head, **options)


def test_python_files_with_hunks_deleted_ones_skipped(tmp_path: Path) -> None:
    repo = make_pr_repo(tmp_path, BASE, HEAD)
    with fake_github_for(repo) as fake:
        changed = listing(fake, repo)
        assert fake.problems == []
    assert [f.path for f in changed.files] == ["a.py", "b.py", "c.py", "e.pyw"]
    assert all(f.diff is not None and f.diff.added_lines == {1} for f in changed.files)
    assert changed.notes == () and changed.left_out == ()


def test_max_files_and_excludes_say_what_was_left_out(tmp_path: Path) -> None:
    repo = make_pr_repo(tmp_path, BASE, HEAD)
    with fake_github_for(repo) as fake:
        changed = listing(fake, repo, max_files=2, excludes=("c.py",))
    assert [f.path for f in changed.files] == ["a.py", "b.py"]
    assert changed.left_out == ("e.pyw",)
    assert any("exclude" in note for note in changed.notes)


def test_files_past_githubs_listing_limit_come_from_git(tmp_path: Path) -> None:
    repo = make_pr_repo(tmp_path, BASE, HEAD)
    with fake_github_for(repo, max_files=2) as fake:  # GitHub stops listing early
        changed = listing(fake, repo, expected_count=6)
    assert {f.path for f in changed.files} == {"a.py", "b.py", "c.py", "e.pyw"}
    assert any("from git diff" in note for note in changed.notes)


def test_without_the_commits_git_cannot_help_and_says_so(tmp_path: Path) -> None:
    repo = make_pr_repo(tmp_path, BASE, HEAD)
    with fake_github_for(repo, omit_patch=("a.py",)) as fake:
        gh = connect(fake.base_url, fake.token, Pacing.none())
        pull = gh.get_repo(f"{OWNER}/{NAME}").get_pull(NUMBER)
        empty = tmp_path / "empty"
        empty.mkdir()
        changed = pull_request_files(pull, workspace=empty, base_sha=repo.base, head_sha=repo.head,
                                     expected_count=None, excludes=(), max_files=100)
    a = next(f for f in changed.files if f.path == "a.py")
    assert a.diff is None
    assert any(note.startswith("a.py: GitHub sent no diff") for note in changed.notes)


def test_head_text_is_the_head_blob_never_another_version(tmp_path: Path) -> None:
    repo = make_pr_repo(tmp_path, BASE, HEAD)
    head_blob = git(repo.path, "rev-parse", f"{repo.head}:a.py")
    assert blob_sha(HEAD["a.py"].encode()) == head_blob
    git(repo.path, "checkout", "-q", repo.base)  # the workspace holds the base now
    files = [ChangedFile("a.py", "modified", None, head_blob)]
    sources, notes = head_sources(files, workspace=repo.path, head_sha=repo.head)
    assert sources[0].text == HEAD["a.py"] and notes == []
    fetched: list[str] = []
    sources, notes = head_sources(
        files, workspace=repo.path, head_sha="0" * 40,
        fetch=lambda path: fetched.append(path) or b"from the api\n",  # type: ignore[func-returns-value]
    )
    assert sources[0].text == "from the api\n" and fetched == ["a.py"]
    sources, notes = head_sources(files, workspace=repo.path, head_sha="0" * 40)
    assert sources[0].text is None and "not scanned" in notes[0]
