"""De-duplication of Semgrep findings against Bandit and CodeQL findings."""
from __future__ import annotations

from vulnloop.engines.dedupe import dedupe_findings
from vulnloop.findings import Finding, Level


def finding(engine: str, rule: str, cwes: tuple[int, ...], line: int = 5, path: str = "a.py") -> Finding:
    return Finding(
        engine=engine, rule_id=rule, cwes=cwes, severity=Level.HIGH, confidence=Level.HIGH,
        path=path, start_line=line, end_line=line, start_col=1, end_col=10, message="m",
    )


def test_semgrep_duplicate_of_bandit_is_dropped() -> None:
    bandit = finding("bandit", "B602", (78,))
    semgrep = finding("semgrep", "vulnloop.command-injection", (78,))
    assert dedupe_findings([semgrep, bandit]) == [bandit]


def test_shared_secondary_cwe_counts_as_the_same_problem() -> None:
    bandit = finding("bandit", "B105", (259,))
    semgrep = finding("semgrep", "vulnloop.hardcoded-credentials", (798, 259))
    assert dedupe_findings([bandit, semgrep]) == [bandit]


def test_different_line_path_or_cwe_is_kept() -> None:
    bandit = finding("bandit", "B307", (78,))
    other_cwe = finding("semgrep", "vulnloop.code-injection", (94, 95))
    other_line = finding("semgrep", "vulnloop.command-injection", (78,), line=6)
    other_path = finding("semgrep", "vulnloop.command-injection", (78,), path="b.py")
    kept = dedupe_findings([bandit, other_cwe, other_line, other_path])
    assert kept == sorted([bandit, other_cwe, other_line, other_path], key=Finding.sort_key)


def test_primary_engines_are_never_dropped() -> None:
    bandit = finding("bandit", "B608", (89,))
    codeql = finding("codeql", "py/sql-injection", (89,))
    semgrep = finding("semgrep", "vulnloop.sql-injection", (89,))
    assert dedupe_findings([semgrep, codeql, bandit]) == sorted([bandit, codeql], key=Finding.sort_key)


def test_repeated_semgrep_findings_collapse_to_one() -> None:
    first = finding("semgrep", "vulnloop.unsafe-deserialization", (502,))
    second = finding("semgrep", "vulnloop.unsafe-deserializer", (502,))
    assert dedupe_findings([second, first]) == [first]


def test_findings_without_cwe_are_kept() -> None:
    bandit = finding("bandit", "B101", ())
    semgrep = finding("semgrep", "vulnloop.x", ())
    assert len(dedupe_findings([bandit, semgrep])) == 2
