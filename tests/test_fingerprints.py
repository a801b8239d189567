from __future__ import annotations

from vulnloop.engines.bandit import BanditEngine
from vulnloop.fingerprints import enclosing_scope
from vulnloop.sources import SourceFile

from tests.samples import SHELL

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
    text = SHELL + '    subprocess.call("tar czf backup.tgz " + folder, shell=True)\n'
    prints = [f.fingerprint for f in scan(text) if f.rule_id == "B602"]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_enclosing_scope_names_methods_and_module_level() -> None:
    text = "class A:\n    def m(self):\n        x = 1\n\ny = 2\n"
    assert enclosing_scope(text, 3) == "A.m"
    assert enclosing_scope(text, 5) == ""
    assert enclosing_scope("def (:", 1) == ""
