"""Shared by the codemod tests and benchmarks/codemods_coverage.py: the real Bandit (and the real
Semgrep with our rules, for cases of those rules), the before/after/no-op cases kept as files under
tests/codemod_cases/, and the re-scan judgement."""
from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vulnloop.engines.bandit import BanditEngine
from vulnloop.engines.semgrep import SemgrepEngine
from vulnloop.findings import Finding, Level
from vulnloop.sources import SourceFile
from vulnloop.repair.verify import findings_problem

CASES = Path(__file__).resolve().parent / "codemod_cases"
TARGET_MARK = "# codemod-target"


@lru_cache(maxsize=1)
def engine() -> BanditEngine:
    return BanditEngine()


SEMGREP_PREFIX = "vulnloop."


def is_semgrep_rule(rule_id: str) -> bool:
    return rule_id.startswith(SEMGREP_PREFIX)


def scan(text: str, rule_id: str | None = None) -> list[Finding]:
    """Bandit's findings, and Semgrep's too when the case is about one of our Semgrep rules."""
    findings, reason = engine().scan_text("case.py", text)
    assert reason is None, reason
    if rule_id is not None and is_semgrep_rule(rule_id):
        findings = [*findings, *semgrep_scan(text)]
    return findings


_SEMGREP_SEEN: dict[str, list[Finding]] = {}


def semgrep_scan(text: str) -> list[Finding]:
    """Semgrep's findings on one text. The first call scans every Semgrep case text (before, after
    and no-op) in one run, since each run of Semgrep costs seconds; texts not among them (a
    codemod's wrong output) are scanned on their own."""
    if not _SEMGREP_SEEN:
        texts = [
            path.read_text(encoding="utf-8")
            for case in load_cases() if is_semgrep_rule(case.rule_id)
            for path in (case.before, case.after) if path is not None
        ]
        _SEMGREP_SEEN.update(_semgrep_batch([*texts, text]))
    if text not in _SEMGREP_SEEN:
        _SEMGREP_SEEN.update(_semgrep_batch([text]))
    return _SEMGREP_SEEN[text]


def _semgrep_batch(texts: list[str]) -> dict[str, list[Finding]]:
    import pytest  # only the tests reach Semgrep cases; the coverage benchmark skips them

    semgrep = SemgrepEngine()
    reason = semgrep.unavailable_reason()
    if reason is not None:
        pytest.skip(f"Semgrep cases need Semgrep: {reason}")
    unique = list(dict.fromkeys(texts))
    result = semgrep.scan([SourceFile(f"case{index}.py", text) for index, text in enumerate(unique)])
    assert not result.skipped, result.skipped
    by_path: dict[str, list[Finding]] = {f"case{index}.py": [] for index in range(len(unique))}
    for finding in result.findings:
        by_path[finding.path].append(finding)
    return {text: by_path[f"case{index}.py"] for index, text in enumerate(unique)}


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


@dataclass(frozen=True)
class Verdict:
    fixed: bool
    problem: str | None

    @property
    def verified(self) -> bool:
        return self.fixed and self.problem is None


def judge(before_text: str, before: list[Finding], target: Finding, after_text: str,
          residual_rules: tuple[str, ...] = ()) -> Verdict:
    """Re-scan ``after_text`` and judge it with the repair loop's own rules (verify.py)."""
    fixed, problem = findings_problem(
        before_text, before, after_text, scan(after_text, target.rule_id), [target],
        residual_rules=residual_rules,
    )
    return Verdict(bool(fixed), problem)


@dataclass(frozen=True)
class Case:
    """One case file: ``<name>.<RULE>.before.py`` (+ ``.after.py``) or ``<name>.<RULE>.noop.py``,
    RULE a Bandit test id (B602) or the name of one of our Semgrep rules without its ``vulnloop.``
    prefix (secret-file-default-permissions)."""

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
            rule_id = rule if re.fullmatch(r"B\d{3}", rule) else SEMGREP_PREFIX + rule
            cases.append(Case(folder.name, name, rule_id, path, after))
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
