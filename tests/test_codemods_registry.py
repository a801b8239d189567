"""The registry: unique ids, complete metadata, and cases for every codemod and every rule it claims."""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from codemod_helpers import CASES, load_cases
from semgrep_helpers import BUNDLED_JSON

from vulnloop.cwe import catalogue
from vulnloop.findings import Finding, Level
from vulnloop.repair.codemods import (
    MODULES,
    RULES,
    all_codemods,
    build_registry,
    codemods_for,
    info_by_id,
    load,
)
from vulnloop.repair.codemods.catalogue import INFOS

OUR_SEMGREP_RULES = {
    rule["id"] for rule in json.loads(BUNDLED_JSON.read_text("utf-8"))["rules"]
}

# CodeQL queries outside the Security/CWE-* folders that the reference list covers.
CODEQL_OUTSIDE_CWE_FOLDERS = {"py/bind-socket-all-network-interfaces"}


def _finding(rule_id: str) -> Finding:
    return Finding(
        engine="bandit" if rule_id.startswith("B") else "codeql", rule_id=rule_id, cwes=(),
        severity=Level.HIGH, confidence=Level.HIGH, path="x.py", start_line=1, end_line=1,
        start_col=1, end_col=2, message="",
    )


def test_ids_are_unique_and_kebab_case() -> None:
    ids = [c.info.id for c in all_codemods()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids), ids


@pytest.mark.parametrize("codemod", all_codemods(), ids=lambda c: c.info.id)
def test_metadata_is_complete(codemod: object) -> None:
    info = codemod.info  # type: ignore[attr-defined]
    assert info.summary.strip() and info.guidance.strip()
    assert info.cwes and all(cwe in catalogue() for cwe in info.cwes)
    assert info.bandit_ids or info.codeql_ids or info.semgrep_ids
    assert all(re.fullmatch(r"B\d{3}", rule) for rule in info.bandit_ids)
    assert all(rule.startswith("py/") for rule in info.codeql_ids)
    assert set(info.semgrep_ids) <= OUR_SEMGREP_RULES
    assert set(info.residual_rules).isdisjoint(info.bandit_ids)


def test_registry_refuses_duplicate_ids() -> None:
    first = all_codemods()[0]
    twin = type("Twin", (), {"info": replace(first.info, summary="another")})()
    with pytest.raises(ValueError, match=first.info.id):
        build_registry((first, twin))
    assert build_registry(all_codemods()) == all_codemods()


def test_every_codemod_has_before_after_and_noop_cases() -> None:
    cases = load_cases()
    registered = {c.info.id for c in all_codemods()}
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert folders == registered, "case folders and registered codemods differ"
    for codemod_id in registered:
        mine = [c for c in cases if c.codemod_id == codemod_id]
        assert any(c.after is not None for c in mine), f"{codemod_id}: no before/after case"
        assert any(c.after is None for c in mine), f"{codemod_id}: no no-op case"


def test_every_codemod_is_in_the_readme_table() -> None:
    readme = (CASES.parents[1] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| ((?:B|`vulnloop\.)[^|]*) \|", readme, flags=re.MULTILINE)
    assert {row[0] for row in rows} == {c.info.id for c in all_codemods()}


def test_every_claimed_bandit_and_semgrep_rule_has_a_verified_case() -> None:
    covered = {(c.codemod_id, c.rule_id) for c in load_cases() if c.after is not None}
    for codemod in all_codemods():
        for rule in (*codemod.info.bandit_ids, *codemod.info.semgrep_ids):
            assert (codemod.info.id, rule) in covered, f"{codemod.info.id} claims {rule} without a case"


def test_every_case_file_is_well_formed() -> None:
    for path in CASES.rglob("*.py"):
        parts = path.name.split(".")
        assert len(parts) == 4 and parts[2] in ("before", "after", "noop"), path
        if parts[2] == "after":
            assert path.with_name(f"{parts[0]}.{parts[1]}.before.py").is_file(), path


def test_codeql_ids_are_real_queries(shared_data: Path) -> None:
    with (shared_data / "reference" / "codeql_python_security_queries.csv").open(encoding="utf-8") as handle:
        known = {row["id"] for row in csv.DictReader(handle)} | CODEQL_OUTSIDE_CWE_FOLDERS
    for codemod in all_codemods():
        assert set(codemod.info.codeql_ids) <= known, codemod.info.id


def test_codemods_for_matches_bandit_and_codeql_rule_ids() -> None:
    assert [c.info.id for c in codemods_for(_finding("B506"))] == ["yaml-safe-load"]
    assert [c.info.id for c in codemods_for(_finding("py/xxe"))] == ["defused-xml"]
    assert [c.info.id for c in codemods_for(_finding("B314"))] == ["defused-xml"]
    assert codemods_for(_finding("B301")) == ()  # pickle: no safe rewrite
    assert [c.info.id for c in codemods_for(_finding("py/sql-injection"))] == ["sql-parameters"]
    assert [c.info.id for c in codemods_for(_finding("py/regex-injection"))] == ["regex-escape"]
    assert codemods_for(_finding("py/code-injection")) == ()


def test_static_rule_index_agrees_with_every_codemod() -> None:
    """codemods_for and the reports read the catalogue, not the modules: they must say the same."""
    assert MODULES == tuple(RULES)
    for module, rules in RULES.items():
        assert load(module).info is INFOS[module], module
        assert info_by_id(INFOS[module].id) is INFOS[module]
        assert load(module).info.rule_ids == rules, module
    assert tuple(c.info.id for c in all_codemods()) == tuple(load(m).info.id for m in MODULES)
    every_rule = {rule for c in all_codemods() for rule in c.info.rule_ids}
    for rule in every_rule:
        expected = tuple(c for c in all_codemods() if rule in c.info.rule_ids)
        assert codemods_for(_finding(rule)) == expected, rule


_IMPORTS_AFTER = textwrap.dedent(
    """
    import sys
    from vulnloop.findings import Finding, Level
    from vulnloop.repair.codemods import codemods_for, info_by_id

    finding = Finding(
        engine="bandit", rule_id=sys.argv[1], cwes=(502,), severity=Level.MEDIUM,
        confidence=Level.HIGH, path="app.py", start_line=3, end_line=3, start_col=5, end_col=40,
        message="Pickle and modules that wrap it can be unsafe when used to deserialize untrusted data.",
    )
    found = codemods_for(finding)
    assert info_by_id("defused-xml").guidance  # what the reports show costs no import either
    print(len(found), "libcst" in sys.modules)
    """
)


@pytest.mark.parametrize(("rule", "expected"), [("B301", "0 False"), ("B506", "1 True")])
def test_asking_about_a_rule_without_codemod_does_not_import_libcst(rule: str, expected: str) -> None:
    """The pre-commit hook asks about every finding, and shows every repair's guidance: only a
    rule with a codemod may pay for libcst's import (~180 ms)."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTS_AFTER, rule], capture_output=True, text=True, check=True
    )
    assert result.stdout.split("\n")[0] == expected
