"""The CWE catalogue covers every CWE our engines and benchmarks can name, with sound entries."""
from __future__ import annotations

import ast
import csv
import inspect
import json
import re
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from vulnloop import cwe
from vulnloop.engines.bandit import BanditEngine
from vulnloop.sources import SourceFile

SHARED_DATA = Path(__file__).parents[1].parent / "shared" / "data"
SECURITYEVAL_TASKS = SHARED_DATA / "securityeval" / "tasks.jsonl"
CODEQL_QUERIES = SHARED_DATA / "reference" / "codeql_python_security_queries.csv"

# Rules of an engine still to come; its CWEs must be in the catalogue before it lands.
FUTURE_ENGINE_CWES = (
    22, 78, 79, 89, 90, 94, 95, 113, 117, 209, 215, 295, 327, 377, 502, 601, 611, 643, 730,
    732, 776, 798, 918, 943, 1333, 400, 20, 116, 312, 315, 359, 532, 614, 1004, 1275, 200,
    284, 285, 287, 306, 326, 328, 330, 338, 347, 352, 367, 434, 522, 605, 703, 829, 916,
    942, 1236, 16, 259, 321, 477, 80,
)

# SecurityEval names that no normalisation reconciles with MITRE's current official name.
# Each is a real disagreement, reported rather than papered over.
KNOWN_NAME_DISAGREEMENTS = {
    # MITRE's CWE-730 is the obsolete category "OWASP Top Ten 2004 Category A9 - Denial of
    # Service"; SecurityEval calls it "Regex Injection" after the ReDoS queries tagged with it.
    730: "Regex Injection",
    # MITRE renamed "...with Incorrect Permissions" to "...with Insecure Permissions".
    379: "Creation of Temporary File in Directory with Incorrect Permissions",
}


def _raw_catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("vulnloop").joinpath("data/cwe.json").read_text("utf-8")
    raw: dict[str, dict[str, str]] = json.loads(text)
    return raw


def _words(name: str) -> list[str]:
    """Lower-case words, with typographic quotes and punctuation dropped."""
    name = name.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"')
    name = name.replace("\u201d", '"')
    return re.findall(r"[a-z0-9]+", name.lower())


def names_agree(dataset_name: str, official_name: str) -> bool:
    """The dataset's (often shortened or truncated) name fits MITRE's official one.

    SecurityEval abbreviates ("OS Injection", "Path Traversal") and truncates ("Improper Control
    of Document Type Definiti"), so agreement means: every word of the dataset's name occurs in
    the official name, or the dataset's name is a prefix of it.
    """
    ours = _words(official_name)
    theirs = _words(dataset_name)
    if not theirs:
        return False
    if set(theirs) <= set(ours):
        return True
    return " ".join(ours).startswith(" ".join(theirs))


def test_names_agree_accepts_abbreviations_and_truncations_only() -> None:
    official = "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
    assert names_agree("OS Injection", official)
    assert names_agree("os command INJECTION", official)
    assert names_agree("Improper Control of Document Type Definiti", "Improper Control of Document Type Definition")
    assert names_agree("\u2018Path Traversal\u2019", "Improper Limitation of a Pathname ('Path Traversal')")
    assert not names_agree("SQL Injection", official)
    assert not names_agree("", official)


# --- the catalogue file itself ---------------------------------------------------------------


def test_keys_are_canonical_ids_and_entries_have_only_name_and_definition() -> None:
    raw = _raw_catalogue()
    assert raw, "the catalogue is empty"
    for key, value in raw.items():
        assert key == str(int(key)), f"key {key!r} must be a plain id without leading zeros"
        assert int(key) > 0
        assert set(value) == {"name", "definition"}, key


def test_every_entry_has_a_name_and_a_one_line_one_sentence_definition() -> None:
    for entry in cwe.catalogue().values():
        assert entry.name.strip() == entry.name and entry.name, entry.id
        assert entry.definition.strip() == entry.definition and entry.definition, entry.id
        assert "\n" not in entry.name and "\n" not in entry.definition, entry.id
        assert entry.definition.endswith("."), entry.id
        # One sentence: no full stop followed by a new capitalised sentence.
        assert not re.search(r"\.\s+[A-Z]", entry.definition), entry.id
        assert entry.definition != entry.name, entry.id
        assert not entry.name.startswith("CWE-"), f"CWE-{entry.id} has a placeholder name"


def test_definitions_are_distinct() -> None:
    definitions = [entry.definition for entry in cwe.catalogue().values()]
    assert len(definitions) == len(set(definitions))


def test_attribution_ships_beside_the_catalogue() -> None:
    text = resources.files("vulnloop").joinpath("data/CWE_ATTRIBUTION.md").read_text("utf-8")
    assert "MITRE" in text and "Terms of Use" in text


# --- coverage: SecurityEval, Bandit, CodeQL, the future engine --------------------------------


def _securityeval_cwes() -> dict[int, str]:
    if not SECURITYEVAL_TASKS.is_file():
        pytest.skip(f"{SECURITYEVAL_TASKS} is absent (../shared/data not beside the repo)")
    names: dict[int, str] = {}
    for line in SECURITYEVAL_TASKS.read_text("utf-8").splitlines():
        if line.strip():
            task = json.loads(line)
            cwe_id = cwe.parse_cwe(task["cwe"])
            assert cwe_id is not None, task["cwe"]
            names[cwe_id] = task["cwe_name"].strip()
    return names


def test_every_securityeval_cwe_is_present() -> None:
    dataset = _securityeval_cwes()
    assert len(dataset) == 69
    missing = sorted(set(dataset) - set(cwe.catalogue()))
    assert not missing, f"SecurityEval CWEs missing from the catalogue: {missing}"


def test_securityeval_names_agree_with_ours_apart_from_known_disagreements() -> None:
    dataset = _securityeval_cwes()
    disagreements = {
        cwe_id: (name, cwe.lookup(cwe_id).name)
        for cwe_id, name in dataset.items()
        if not names_agree(name, cwe.lookup(cwe_id).name)
    }
    unexpected = {k: v for k, v in disagreements.items() if k not in KNOWN_NAME_DISAGREEMENTS}
    assert not unexpected, f"names disagree with SecurityEval (dataset, ours): {unexpected}"
    # The allow-list must not go stale: each entry is still a real disagreement.
    for cwe_id, dataset_name in KNOWN_NAME_DISAGREEMENTS.items():
        assert dataset.get(cwe_id) == dataset_name
        assert cwe_id in disagreements


def _cwe_constants() -> dict[str, int]:
    from bandit.core import issue

    return {
        name: value
        for name, value in vars(issue.Cwe).items()
        if name.isupper() and isinstance(value, int) and value > 0
    }


def _cwes_named_in_module(module: ModuleType, constants: dict[str, int]) -> set[int]:
    """CWEs a plugin module passes to Bandit as ``Cwe.NAME`` (found by reading, not running, it)."""
    tree = ast.parse(inspect.getsource(module))
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in constants:
            base = node.value
            base_name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if base_name == "Cwe":
                found.add(constants[node.attr])
    return found


def bandit_reportable_cwes() -> set[int]:
    """Every CWE the installed Bandit can put on an issue: plugins, blacklists, its Cwe enum."""
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    constants = _cwe_constants()
    reportable = set(constants.values())

    modules: dict[str, ModuleType] = {}
    for extension in manager.plugins:
        module = inspect.getmodule(extension.plugin)
        assert module is not None, f"cannot find the module of Bandit plugin {extension.name}"
        modules[module.__name__] = module
    assert modules, "Bandit loaded no plugins"
    for name, module in modules.items():
        named = _cwes_named_in_module(module, constants)
        # A plugin that names no CWE would mean this introspection misses how it reports one.
        assert named, f"found no CWE in Bandit plugin module {name}"
        reportable |= named

    blacklisted = [entry for entries in manager.blacklist.values() for entry in entries]
    assert blacklisted, "Bandit loaded no blacklists"
    for entry in blacklisted:
        cwe_id = int(entry["cwe"])
        assert cwe_id > 0, f"blacklist {entry['id']} has no CWE"
        reportable.add(cwe_id)
    return reportable


def test_every_cwe_bandit_can_report_is_present() -> None:
    reportable = bandit_reportable_cwes()
    missing = sorted(reportable - set(cwe.catalogue()))
    assert not missing, f"CWEs the installed Bandit can report but the catalogue lacks: {missing}"


def test_real_bandit_findings_resolve_to_catalogue_entries() -> None:
    code = (
        "import pickle, subprocess, hashlib, yaml\n"
        "def run(cmd, blob, doc):\n"
        "    subprocess.call(cmd, shell=True)\n"
        "    hashlib.md5(blob)\n"
        "    yaml.load(doc)\n"
        "    return pickle.loads(blob)\n"
    )
    result = BanditEngine().scan([SourceFile("snippet.py", code)])
    cwes = {c for finding in result.findings for c in finding.cwes}
    assert len(cwes) >= 3
    for cwe_id in cwes:
        assert cwe_id in cwe.catalogue(), cwe_id


def test_every_codeql_python_security_tag_is_present() -> None:
    if not CODEQL_QUERIES.is_file():
        pytest.skip(f"{CODEQL_QUERIES} is absent (../shared/data not beside the repo)")
    with CODEQL_QUERIES.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tags: set[int] = set()
    for row in rows:
        for tag in row["tag_cwes"].split(";"):
            if tag.strip():
                cwe_id = cwe.parse_cwe(tag)
                assert cwe_id is not None, tag
                tags.add(cwe_id)
    assert {23, 36, 73, 99} <= tags, "secondary tags were not read"
    missing = sorted(tags - set(cwe.catalogue()))
    assert not missing, f"CodeQL CWE tags missing from the catalogue: {missing}"


def test_every_cwe_of_the_future_engine_is_present() -> None:
    missing = sorted(set(FUTURE_ENGINE_CWES) - set(cwe.catalogue()))
    assert not missing


def test_official_names_of_well_known_cwes() -> None:
    assert cwe.lookup(79).name == (
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    )
    assert cwe.lookup(89).name == (
        "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
    )
    assert cwe.lookup(502).name == "Deserialization of Untrusted Data"


# --- parsing and lookup -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "CWE-079",
        "cwe-79",
        "CWE-79",
        "external/cwe/cwe-079",
        "https://cwe.mitre.org/data/definitions/79.html",
        "79",
        " 079 ",
    ],
)
def test_parse_cwe_reads_every_spelling(text: str) -> None:
    assert cwe.parse_cwe(text) == 79


def test_parse_cwe_keeps_multi_digit_ids_and_rejects_text_without_one() -> None:
    assert cwe.parse_cwe("external/cwe/cwe-1333") == 1333
    assert cwe.parse_cwe("CWE-020") == 20
    assert cwe.parse_cwe("not a cwe") is None
    assert cwe.parse_cwe("") is None


def test_known_id_gives_its_entry_with_label_and_url() -> None:
    entry = cwe.lookup(89)
    assert entry.id == 89
    assert entry.label == "CWE-89"
    assert entry.url == "https://cwe.mitre.org/data/definitions/89.html"
    assert "SQL" in entry.definition


def test_unknown_id_gives_a_placeholder_naming_it() -> None:
    unknown = 999_999
    assert unknown not in cwe.catalogue()
    entry = cwe.lookup(unknown)
    assert entry.id == unknown
    assert entry.name == "CWE-999999"
    assert cwe.cwe_url(unknown) in entry.definition


def test_a_partial_program_path_is_an_untrusted_search_path_not_a_command_injection() -> None:
    """Bandit files B607 under CWE-78; the weakness is CWE-426, and the prompt quotes its name."""
    text = "import subprocess\n\n\ndef listing(folder):\n    return subprocess.run(['ls', '-l', folder])\n"
    findings = BanditEngine().scan([SourceFile("m.py", text)]).findings
    partial = [f for f in findings if f.rule_id == "B607"]
    assert partial and all(f.cwes == (426,) for f in partial)
    assert cwe.lookup(426).name == "Untrusted Search Path"
    assert all(f.cwes == (78,) for f in findings if f.rule_id == "B603")  # others keep Bandit's
