"""Every codemod against its before/after/no-op cases in tests/codemod_cases/, with real Bandit
(and real Semgrep for cases of our Semgrep rules)."""
from __future__ import annotations

import difflib

import pytest
from codemod_helpers import (
    TARGET_MARK,
    Case,
    comments,
    judge,
    load_cases,
    marked_finding,
    parses,
    scan,
)

from vulnloop.findings import Finding
from vulnloop.repair.codemods import all_codemods

CODEMODS = {c.info.id: c for c in all_codemods()}
CASES = load_cases()
POSITIVE = [c for c in CASES if c.after is not None]
NOOP = [c for c in CASES if c.after is None]


def _target(case: Case, text: str) -> tuple[list[Finding], Finding]:
    findings = scan(text, case.rule_id)
    flagged = [f for f in findings if f.rule_id == case.rule_id]
    assert len(flagged) == 1, f"{case.id}: expected one {case.rule_id} finding, got {flagged}"
    return findings, flagged[0]


def _changed_before_lines(before: str, after: str) -> set[int]:
    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(i1 + 1, i2 + 1))
    return changed


@pytest.mark.parametrize("case", POSITIVE, ids=[c.id for c in POSITIVE])
def test_before_becomes_after_and_bandit_agrees(case: Case) -> None:
    codemod = CODEMODS[case.codemod_id]
    before = case.before.read_text(encoding="utf-8")
    assert case.after is not None and case.after.is_file(), f"{case.id}: no .after.py"
    expected = case.after.read_text(encoding="utf-8")
    assert case.rule_id in codemod.info.rule_ids
    findings, target = _target(case, before)

    produced = codemod.apply(before, target)

    assert produced == expected
    assert parses(produced)
    verdict = judge(before, findings, target, produced, codemod.info.residual_rules)
    assert verdict.fixed, f"{case.id}: the re-scan still reports {case.rule_id}"
    assert verdict.problem is None, f"{case.id}: {verdict.problem}"
    # Comments survive, and only the flagged statement's lines (and the line next to them that a
    # rewrite may join: a query flagged where it is built, passed on the next line) or import
    # lines were rewritten.
    assert set(comments(before)) <= set(comments(produced))
    lines = before.splitlines()
    for number in _changed_before_lines(before, produced):
        statement = range(target.start_line - 2, max(target.end_line, target.start_line) + 2)
        assert number in statement or lines[number - 1].startswith(("import ", "from ")), (
            f"{case.id}: line {number} changed outside the flagged node"
        )


@pytest.mark.parametrize("case", NOOP, ids=[c.id for c in NOOP])
def test_look_alike_is_refused(case: Case) -> None:
    codemod = CODEMODS[case.codemod_id]
    text = case.before.read_text(encoding="utf-8")
    flagged = [f for f in scan(text, case.rule_id) if f.rule_id == case.rule_id]
    if TARGET_MARK in text:
        assert not flagged, f"{case.id}: marked look-alikes are for code no engine flags"
        flagged = [marked_finding(text, case.rule_id)]
    assert flagged, f"{case.id}: no engine flags it; mark the look-alike line {TARGET_MARK!r}"
    for finding in flagged:
        produced = codemod.apply(text, finding)
        assert produced is None or produced == text


@pytest.mark.parametrize("case", POSITIVE, ids=[c.id for c in POSITIVE])
def test_rewritten_code_is_not_rewritten_again(case: Case) -> None:
    """Pointed at its own output (as a stale or second finding would), a codemod refuses."""
    codemod = CODEMODS[case.codemod_id]
    assert case.after is not None
    before = case.before.read_text(encoding="utf-8")
    after = case.after.read_text(encoding="utf-8")
    new_lines = [
        (number, line)
        for number, line in enumerate(after.splitlines(), start=1)
        if line not in before.splitlines()
    ]
    assert new_lines, f"{case.id}: the after text changes no statement"
    for number, line in new_lines:
        marked = "\n".join(
            f"{text}  {TARGET_MARK}" if index == number else text
            for index, text in enumerate(after.splitlines(), start=1)
        ) + "\n"
        finding = marked_finding(marked, case.rule_id)
        assert codemod.apply(after, finding) is None, f"{case.id}: rewrote line {number} again"
