from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Test helpers are imported both as `tests.x` and as plain `x` (e.g. fake_openai), whatever the
# folder pytest starts from.
for _folder in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def write_tree(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write {relative path: dedented text} under tmp_path/tree and return that folder."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "tree"
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return write


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process, as a user runs it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "INPUT_", "GITHUB_"))}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "vulnloop", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout, check=False,
    )
