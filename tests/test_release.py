"""The release: one version, a changelog section for it, and a workflow that tests, builds and
pushes the image under the tags action.yml and the README use. Its shell steps run here for real."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from vulnloop import __version__

from tests.actionlint_helpers import actionlint

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "release.yml"
MAJOR = f"v{__version__.split('.')[0]}"


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in workflow()["jobs"][job]["steps"] if s.get("name") == name)


def run_step(job: str, name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A workflow step's script under bash -e, as the runner runs it (no ${{ }} in it: inputs come as env)."""
    script = step(job, name)["run"]
    assert "${{" not in script
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )


def test_the_release_workflow_passes_actionlint_which_does_catch_mistakes() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    clean, broken = actionlint(text, text.replace("steps.names.outputs.image", "steps.name.outputs.image"))
    assert clean == []
    assert broken and any('"name"' in problem for problem in broken)


def test_a_version_tag_tests_then_builds_tries_and_pushes_the_image() -> None:
    flow = workflow()
    assert flow[True] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}  # YAML 1.1 reads `on` as True
    jobs = flow["jobs"]
    assert "bash .ci/run" in [s.get("run") for s in jobs["test"]["steps"]]  # the whole test suite
    assert jobs["image"]["needs"] == "test"
    assert jobs["image"]["permissions"] == {"contents": "write", "packages": "write"}
    names = [s.get("name", "") for s in jobs["image"]["steps"]]
    order = [names.index(n) for n in ("docker build", "Every engine runs in the image", "Push to ghcr.io", "Move the major tag to this release")]
    assert order == sorted(order)
    assert "docker build" in step("image", "docker build")["run"]
    tried = step("image", "Every engine runs in the image")["run"]
    assert "--engines bandit,semgrep,codeql" in tried and "matplotlib" in tried


def test_the_tags_are_the_full_version_its_minor_and_its_major(tmp_path: Path) -> None:
    output = tmp_path / "output"
    done = run_step("image", "Image name and tags", tmp_path,
                    {"OWNER": "Octo-Org", "TAG": "v1.2.3", "GITHUB_OUTPUT": str(output)})
    assert done.returncode == 0, done.stderr
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values == {"image": "ghcr.io/octo-org/vulnloop", "tags": "v1.2.3 v1.2 v1", "major": "v1"}


@pytest.mark.parametrize(
    ("tag", "heading", "error"),
    [
        (f"v{__version__}", f"## [{__version__}] - 2027-01-15", None),
        (f"v{__version__}", f"## [{__version__}] - unreleased", "no dated section"),
        ("v9.9.9", "## [9.9.9] - 2027-01-15", "does not match __version__"),
    ],
)
def test_the_tag_the_version_and_the_changelog_must_agree(tmp_path: Path, tag: str, heading: str, error: str | None) -> None:
    (tmp_path / "src" / "vulnloop").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "src" / "vulnloop" / "__init__.py", tmp_path / "src" / "vulnloop" / "__init__.py")
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n{heading}\n\n- things\n", encoding="utf-8")
    done = run_step("test", "The tag, the package version and the changelog agree", tmp_path, {"TAG": tag})
    if error is None:
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode == 1 and error in done.stdout


def test_one_version_everywhere() -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vulnloop.__version__"}
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(__version__)}\] - ", changelog, re.M)
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["image"] == f"docker://ghcr.io/vulnloop/vulnloop:{MAJOR}"
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"vulnloop/vulnloop@(v[\w.]+)", readme)) == {MAJOR}
    assert set(re.findall(r"^\s+rev: (v[\w.]+)", readme, re.M)) == {f"v{__version__}"}
