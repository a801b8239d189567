"""Licence-safe engine selection: `auto` runs CodeQL only on a public repository's event or when
named, proven with a fake `codeql` on PATH that records every call."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from action_helpers import PrRepo, action_env, fake_github_for, make_pr_repo, pr_event, run_in_process
from sarif_helpers import FIXTURES, fake_codeql_calls, install_fake_codeql

from vulnloop.config import Config
from vulnloop.errors import ConfigError
from vulnloop.github.event import parse_event
from vulnloop.pipeline import CODEQL_NAMED_TERMS, CODEQL_PUBLIC_TERMS, build_engines

HEAD = {"app.py": "import hashlib\n\n\ndef digest(data):\n    return hashlib.md5(data).hexdigest()\n"}


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `codeql` (version 2.20) first on PATH; CODEQL_DIST cleared so no real one is found."""
    folder = tmp_path / "bin"
    install_fake_codeql(folder, sarif=str(FIXTURES / "codeql_2_20_python.sarif"))
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("CODEQL_DIST", raising=False)
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> PrRepo:
    return make_pr_repo(tmp_path, {"app.py": "VALUE = 1\n"}, HEAD)


def _event_with(tmp_path: Path, repo: PrRepo, repository: dict[str, Any]) -> Path:
    path = pr_event(tmp_path, repo)
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["repository"].pop("visibility", None)
    payload["repository"].pop("private", None)
    payload["repository"].update(repository)
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _run_auto(tmp_path: Path, repo: PrRepo, repository: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The action with its default engines on an event whose payload describes ``repository``."""
    event = _event_with(tmp_path, repo, repository)
    with fake_github_for(repo) as fake:
        env = action_env(tmp_path, repo, event, api_url=fake.base_url)
        del env["INPUT_ENGINES"]  # the action's default
        run = run_in_process(env, monkeypatch)
        assert fake.problems == []
    return run


def test_auto_on_a_private_repository_never_runs_codeql(
    repo: PrRepo, tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_auto(tmp_path, repo, {"private": True, "visibility": "private"}, monkeypatch)
    assert fake_codeql_calls(fake_bin) == []
    assert run.code in (0, 1) and run.outputs["findings"] == "1"  # Bandit's B324 on the md5 line
    [engines_line] = [line for line in run.stdout.splitlines() if line.startswith("vulnloop: engines: ")]
    assert "bandit" in engines_line and "codeql" not in engines_line
    assert "CodeQL ran" not in run.summary


def test_auto_on_a_public_repository_runs_codeql_and_says_under_which_terms(
    repo: PrRepo, tmp_path: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _run_auto(tmp_path, repo, {"private": False, "visibility": "public"}, monkeypatch)
    steps = [" ".join(call["args"][:2]) for call in fake_codeql_calls(fake_bin)]
    assert "database create" in steps and "database analyze" in steps
    assert CODEQL_PUBLIC_TERMS in run.summary


@pytest.mark.parametrize(
    ("repository", "public"),
    [
        ({"private": False, "visibility": "public"}, True),
        ({"private": False}, True),  # older payloads carry no visibility
        ({"private": False, "visibility": "internal"}, False),  # an enterprise's internal repository
        ({"private": True}, False),
        ({"visibility": "public", "private": True}, False),  # contradictory: the safe reading
        ({}, False),  # unknown counts as private
    ],
)
def test_only_a_plainly_public_repository_counts_as_public(repository: dict[str, Any], public: bool) -> None:
    payload = {"repository": {"full_name": "o/r", **repository}, "after": "a" * 40, "before": "b" * 40}
    assert parse_event("push", payload).public_repository is public


def test_auto_outside_the_action_is_bandit_and_semgrep_and_named_codeql_says_its_terms(
    tmp_path: Path, fake_bin: Path
) -> None:
    engines, notes = build_engines(Config(), tmp_path)
    assert "codeql" not in [e.name for e in engines] and fake_codeql_calls(fake_bin) == []
    assert [e.name for e in engines][0] == "bandit"
    assert all("CodeQL ran" not in n for n in notes)
    named, notes = build_engines(Config(engines=("bandit", "codeql")), tmp_path)
    assert [e.name for e in named] == ["bandit", "codeql"] and CODEQL_NAMED_TERMS in notes


def test_named_codeql_that_cannot_run_is_still_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no codeql anywhere
    monkeypatch.delenv("CODEQL_DIST", raising=False)
    with pytest.raises(ConfigError, match="codeql"):
        build_engines(Config(engines=("codeql",)), tmp_path)
    engines, notes = build_engines(Config(), tmp_path, public_repository=True)  # auto: a note, not an error
    assert "codeql" not in [e.name for e in engines] and any("CodeQL" in n for n in notes)
