"""Shared pieces for the GitHub Action's tests: real git repositories with a base and a head commit,
the event payload a runner writes, and the environment a container action gets."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS = REPO_ROOT.parent / "shared" / "data" / "github" / "github-events"
OWNER, NAME, NUMBER = "octo-org", "demo", 7

# A minimal pull_request payload of our own, for when ../shared is absent: only the fields a
# runner's event file always carries and vulnloop reads.
MINIMAL_PR_EVENT: dict[str, Any] = {
    "action": "opened",
    "number": NUMBER,
    "pull_request": {
        "number": NUMBER,
        "user": {"login": "octocat"},
        "head": {"sha": "", "ref": "feature", "repo": {"full_name": f"{OWNER}/{NAME}"}},
        "base": {"sha": "", "ref": "main", "repo": {"full_name": f"{OWNER}/{NAME}"}},
        "changed_files": 1,
    },
    "repository": {"full_name": f"{OWNER}/{NAME}"},
    "sender": {"login": "octocat"},
}


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


@dataclass
class PrRepo:
    path: Path
    base: str
    head: str

    def commit(self, files: Mapping[str, str | None], message: str = "more") -> str:
        """Another commit on the head branch; a None text deletes the file."""
        write_files(self.path, files)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)
        self.head = git(self.path, "rev-parse", "HEAD")
        return self.head


def write_files(root: Path, files: Mapping[str, str | None]) -> None:
    for rel, text in files.items():
        target = root / rel
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def make_pr_repo(tmp_path: Path, base: Mapping[str, str | None], head: Mapping[str, str | None]) -> PrRepo:
    """A real repository: ``main`` with ``base``, branch ``feature`` adding ``head`` on top; checked out at head."""
    root = tmp_path / "workspace"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_files(root, base)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "base")
    base_sha = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    repo = PrRepo(root, base_sha, base_sha)
    repo.commit(head, "head")
    return repo


def pr_event(
    tmp_path: Path,
    repo: PrRepo,
    *,
    fork: bool = False,
    action: str = "opened",
    changed_files: int | None = None,
    name: str = "event.json",
) -> Path:
    """The pull_request event file: GitHub's real example payload (when ../shared is here) pointed at our repo."""
    source = EVENTS / "opened.payload.json"
    payload = json.loads(source.read_text(encoding="utf-8")) if source.is_file() else json.loads(json.dumps(MINIMAL_PR_EVENT))
    payload["action"] = action
    payload["number"] = NUMBER
    pr = payload["pull_request"]
    pr["number"] = NUMBER
    pr["head"]["sha"], pr["base"]["sha"] = repo.head, repo.base
    pr["base"]["repo"]["full_name"] = f"{OWNER}/{NAME}"
    pr["head"]["repo"]["full_name"] = f"forker/{NAME}" if fork else f"{OWNER}/{NAME}"
    if changed_files is not None:
        pr["changed_files"] = changed_files
    else:
        pr.pop("changed_files", None)
    payload["repository"]["full_name"] = f"{OWNER}/{NAME}"
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def action_env(
    tmp_path: Path,
    repo: PrRepo,
    event_path: Path,
    *,
    api_url: str,
    token: str = "ghs_testtoken",
    event_name: str = "pull_request",
    inputs: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """What a runner gives a container action, with vulnloop's test-only pacing switch."""
    summary = tmp_path / "summary.md"
    output = tmp_path / "output.txt"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_WORKSPACE": str(repo.path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_URL": api_url,
        "GITHUB_REPOSITORY": f"{OWNER}/{NAME}",
        "GITHUB_SHA": repo.head,
        "GITHUB_ACTOR": "octocat",
        "VULNLOOP_GITHUB_PACING": "0",
        "INPUT_GITHUB_TOKEN": token,
        "INPUT_ENGINES": "bandit",
        "INPUT_SEVERITY": "low",
    }
    for key, value in (inputs or {}).items():
        env[f"INPUT_{key.upper()}"] = value
    return env


@dataclass
class ActionRun:
    code: int
    stdout: str
    stderr: str
    env: Mapping[str, str]

    @property
    def outputs(self) -> dict[str, str]:
        path = Path(self.env["GITHUB_OUTPUT"])
        if not path.exists():
            return {}
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)

    @property
    def summary(self) -> str:
        path = Path(self.env["GITHUB_STEP_SUMMARY"])
        return path.read_text() if path.exists() else ""

    def annotations(self, level: str = "") -> list[str]:
        prefix = f"::{level}" if level else "::"
        return [line for line in self.stdout.splitlines() if line.startswith(prefix) and " file=" in line]


def run_in_process(env: Mapping[str, str], monkeypatch: Any) -> ActionRun:
    """``vulnloop action`` through main(), in this process (fast), with exactly ``env`` as the environment."""
    from vulnloop.main import main

    for key in list(os.environ):
        if key.startswith(("INPUT_", "GITHUB_", "OPENAI_", "VULNLOOP_")):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["action"])
    return ActionRun(code, out.getvalue(), err.getvalue(), env)


def run_cli(env: Mapping[str, str], cwd: Path) -> ActionRun:
    """``python -m vulnloop action`` in a child process, as the container's entry point runs it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "INPUT_", "GITHUB_", "VULNLOOP_"))}
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-m", "vulnloop", "action"], cwd=cwd, env=environ,
        capture_output=True, text=True, timeout=180, check=False,
    )
    return ActionRun(done.returncode, done.stdout, done.stderr, env)


@contextlib.contextmanager
def fake_github_for(repo: PrRepo, **kwargs: Any) -> Iterator[Any]:
    from fake_github import FakeGitHub

    with FakeGitHub(repo.path, base=repo.base, head=repo.head, owner=OWNER, name=NAME, number=NUMBER, **kwargs) as fake:
        yield fake
