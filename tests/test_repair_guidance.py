"""Every repair's guidance and the dependencies it adds reach the person deciding to take it:
the ledger, the review comment, SARIF, JSON and the job summary."""
from __future__ import annotations

import json
from pathlib import Path

from test_action_review_plan import ORIGINAL, PATCH, WITH_YAML, finding, report

from tests.conftest import run_cli
from vulnloop.findings import Level
from vulnloop.pr_diff import parse_patch
from vulnloop.repair.codemods import info_by_id
from vulnloop.repair.dependencies import added_imports, dependency_notes
from vulnloop.repair.ledger import LedgerEntry, Repair, Status
from vulnloop.report.console import format_ledger
from vulnloop.report.review import plan_review
from vulnloop.report.sarif import sarif_log
from vulnloop.report.summary import SummaryFacts, job_summary

XML_APP = """\
import xml.etree.ElementTree as ET


def parse(text):
    return ET.fromstring(text)
"""
NOTE = "Adds a dependency on defusedxml (import defusedxml), which requirements.txt does not declare"


def _yaml_fix(notes: tuple[str, ...] = ()) -> LedgerEntry:
    repair = Repair("codemod:yaml-safe-load", 1, ORIGINAL, WITH_YAML, "", ("bandit",), notes)
    return LedgerEntry(finding("B506", 10), Status.FIXED, repair)


def test_review_comment_carries_the_codemods_guidance_and_the_dependency() -> None:
    plan = plan_review(report([_yaml_fix(("Adds a dependency on pyyaml.",))]), {"app.py": parse_patch(PATCH, "app.py")})
    body = plan.comments[0].body
    guidance = info_by_id("yaml-safe-load").guidance  # type: ignore[union-attr]
    assert guidance[:60] in body and "Load YAML with yaml.safe_load" in body
    assert "**⚠️ Adds a dependency on pyyaml.**" in body


def test_an_llm_repair_has_no_codemod_guidance() -> None:
    entry = _yaml_fix()
    llm = LedgerEntry(entry.finding, Status.FIXED, Repair("llm:m", 1, ORIGINAL, WITH_YAML, "", ("bandit",)))
    body = plan_review(report([llm]), {"app.py": parse_patch(PATCH, "app.py")}).comments[0].body
    assert "Check before committing" not in body


def test_job_summary_gives_each_codemods_guidance_once() -> None:
    first = _yaml_fix(("Adds a dependency on pyyaml.",))
    second = LedgerEntry(finding("B506", 11, fp="other"), Status.FIXED, first.repair)
    text = job_summary(report([first, second]), SummaryFacts(event="push", fail_on=Level.HIGH))
    guidance = info_by_id("yaml-safe-load").guidance  # type: ignore[union-attr]
    assert text.count(guidance[:60]) == 1 and "`yaml-safe-load` (2 repairs)" in text
    assert text.count("Adds a dependency on pyyaml.") == 1


def test_fix_names_an_undeclared_dependency_everywhere(write_tree) -> None:
    root = write_tree({"app/parse.py": XML_APP, "app/requirements.txt": "flask>=3\n", "pyproject.toml": ""})
    text = run_cli("fix", "--engines", "bandit", cwd=root).stdout
    assert "NOTE: " + NOTE.replace("requirements.txt", "app/requirements.txt") in " ".join(text.split())
    assert "Before applying these repairs:\n  defused-xml (" in text
    log = json.loads(run_cli("fix", "--engines", "bandit", "--format", "sarif", cwd=root).stdout)
    fixes = [r["fixes"][0] for run in log["runs"] for r in run["results"] if "fixes" in r]
    assert fixes and all("Check: Adds a dependency on defusedxml" in f["description"]["text"] for f in fixes)
    assert all("app/requirements.txt does not declare" in f["description"]["text"] for f in fixes)
    data = json.loads(run_cli("fix", "--engines", "bandit", "--format", "json", cwd=root).stdout)
    repairs = [e["repair"] for e in data["entries"] if e["status"] == "fixed"]
    assert repairs and all(r["guidance"] and "app/requirements.txt" in r["notes"][0] for r in repairs)


def test_a_declared_dependency_is_said_to_be_declared(tmp_path: Path) -> None:
    (tmp_path / "requirements-prod.txt").write_text("Flask==3.0\ndefusedxml==0.7.1  # xml\n")
    after = XML_APP.replace("xml.etree.ElementTree", "defusedxml.ElementTree")
    assert dependency_notes(tmp_path, "parse.py", XML_APP, after) == (
        "Uses defusedxml (import defusedxml), which requirements-prod.txt already declares.",
    )


def test_dependency_files_are_found_from_the_file_up_to_the_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\ndependencies = ["flask"]\n')
    (tmp_path / "shop").mkdir()
    after = XML_APP.replace("xml.etree.ElementTree", "defusedxml.ElementTree")
    (note,) = dependency_notes(tmp_path, "shop/parse.py", XML_APP, after)
    assert note.startswith("Adds a dependency on defusedxml (import defusedxml), which pyproject.toml does not")
    bare = tmp_path / "bare"
    bare.mkdir()
    (alone,) = dependency_notes(bare, "parse.py", XML_APP, after)
    assert "the project declares no dependencies" in alone


def test_standard_library_and_local_modules_are_no_dependency(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("")
    after = "import hmac\nimport helpers\nfrom . import sibling\nimport xml.etree.ElementTree as ET\n"
    assert added_imports(XML_APP, after) == ["helpers"]
    assert dependency_notes(tmp_path, "app.py", XML_APP, after) == ()


def test_new_imports_are_read_from_the_added_lines_before_any_file_is_parsed() -> None:
    assert added_imports(XML_APP, "import secrets\nimport hmac\n" + XML_APP) == []
    parenthesised = "from defusedxml.ElementTree import (\n    fromstring,\n)\n" + XML_APP
    assert added_imports(XML_APP, parenthesised) == ["defusedxml"]  # a line that does not parse alone
    assert added_imports(XML_APP, "import os, defusedxml\n" + XML_APP) == ["defusedxml"]


def test_ledger_without_codemods_has_no_guidance_section() -> None:
    entry = _yaml_fix()
    llm = LedgerEntry(entry.finding, Status.FIXED, Repair("llm:m", 1, ORIGINAL, WITH_YAML, "", ("bandit",)))
    assert "Before applying" not in format_ledger(report([llm]), diffs=False)
    assert "Before applying these repairs:\n  yaml-safe-load (1 repair): safe_load" in format_ledger(
        report([entry]), diffs=False
    )


def test_sarif_result_carries_the_notes() -> None:
    rep = report([_yaml_fix(("Adds a dependency on pyyaml.",))])
    log = sarif_log(rep.scan, entries=rep.entries)
    result = log["runs"][0]["results"][0]
    assert result["properties"]["vulnloop/notes"] == ["Adds a dependency on pyyaml."]
    assert "Load YAML with yaml.safe_load" in result["fixes"][0]["description"]["text"]


def test_both_hooks_say_which_dependency_a_repair_adds(write_tree) -> None:
    root = write_tree({"parse.py": XML_APP, "requirements.txt": "flask>=3\n", "pyproject.toml": ""})
    shown = run_cli("hook", "parse.py", cwd=root)
    assert "  " + NOTE in shown.stdout
    fixed = run_cli("hook", "--fix", "parse.py", cwd=root)
    assert "Fixing parse.py" in fixed.stdout + fixed.stderr
    assert f"parse.py: {NOTE}" in fixed.stdout
