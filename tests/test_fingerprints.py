from __future__ import annotations

from vulnloop.engines.bandit import BanditEngine
from vulnloop.fingerprints import enclosing_scope
from vulnloop.sources import SourceFile

from tests.samples import SHELL, YAML

ENGINE = BanditEngine()


def scan(text: str, path: str = "app.py"):
    return ENGINE.scan([SourceFile(path, text)]).findings


def test_fingerprint_survives_lines_added_above() -> None:
    before = {f.rule_id: f for f in scan(SHELL)}
    moved = "# a comment\n\nVERSION = 2\n" + SHELL
    after = {f.rule_id: f for f in scan(moved)}
    assert after["B602"].start_line == before["B602"].start_line + 3
    assert after["B602"].fingerprint == before["B602"].fingerprint


def test_fingerprint_changes_with_the_flagged_code_and_scope() -> None:
    base = scan(SHELL)[-1]
    other_code = scan(SHELL.replace("tar czf", "zip -r"))[-1]
    other_scope = scan(SHELL.replace("def archive", "def backup"))[-1]
    assert len({base.fingerprint, other_code.fingerprint, other_scope.fingerprint}) == 3


def test_identical_flagged_lines_in_one_scope_get_distinct_fingerprints() -> None:
    text = SHELL + '    subprocess.call("tar czf backup.tgz %s" % folder, shell=True)\n'
    prints = [f.fingerprint for f in scan(text) if f.rule_id == "B602"]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_enclosing_scope_names_methods_and_module_level() -> None:
    text = "class A:\n    def m(self):\n        x = 1\n\ny = 2\n"
    assert enclosing_scope(text, 3) == "A.m"
    assert enclosing_scope(text, 5) == ""
    assert enclosing_scope("def (:", 1) == ""


def test_identical_code_in_two_files_gets_two_fingerprints() -> None:
    first, second = scan(SHELL, "app/a.py"), scan(SHELL, "app/b.py")
    assert [f.rule_id for f in first] == [f.rule_id for f in second]
    assert not {f.fingerprint for f in first} & {f.fingerprint for f in second}
    # The same file scanned again (or named with the other separator) keeps its fingerprints.
    assert [f.fingerprint for f in scan(SHELL, "app/a.py")] == [f.fingerprint for f in first]
    assert [f.fingerprint for f in scan(SHELL, "app\\a.py")] == [f.fingerprint for f in first]


def test_a_fix_in_one_file_is_not_credited_to_its_twin(tmp_path) -> None:
    """Two files with the same flagged line: the repair loop fixes one (the other cannot be
    repaired, being excluded from the targets), and SARIF and the ledger tell them apart."""
    from vulnloop.repair.loop import RepairLoop
    from vulnloop.report.sarif import sarif_log

    loop = RepairLoop(engines=[ENGINE], root=tmp_path)
    sources = [SourceFile("a.py", YAML), SourceFile("b.py", YAML)]
    result = loop.scan(sources)
    targets = [f for f in result.findings if f.path == "a.py"]
    report = loop.repair(sources, result, targets)
    [entry] = report.entries
    assert entry.finding.path == "a.py" and entry.status.name == "FIXED"
    results = sarif_log(result, entries=report.entries)["runs"][0]["results"]
    fixes = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: "fixes" in r for r in results}
    assert fixes == {"a.py": True, "b.py": False}


def test_enclosing_scope_of_nested_and_sibling_definitions() -> None:
    text = (
        "class A:\n"  # 1
        "    def m(self):\n"  # 2
        "        def inner():\n"  # 3
        "            pass\n"  # 4
        "        return inner\n"  # 5
        "\n"  # 6
        "    x = 1\n"  # 7
        "def f(): return 1\n"  # 8
        "y = 2\n"  # 9
    )
    assert [enclosing_scope(text, line) for line in range(1, 10)] == [
        "A", "A.m", "A.m.inner", "A.m.inner", "A.m", "A", "A", "f", "",
    ]
