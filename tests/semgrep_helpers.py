"""Shared pieces for the Semgrep engine's tests."""
from __future__ import annotations

import os
import stat
from importlib import resources
from pathlib import Path

import pytest

from vulnloop.engines.semgrep import SemgrepEngine, find_semgrep

RULES_ROOT = Path(str(resources.files("vulnloop").joinpath("data/semgrep_rules")))
RULES_DIR = RULES_ROOT / "rules"
RULE_TESTS_DIR = RULES_ROOT / "tests"


def require_semgrep() -> str:
    """The semgrep launcher, or skip the test when Semgrep cannot run here."""
    reason = SemgrepEngine().unavailable_reason()
    executable = find_semgrep()
    if reason is not None or executable is None:
        pytest.skip(reason or "semgrep is not installed")
    return executable


def fake_semgrep(directory: Path, body: str) -> str:
    """A stand-in executable (POSIX shell) that records its arguments and environment."""
    if os.name == "nt":
        pytest.skip("the stand-in executable is a POSIX shell script")
    script = directory / "fake-semgrep"
    script.write_text("#!/bin/sh\n" + body, "utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(script)

BUNDLED_JSON = RULES_ROOT / "vulnloop-rules.json"


def compile_rules() -> str:
    """All YAML rule files as one JSON document: what the engine hands to Semgrep.

    Semgrep loads JSON rules about twenty times faster than the same rules in YAML, which
    matters for every pre-commit run. The YAML files stay the source; regenerate with
    ``python tests/semgrep_helpers.py`` after editing them.
    """
    import json

    import yaml

    rules = []
    for path in sorted(RULES_DIR.glob("*.yaml")):
        rules.extend(yaml.safe_load(path.read_text("utf-8"))["rules"])
    return json.dumps({"rules": rules}, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    BUNDLED_JSON.write_text(compile_rules(), "utf-8")
    print(f"wrote {BUNDLED_JSON}")
