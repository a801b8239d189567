"""`vulnloop action` end to end: a real git repository, the runner's environment, real Bandit,
and the fake GitHub (checked against GitHub's API description) recording what was posted."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from action_helpers import (
    NUMBER,
    PrRepo,
    action_env,
    fake_github_for,
    git,
    make_pr_repo,
    pr_event,
    run_cli,
    run_in_process,
)
from fake_github import iter_hunk_lines

from vulnloop.engines.bandit import BanditEngine
from suggestion_helpers import apply_suggestions
from vulnloop.pr_diff import Suggestion

BASE = {
    "app.py": (
        "import hashlib\n"
        "import random\n"
        "import yaml\n"
        "\n"
        "\n"
        "def digest(data):\n"
        "    return data\n"
        "\n"
        "\n"
        "def token():\n"
        "    return 4\n"
    ),
    "old_name.py": "VALUE = 1\n",
    "gone.py": "import pickle\n",
    "README.txt": "hello\n",
}
HEAD = {
    "app.py": (
        "import hashlib\n"
        "import random\n"
        "import yaml\n"
        "\n"
        "\n"
        "def digest(data):\n"
        "    return hashlib.md5(data).hexdigest()\n"
        "\n"
        "\n"
        "def token():\n"
        "    return random.randint(0, 100)\n"
        "\n"
        "\n"
        "def load(text):\n"
        "    return yaml.load(text)\n"
        "\n"
        "\n"
        "def run(x):\n"
        "    return eval(x)\n"
    ),
    "old_name.py": None,
    "new_name.py": "VALUE = 1\n",
    "gone.py": None,
    "README.txt": "hello again\n",
}
SUGGESTION = re.compile(r"^(`{3,})suggestion\n(.*?)^\1$", re.S | re.M)


@pytest.fixture
def repo(tmp_path: Path) -> PrRepo:
    return make_pr_repo(tmp_path, BASE, HEAD)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def suggestions_of(fake: Any) -> list[Suggestion]:
    out = []
    for comment in fake.comments:
        match = SUGGESTION.search(comment["body"])
        if match:
            text = match.group(2)
            lines = tuple(text[:-1].split("\n")) if text else ()
            out.append(Suggestion(comment["path"], comment["start_line"] or comment["line"], comment["line"], lines))
    return out


def rules_in(path: str, text: str) -> set[str]:
    findings, reason = BanditEngine().scan_text(path, text)
    assert reason is None
    return {f.rule_id for f in findings}


def test_pull_request_gets_one_review_with_committable_suggestions(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        env["GITHUB_SHA"] = "f" * 40  # the merge commit: never the review's commit
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
        assert run.code == 0, run.stdout + run.stderr  # unfixed B307 is medium; fail_on is high
        [review] = fake.submitted_reviews
        assert review["commit_id"] == repo.head and review["event"] == "COMMENT"
        comments = fake.comments_of(review)
        assert {c["line"] for c in comments} == {7, 11, 15, 19}
        patch = next(f.patch for f in fake.files if f.filename == "app.py")
        shown = {line for _, line in iter_hunk_lines(patch)}
        for c in comments:
            assert c["line"] in shown and (c["start_line"] is None or c["start_line"] in shown)
        # The suggestions apply cleanly to the head file and leave those findings fixed.
        head_text = HEAD["app.py"]
        suggestions = suggestions_of(fake)
        assert {s.end_line for s in suggestions} == {7, 15}
        repaired = apply_suggestions(head_text, suggestions)
        compile(repaired, "app.py", "exec")
        assert rules_in("app.py", repaired) == {"B311", "B307"}
        # The random repair needs `import secrets` outside the diff: no suggestion, a diff in the body.
        random_comment = next(c for c in comments if c["line"] == 11)
        assert "```suggestion" not in random_comment["body"] and "No one-click suggestion" in random_comment["body"]
        assert "+import secrets" in review["body"] and "+    return secrets." in review["body"]
        eval_comment = next(c for c in comments if c["line"] == 19)
        assert "Not fixed" in eval_comment["body"] and "CWE-78" in eval_comment["body"]
        assert "re-scanned clean by Bandit in round 1" in next(c for c in comments if c["line"] == 7)["body"]
    assert run.outputs == {"findings": "4", "fixed": "3", "unfixed": "1", "sarif_file": "vulnloop.sarif"}
    assert len(run.annotations()) == 4 and run.annotations("warning")[0].startswith("::warning file=app.py,line=19")
    assert "| ❌ unfixed | `app.py:19` | `B307`" in run.summary
    sarif = json.loads((repo.path / "vulnloop.sarif").read_text())
    assert sum(len(r["results"]) for r in sarif["runs"]) == 4


def test_fail_on_sets_the_exit_code(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, inputs={"fail_on": "medium"})
        run = run_in_process(env, monkeypatch)
    assert run.code == 1
    assert run.annotations("error")[0].startswith("::error file=app.py,line=19")
    assert "1 unfixed finding(s) at or above `medium`" in run.summary


def test_a_rerun_after_a_push_comments_only_on_what_is_new(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        assert run_in_process(env, monkeypatch).code == 0
        first = len(fake.comments)
        repo.commit({"extra.py": "import subprocess\n\n\ndef go(cmd):\n    subprocess.call(cmd, shell=True)\n"})
        fake.set_head(repo.head)
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo, action="synchronize"), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
        second = fake.submitted_reviews[-1]
        assert len(fake.submitted_reviews) == 2
        assert [(c["path"], c["line"]) for c in fake.comments_of(second)] == [("extra.py", 1), ("extra.py", 5)]
        assert len(fake.comments) == first + 2
        assert "2 new findings since the last review; 4 already commented" in second["body"]
        # Nothing new: no third review.
        run = run_in_process(env, monkeypatch)
        assert len(fake.submitted_reviews) == 2
        assert "nothing new since the last review" in run.stdout
        assert run.outputs["findings"] == "6"


def test_fork_pull_requests_get_annotations_summary_and_sarif(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo, read_only=True) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo, fork=True), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
        assert not [r for r in fake.requests if r.method != "GET"]  # it did not even try to post
    assert run.code == 0
    assert len(run.annotations()) == 4
    warning = next(l for l in run.stdout.splitlines() if l.startswith("::warning title=vulnloop::No review posted"))
    assert "fork" in warning and "pull_request_target" in warning
    assert "No review posted" in run.summary and "fork" in run.summary
    assert (repo.path / "vulnloop.sarif").is_file()


def test_a_token_without_write_permission_is_said_plainly(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo, read_only=True) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
    assert run.code == 0
    assert "pull-requests: write" in run.summary
    assert any(l.startswith("::warning title=vulnloop::No review posted") for l in run.stdout.splitlines())


def test_a_secondary_rate_limit_is_waited_out_and_the_review_still_posted(repo: PrRepo, tmp_path: Path) -> None:
    from vulnloop.github.client import Pacing
    from vulnloop.github.run import run_action

    with fake_github_for(repo, throttle_posts=1, retry_after="1") as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        lines: list[str] = []
        code = run_action(env, emit=lines.append, pacing=Pacing(0.0, 0.0, True))  # PyGithub's retries on
        assert fake.problems == []
    assert code == 0, "\n".join(lines)
    assert [r.status for r in fake.requests if r.method == "POST"] == [403, 200]
    assert len(fake.submitted_reviews) == 1
    assert not any("No review posted" in line or "incomplete" in line for line in lines)


def test_comments_github_refuses_move_to_the_body(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(comment: Any) -> str | None:
        return "Something went wrong with this comment" if comment["line"] == 15 else None

    with fake_github_for(repo, reject_comment=refuse) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
        [review] = fake.submitted_reviews
        assert {c["line"] for c in fake.comments_of(review)} == {7, 11, 19}
        assert "app.py:15" in review["body"] and "yaml.safe_load" in review["body"]
    assert "moved to the review body" in run.summary


def test_an_explicitly_requested_engine_that_is_missing_is_exit_2(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from vulnloop.pipeline import build_engines  # noqa: F401 - CodeQL is not installed here

    if shutil.which("codeql"):
        pytest.skip("CodeQL is installed here")
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, inputs={"engines": "bandit,codeql"})
        run = run_in_process(env, monkeypatch)
        assert fake.reviews == []
    assert run.code == 2
    assert any(l.startswith("::error title=vulnloop configuration::") and "codeql" in l for l in run.stdout.splitlines())
    assert "Configuration error" in run.summary


def test_the_head_version_is_scanned_when_the_workspace_holds_another(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pull_request_target checks out the base; a shallow clone of it lacks the head commit, so
    # the head text must come from GitHub's contents API.
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "main", f"file://{repo.path}", str(shallow)], check=True)
    with fake_github_for(repo) as fake:
        event = pr_event(tmp_path, repo)
        env = action_env(tmp_path, PrRepo(shallow, repo.base, repo.head), event, api_url=fake.base_url,
                         event_name="pull_request_target")
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
        assert any(r.path.endswith("/contents/app.py") for r in fake.requests)
        assert {c["line"] for c in fake.comments} == {7, 11, 15, 19}
    assert run.outputs["findings"] == "4"


def test_a_file_github_sends_without_patch_is_diffed_with_git(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github_for(repo, omit_patch=("app.py",)) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
        assert {c["line"] for c in fake.comments} == {7, 11, 15, 19}
    assert run.code == 0


def test_max_files_says_what_was_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = {f"pkg/m{i}.py": "import pickle\n\n\ndef f(b):\n    return pickle.loads(b)\n" for i in range(4)}
    repo = make_pr_repo(tmp_path, {"pkg/__init__.py": ""}, head)
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo, changed_files=4), api_url=fake.base_url,
                         inputs={"max_files": "2", "only_changed_lines": "false"})
        run = run_in_process(env, monkeypatch)
        assert {c["path"] for c in fake.comments} == {"pkg/m0.py", "pkg/m1.py"}
        assert "Not scanned (over `max_files`): `pkg/m2.py`, `pkg/m3.py`" in fake.submitted_reviews[0]["body"]
    assert "pkg/m3.py" in run.summary


def test_only_changed_lines_keeps_old_findings_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = "import pickle\n\n\ndef old(b):\n    return pickle.loads(b)\n\n\nX = 1\nY = 2\nZ = 3\nW = 4\n"
    repo = make_pr_repo(tmp_path, {"m.py": old}, {"m.py": old + "\n\ndef new(b):\n    return pickle.loads(b)\n"})
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
        assert [c["line"] for c in fake.comments] == [15]
    assert run.outputs["findings"] == "1"
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, inputs={"only_changed_lines": "false"})
        run = run_in_process(env, monkeypatch)
        body = fake.submitted_reviews[0]["body"]
        assert [c["line"] for c in fake.comments] == [15]  # lines 1 and 5 are outside the diff: in the body
        assert "Findings outside the diff" in body and "`m.py:5`" in body
    assert run.outputs["findings"] == "3"  # B403 at the import too


def test_push_events_scan_the_pushed_range_without_posting(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"before": repo.base, "after": repo.head, "commits": [], "repository": {"full_name": "octo-org/demo"}}))
    env = action_env(tmp_path, repo, event, api_url="http://127.0.0.1:9", event_name="push")  # nothing listens there
    run = run_in_process(env, monkeypatch)
    assert run.code == 0
    assert run.outputs["findings"] == "4"
    assert "vulnloop fix --write" in run.annotations("notice")[0]


def test_other_events_say_what_is_supported(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    event = tmp_path / "issue.json"
    event.write_text("{}")
    run = run_in_process(action_env(tmp_path, repo, event, api_url="http://127.0.0.1:9", event_name="issues"), monkeypatch)
    assert run.code == 0 and "pull_request" in run.stdout and "issues" in run.stdout


def test_workflow_dispatch_runs_the_benchmark(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vulnloop.commands.bench as bench

    event = tmp_path / "dispatch.json"
    event.write_text(json.dumps({"inputs": {}}))
    calls: list[Any] = []
    monkeypatch.setattr(bench, "run_from_action", lambda inputs, workspace: calls.append((inputs, workspace)) or 0)
    env = action_env(tmp_path, repo, event, api_url="http://127.0.0.1:9", event_name="workflow_dispatch")
    run = run_in_process(env, monkeypatch)
    assert run.code == 0
    assert calls and calls[0][0]["engines"] == "bandit" and calls[0][1] == repo.path


def test_llm_repairs_through_an_openai_compatible_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fake_openai import FakeOpenAI, answer

    base = "import ast\n\n\ndef parse(x):\n    return x\n"
    head = "import ast\n\n\ndef parse(x):\n    return eval(x)\n"
    repo = make_pr_repo(tmp_path, {"calc.py": base}, {"calc.py": head})
    fixed = "```python\nimport ast\n\n\ndef parse(x):\n    return ast.literal_eval(x)\n```"
    with FakeOpenAI([answer(fixed)]) as llm, fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url, inputs={
            "openai_api_key": "sk-test-0123456789abcdef", "openai_base_url": llm.base_url, "model": "test-model",
        })
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
        assert len(llm.chat_requests) == 1
        assert "sk-test-0123456789abcdef" not in llm.chat_requests[0].prompt_text
        [comment] = fake.comments
        assert "the LLM (`test-model`)" in comment["body"]
        [suggestion] = suggestions_of(fake)
        repaired = apply_suggestions(head, [suggestion])
        assert "ast.literal_eval(x)" in repaired and rules_in("calc.py", repaired) == set()
    assert "::add-mask::sk-test-0123456789abcdef" in run.stdout
    assert run.outputs["fixed"] == "1"


def test_the_console_entry_point_runs_the_action(repo: PrRepo, tmp_path: Path) -> None:
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
        run = run_cli(env, cwd=repo.path)
        assert run.code == 0, run.stderr
        assert fake.problems == [] and len(fake.submitted_reviews) == 1
    assert run.outputs["findings"] == "4"


def test_without_shared_data_the_own_minimal_payload_works(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import action_helpers

    monkeypatch.setattr(action_helpers, "EVENTS", tmp_path / "nowhere")
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo), api_url=fake.base_url)
        run = run_in_process(env, monkeypatch)
        assert run.code == 0 and len(fake.submitted_reviews) == 1
    assert json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())["pull_request"]["number"] == NUMBER
    assert git(repo.path, "status", "--porcelain", "--untracked-files=no") == ""  # the action changed no file


def test_pull_request_target_reviews_forks_but_never_runs_their_code(repo: PrRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "ran"
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, pr_event(tmp_path, repo, fork=True), api_url=fake.base_url,
                         event_name="pull_request_target", inputs={"verify_cmd": f"touch {marker}"})
        run = run_in_process(env, monkeypatch)
        assert len(fake.submitted_reviews) == 1
    assert not marker.exists()
    assert "verify_cmd was ignored" in run.summary
