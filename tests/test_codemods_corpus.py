"""All codemods over the research corpus (SecurityEval + LLMSecureCode): never broken output."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from codemod_helpers import CASES

SCRIPT = CASES.parents[1] / "benchmarks" / "codemods_coverage.py"

# Verified repairs measured when the codemods were written (242 of 287 findings with a codemod).
# A drop below this floor means a codemod stopped repairing real code it used to repair.
VERIFIED_FLOOR = 235


def _coverage_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("codemods_coverage", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_corpus_repairs_parse_and_verify(shared_data: Path) -> None:
    coverage = _coverage_module()
    attempts, _, pieces = coverage.measure(shared_data)
    outcomes = [a.outcome for a in attempts]
    assert pieces == 971
    assert outcomes.count("broken") == 0, [a for a in attempts if a.outcome == "broken"]
    assert outcomes.count("crashed") == 0, [a for a in attempts if a.outcome == "crashed"]
    assert outcomes.count("verified") >= VERIFIED_FLOOR
