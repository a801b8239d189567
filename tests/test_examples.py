"""The deliberately vulnerable example app gives the real Bandit engine plenty to find.

The example files are only read and parsed here, never imported or executed.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vulnloop import cwe
from vulnloop.engines.bandit import BanditEngine, load_bandit_settings
from vulnloop.findings import Level, ScanResult
from vulnloop.sources import collect_sources

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"

# Bandit tests another part of vulnloop repairs with deterministic codemods.
CODEMOD_RULES = frozenset({
    "B104", "B113", "B201", "B306", "B307", "B311", "B313", "B314", "B315", "B316", "B317",
    "B318", "B324", "B405", "B406", "B407", "B408", "B501", "B502", "B503", "B504", "B506",
    "B507", "B602", "B701",
})


@pytest.fixture(scope="module")
def scan() -> ScanResult:
    # The repository's own settings: its [tool.bandit] leaves examples/ in, as the README's quick
    # start (`vulnloop fix --no-llm examples/` from the root) and examples/README.md say.
    sources = collect_sources([EXAMPLES], root=REPO_ROOT)
    assert len(sources) == len(_example_files())
    return BanditEngine(load_bandit_settings(REPO_ROOT)).scan(sources, root=REPO_ROOT)


def _example_files() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.py"))


def test_every_example_file_parses() -> None:
    files = _example_files()
    assert len(files) >= 5
    for path in files:
        ast.parse(path.read_text("utf-8"), filename=str(path))


def test_bandit_judges_every_example_file(scan: ScanResult) -> None:
    assert scan.skipped == ()
    flagged = {f.path for f in scan.findings}
    example_paths = {p.relative_to(REPO_ROOT).as_posix() for p in _example_files()}
    # Every example file has something to find, and paths are reported relative to the root.
    assert flagged == example_paths


def test_bandit_finds_a_dozen_findings_over_eight_cwes_in_three_files(scan: ScanResult) -> None:
    cwes = {c for finding in scan.findings for c in finding.cwes}
    files = {finding.path for finding in scan.findings}
    assert len(scan.findings) >= 12
    assert len(cwes) >= 8, sorted(cwes)
    assert len(files) >= 3, sorted(files)


def test_every_finding_names_a_cwe_in_the_catalogue(scan: ScanResult) -> None:
    for finding in scan.findings:
        assert finding.cwe is not None, finding.location
        assert finding.cwe in cwe.catalogue(), (finding.rule_id, finding.cwe)


def test_findings_mix_codemod_fixable_and_unfixable_kinds(scan: ScanResult) -> None:
    rules = {finding.rule_id for finding in scan.findings}
    fixable = rules & CODEMOD_RULES
    assert len(fixable) >= 10, sorted(fixable)
    # Kinds no safe rewrite can fix: the ledger must show them left for a person or an LLM.
    assert {"B608", "B301"} <= rules
    shell_findings = [f for f in scan.findings if f.rule_id == "B602"]
    # A user-controlled shell command (high) beside a constant one a codemod can rewrite (low).
    assert {f.severity for f in shell_findings} >= {Level.HIGH, Level.LOW}
    fixable_findings = [
        f for f in scan.findings
        if f.rule_id in CODEMOD_RULES and not (f.rule_id == "B602" and f.severity == Level.HIGH)
    ]
    assert len(fixable_findings) > len(scan.findings) / 2


def test_readme_warns_never_to_deploy() -> None:
    text = (EXAMPLES / "README.md").read_text("utf-8").lower()
    assert "deliberately vulnerable" in text
    assert "never deploy" in text
