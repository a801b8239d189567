"""Shared by the codemod tests and benchmarks/codemods_coverage.py: the real Bandit, the
before/after/no-op cases kept as files under tests/codemod_cases/, and the re-scan judgement."""
from __future__ import annotations

import ast
import difflib
import io
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vulnloop.engines.bandit import BanditEngine
from vulnloop.findings import Finding, Level

CASES = Path(__file__).resolve().parent / "codemod_cases"
TARGET_MARK = "# codemod-target"


@lru_cache(maxsize=1)
def engine() -> BanditEngine:
    return BanditEngine()


def scan(text: str) -> list[Finding]:
    findings, reason = engine().scan_text("case.py", text)
    assert reason is None, reason
    return findings


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def comments(text: str) -> list[str]:
    return [
        token.string
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
    ]


def _after_to_before_lines(before: str, after: str) -> dict[int, range]:
    """For each 1-based line of ``after``, the lines of ``before`` it came from (empty if added)."""
    mapping: dict[int, range] = {}
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            if tag == "equal":
                mapping[j + 1] = range(i1 + 1 + (j - j1), i1 + 2 + (j - j1))
            elif tag == "replace":
                mapping[j + 1] = range(i1 + 1, i2 + 1)
            else:
                mapping[j + 1] = range(0)
    return mapping


def new_findings(before_text: str, before: list[Finding], after_text: str, after: list[Finding]) -> list[Finding]:
    """Findings of ``after`` that no finding of ``before`` accounts for: same rule, on lines the
    edit kept or rewrote. Matching by place rather than by code keeps a second finding on a
    rewritten line (B113 next to B501 on one call) from passing for a new one."""
    mapping = _after_to_before_lines(before_text, after_text)
    unused = Counter((f.rule_id, f.start_line) for f in before)
    fresh: list[Finding] = []
    for finding in after:
        origin = set()
        for line in range(finding.start_line, max(finding.end_line, finding.start_line) + 1):
            origin.update(mapping.get(line, range(0)))
        match = next(
            (key for key in unused if key[0] == finding.rule_id and unused[key] > 0 and key[1] in origin),
            None,
        )
        if match is None:
            fresh.append(finding)
        else:
            unused[match] -= 1
    return fresh


@dataclass(frozen=True)
class Verdict:
    fixed: bool
    fresh: tuple[Finding, ...]

    @property
    def verified(self) -> bool:
        return self.fixed and not self.fresh


def judge(before_text: str, before: list[Finding], target: Finding, after_text: str,
          residual_rules: tuple[str, ...] = ()) -> Verdict:
    """Re-scan ``after_text``: is the target's rule reported fewer times, and is anything new
    (other than the codemod's declared residual rules)?"""
    after = scan(after_text)
    fixed = sum(f.rule_id == target.rule_id for f in after) < sum(
        f.rule_id == target.rule_id for f in before
    )
    fresh = tuple(
        f for f in new_findings(before_text, before, after_text, after) if f.rule_id not in residual_rules
    )
    return Verdict(fixed, fresh)


@dataclass(frozen=True)
class Case:
    """One case file: ``<name>.<RULE>.before.py`` (+ ``.after.py``) or ``<name>.<RULE>.noop.py``."""

    codemod_id: str
    name: str
    rule_id: str
    before: Path
    after: Path | None

    @property
    def id(self) -> str:
        return f"{self.codemod_id}/{self.name}.{self.rule_id}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.py")):
            parts = path.name.split(".")
            if len(parts) != 4 or parts[2] not in ("before", "noop"):
                continue  # .after.py files are read with their .before.py
            name, rule, kind, _ = parts
            after = path.with_name(f"{name}.{rule}.after.py") if kind == "before" else None
            cases.append(Case(folder.name, name, rule, path, after))
    return cases


def marked_finding(text: str, rule_id: str) -> Finding:
    """A finding covering the line marked ``# codemod-target``: for look-alikes no engine flags,
    to check a codemod refuses them even when pointed straight at them."""
    for number, line in enumerate(text.splitlines(), start=1):
        if TARGET_MARK in line:
            code = line.split("#", 1)[0].rstrip()
            start = len(code) - len(code.lstrip()) + 1
            return Finding(
                engine="test", rule_id=rule_id, cwes=(), severity=Level.HIGH, confidence=Level.HIGH,
                path="case.py", start_line=number, end_line=number, start_col=start,
                end_col=len(code) + 1, message="marked look-alike",
            )
    raise AssertionError(f"no line marked {TARGET_MARK!r}")
