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


def test_every_front_door_picks_targets_by_one_rule() -> None:
    """select_targets: the thresholds, and a Semgrep repeat of Bandit's finding left out, for fix,
    hook and the Action alike (scan shows the same list)."""
    from vulnloop.config import Config
    from vulnloop.findings import Finding, Level, ScanResult
    from vulnloop.pipeline import select_targets

    def make(engine: str, rule: str, line: int, severity: Level, cwes: tuple[int, ...] = (78,)) -> Finding:
        return Finding(engine, rule, cwes, severity, Level.HIGH, "a.py", line, line, 1, 2, "m")

    bandit = make("bandit", "B602", 3, Level.HIGH)
    repeat = make("semgrep", "command-injection", 3, Level.HIGH)
    other = make("semgrep", "path-traversal", 5, Level.MEDIUM, (22,))
    low = make("bandit", "B404", 1, Level.LOW)
    scan = ScanResult(findings=(low, bandit, repeat, other))
    assert select_targets(scan, Config(severity=Level.MEDIUM)) == (bandit, other)
    assert select_targets(scan, Config()) == (low, bandit, other)


def test_fix_repairs_and_reports_one_weakness_once(write_tree) -> None:
    from semgrep_helpers import require_semgrep
    from tests.conftest import run_cli

    require_semgrep()
    app = (
        "import subprocess\nfrom flask import Flask, request\n\napp = Flask(__name__)\n\n\n"
        "@app.route('/run')\ndef run():\n    return str(subprocess.call(request.args['cmd'], shell=True))\n"
    )
    root = write_tree({"app.py": app})
    scan = run_cli("scan", "--engines", "bandit,semgrep", "--format", "json", cwd=root)
    fix = run_cli("fix", "--engines", "bandit,semgrep", "--no-llm", "--format", "json", cwd=root)
    import json

    shown = [(f["engine"], f["rule_id"], f["start_line"]) for f in json.loads(scan.stdout)["findings"]]
    ledger = [(e["finding"]["engine"], e["finding"]["rule_id"], e["finding"]["start_line"])
              for e in json.loads(fix.stdout)["entries"]]
    cwe78_on_line_9 = [e for e in json.loads(fix.stdout)["entries"]
                       if e["finding"]["start_line"] == 9 and 78 in e["finding"]["cwes"]]
    assert [e["finding"]["rule_id"] for e in cwe78_on_line_9] == ["B602"]  # Semgrep's repeat left out
    assert sorted(ledger) == sorted(shown)  # fix repairs exactly what scan shows
