"""Parsing a file unit by unit gives the codemods libcst's whole-file answers, faster.

The reference in each test is libcst itself on the whole module (PositionProvider,
QualifiedNameProvider, ScopeProvider): what the codemods used before files were cut into units.
"""
from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from pathlib import Path

import libcst as cst
import pytest
from codemod_helpers import CASES, scan
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

import vulnloop.repair.codemods.parsed as parsed_module
from vulnloop.repair.codemods import codemods_for
from vulnloop.repair.codemods.parsed import ParsedSource
from vulnloop.repair.codemods.units import SourceUnits, UnitKind, census_of

from tests.conftest import SHARED_DATA

# Layouts and scoping rules where a unit-by-unit answer could drift from the whole file's.
SAMPLES = {
    "class members": '''import hashlib
import random


class Outer:
    """Doc."""

    key = hashlib.md5(b"x").hexdigest()

    class Inner:
        def roll(self):
            return random.randint(1, 6)

# a comment at column 0 between members
    def cache_key(self, data):
        return hashlib.md5(data).hexdigest()
''',
    "global rebinding": "import yaml\n\n\ndef setup():\n    global yaml\n    yaml = None\n\n\ndef load(s):\n    return yaml.load(s)\n",
    "global import": "import yaml as y\n\n\ndef setup():\n    global y\n    import json as y\n\n\ndef load(s):\n    return y.load(s)\n",
    "string annotation import": 'import yaml\n\n\ndef f(x: "import yaml as q") -> "yaml.Loader":\n    return yaml.load(x)\n',
    "aliases": "import yaml as y\nfrom xml.etree import ElementTree as ET\n\n\nclass C:\n    def g(self, s):\n        return y.load(s, Loader=y.Loader), ET.fromstring(s)\n\n    other = ET.parse\n",
    "class-level import": "class P:\n    import xml.etree.ElementTree as ET\n\n    def parse(self, t):\n        return self.ET.fromstring(t)\n\n    tree = ET.fromstring('<a/>')\n",
    "shadowing": "import yaml\n\n\ndef f(yaml, s):\n    return yaml.load(s)\n\n\ndef g(s):\n    return yaml.load(s)\n",
    "class shadowing": "import random\n\nclass R:\n    random = None\n    x = random.random()\n\n    def f(self):\n        return random.random()\n",
    "late import": "def f(s):\n    return yaml.load(s)\n\nx = yaml.load(t)\nimport yaml\ny = yaml.load(u)\n",
    "nonlocal": "import random\n\ndef outer():\n    random = 1\n    def inner():\n        nonlocal random\n        return random.random()\n    return inner\n",
    "comprehensions": "import random\nxs = [random.random() for random in range(3)]\nys = [(z := random.random()) for _ in range(3)]\nprint(z)\n",
    "decorated": "import functools\nimport random\n\n\n@functools.total_ordering\nclass Cfg(object):\n    seed = random.randint(0, 9)\n\n    @functools.lru_cache(maxsize=None)\n    def pick(self):\n        return random.choice([1, 2])\n",
    "dotted imports": "import os.path\nimport xml.etree.ElementTree\n\ndef f(p):\n    return os.path.join(p, 'x'), xml.etree.ElementTree.fromstring(p), os.environ\n",
    "match and walrus": "import random\n\ndef f(cmd):\n    if (n := random.randint(1, 6)) > 3:\n        pass\n    match cmd:\n        case [x, *rest]:\n            return random.choice(rest)\n",
    "semicolons": "import yaml; data = yaml.load(s)\nimport ssl; ctx = ssl._create_unverified_context()\n",
    "imported twice over": "from hashlib import md5\nimport hashlib\nimport os.path, os\n\n\ndef f(data, md5=None):\n    return hashlib.md5(data), md5(data), os.path.join('a'), os.sep\n\n\ndef g(data):\n    return md5(data).hexdigest(), dict(md5=data), hashlib.md5(data).hexdigest()\n",
    "builtins and bases without a name": "import os\n\n\ndef f(xs, open=None):\n    return open, len(xs)\n\n\ndef g(xs):\n    return ''.join(xs), str.join(',', xs), open(xs).read(), g(xs).real, undefined_name, os.environ.get('A')\n",
    "crlf": "import yaml\r\n\r\nclass A:\r\n    def f(self, s):\r\n        return yaml.load(s)\r\n\r\n    def g(self):\r\n        return yaml\r\n",
}


def _whole_file_answers(text: str) -> dict[tuple[str, object], list[frozenset[str]]]:
    wrapper = MetadataWrapper(cst.parse_module(text))
    positions = wrapper.resolve(PositionProvider)
    names = wrapper.resolve(QualifiedNameProvider)
    answers: dict[tuple[str, object], list[frozenset[str]]] = defaultdict(list)
    for node, where in positions.items():
        if isinstance(node, (cst.Name, cst.Attribute)):
            found = names.get(node, set())
            found = found() if callable(found) else found
            answers[(type(node).__name__, where)].append(frozenset(q.name for q in found))
    return answers


def _unit_answers(text: str) -> dict[tuple[str, object], list[frozenset[str]]]:
    parsed = ParsedSource.parse(text)
    assert parsed is not None and not parsed.whole
    answers: dict[tuple[str, object], list[frozenset[str]]] = defaultdict(list)
    for node, where in parsed.positioned_nodes():
        if isinstance(node, (cst.Name, cst.Attribute)):
            answers[(type(node).__name__, where)].append(parsed.qualified_names(node))
    return answers


def _assignments_whole(text: str, name: str, references: bool) -> list[tuple[str, ...]]:
    wrapper = MetadataWrapper(cst.parse_module(text))
    scopes = {id(s): s for s in wrapper.resolve(ScopeProvider).values() if s is not None}
    positions = wrapper.resolve(PositionProvider)
    return sorted(
        _describe(a, positions, references)
        for scope in scopes.values() for a in scope.assignments if a.name == name
    )


def _describe(assignment: object, positions: object, references: bool) -> tuple[str, ...]:
    node = getattr(assignment, "node", None)
    scope = type(getattr(assignment, "scope", None)).__name__
    described: tuple[str, ...] = (type(assignment).__name__, type(node).__name__, scope)
    if references:
        where = sorted(str(positions[r.node]) for r in assignment.references)  # type: ignore[attr-defined,index]
        described += tuple(where)
    return described


def _samples(shared: Path | None) -> dict[str, str]:
    texts = dict(SAMPLES)
    for path in sorted(CASES.rglob("*.before.py"))[::3]:
        texts[path.name] = path.read_text(encoding="utf-8")
    if shared is not None:
        with (shared / "llmsecurecode" / "labeled_code.jsonl").open(encoding="utf-8") as handle:
            for index, line in enumerate(handle):
                if index % 40 == 0:
                    texts[f"piece {index}"] = json.loads(line)["code"]
    return {name: text for name, text in texts.items() if SourceUnits.cut(text) is not None}


@pytest.fixture
def samples() -> dict[str, str]:
    return _samples(SHARED_DATA if SHARED_DATA.is_dir() else None)


def test_units_give_every_name_its_whole_file_meaning(samples: dict[str, str]) -> None:
    assert len(samples) >= len(SAMPLES)
    for name, text in samples.items():
        parsed_module._CACHE.clear()
        assert _unit_answers(text) == _whole_file_answers(text), name


def test_units_find_every_binding_and_reference_of_a_name(samples: dict[str, str]) -> None:
    for sample in ("global rebinding", "global import", "shadowing", "class-level import", "aliases", "nonlocal", "late import"):
        text = samples[sample]
        parsed = ParsedSource.parse(text)
        assert parsed is not None
        positions = dict(parsed.positioned_nodes())
        for name in ("yaml", "ET", "random", "y", "xml.etree.ElementTree"):
            for references in (False, True):
                found = sorted(_describe(a, positions, references) for a in parsed.assignments(name, with_references=references))
                assert found == _assignments_whole(text, name, references), (sample, name, references)


def test_units_concatenate_to_the_file_and_split_classes_by_member() -> None:
    text = SAMPLES["class members"]
    units = SourceUnits.cut(text)
    assert units is not None
    assert "".join(u.text for u in units.units) == text
    kinds = [u.kind for u in units.units]
    assert kinds == [UnitKind.STATEMENT] * 2 + [UnitKind.CLASS_HEAD] + [UnitKind.MEMBER] * 3
    head = units.units[2]
    assert head.members == [3, 4, 5]
    assert units.units[4].text.endswith("# a comment at column 0 between members\n")
    crlf = SourceUnits.cut(SAMPLES["crlf"])
    assert crlf is not None and "".join(u.text for u in crlf.units) == SAMPLES["crlf"]


@pytest.mark.parametrize(
    "text",
    [
        "import yaml\nimport random\r\nx = 1\r\n",  # mixed newlines
        "import yaml\r\nx = yaml.load(s)",  # CRLF without a final newline
        "@(\n    app.route('/')\n)\ndef f():\n    pass\n",  # a decorator opening its line with '('
        "import random\n@ \\\n  staticmethod\ndef f():\n    return random.random()\n",
        "def f(:\n",
        "# only a comment\n",
    ],
)
def test_files_the_cut_cannot_handle_are_parsed_whole(text: str) -> None:
    assert SourceUnits.cut(text) is None
    parsed = ParsedSource.parse(text)
    assert parsed is None or parsed.whole


def test_census_keeps_function_locals_out_of_what_a_unit_exports() -> None:
    import ast

    tree = ast.parse(
        "def f(a):\n    local = 1\n    global g\n    g = 2\n    [h for h in a]\n    (w := 3)\n"
        "class C:\n    attribute = 1\nimport os.path as p\n"
    )
    census = census_of(tree.body)
    assert {"local", "a", "h", "attribute"} <= census.bound
    assert census.exported == {"f", "g", "w", "C", "p"}


def test_a_unit_that_will_not_parse_alone_falls_back_to_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    path = CASES / "yaml-safe-load" / "from-import.B506.before.py"
    text = path.read_text(encoding="utf-8")
    finding = next(f for f in scan(text) if f.rule_id == "B506")
    codemod = codemods_for(finding)[0]
    parsed_module._CACHE.clear()
    expected = codemod.apply(text, finding)
    assert expected is not None

    parsed_module._CACHE.clear()
    monkeypatch.setattr(parsed_module, "_unit_statements", lambda unit, module: None)
    assert codemod.apply(text, finding) == expected
    reparsed = ParsedSource.parse(text)
    assert reparsed is not None and reparsed.whole


def test_untouched_units_keep_their_bytes() -> None:
    """libcst drops a form feed that opens a statement line; only the edited unit is
    regenerated, so the rest of the file keeps it."""
    text = "import yaml\n\n\ndef f(s):\n    return yaml.load(s)\n\x0cx = 1\n"
    finding = next(f for f in scan(text) if f.rule_id == "B506")
    produced = codemods_for(finding)[0].apply(text, finding)
    assert produced == text.replace("yaml.load(", "yaml.safe_load(")


def test_threads_sharing_one_parse_get_the_same_edits() -> None:
    text = (CASES / "secure-random" / "randint-in-expression.B311.before.py").read_text(encoding="utf-8")
    findings = [f for f in scan(text) if codemods_for(f)]
    assert findings
    expected = [codemods_for(f)[0].apply(text, f) for f in findings]
    results: list[list[str | None]] = []

    def work() -> None:
        results.append([codemods_for(f)[0].apply(text, f) for f in findings])

    for _ in range(3):
        parsed_module._CACHE.clear()
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [expected] * 12


def _shape(units: SourceUnits) -> list[tuple[object, ...]]:
    return [(u.index, u.kind, u.start, u.text, u.prefix, u.owner, tuple(u.members)) for u in units.units]


def _edits(text: str, units: SourceUnits) -> list[str]:
    """Texts a codemod could make: a statement added before each unit, each unit's first
    word rewritten, each unit removed."""
    texts = []
    offset = 0
    for unit in units.units:
        texts.append(text[:offset] + ("    " if unit.owner is not None else "") + "import zz\n" + text[offset:])
        renamed = unit.text.replace("return", "return  ", 1)
        texts.append(text[:offset] + renamed + text[offset + len(unit.text):])
        texts.append(text[:offset] + text[offset + len(unit.text):])
        offset += len(unit.text)
    return texts


def test_an_edited_text_is_cut_as_if_cut_whole(samples: dict[str, str]) -> None:
    """The cut made from the text before an edit equals the whole text's own cut, and gives
    every name its whole-file meaning."""
    compared = 0
    for name, text in samples.items():
        units = SourceUnits.cut(text)
        assert units is not None
        words = sorted(set(re.findall(r"\w+", text)))[::3]
        for word in words:  # known before the edit: ``edited`` must bring them up to date
            units.mentioning(frozenset({word}))
        for edited in _edits(text, units):
            whole = SourceUnits.cut(edited)
            derived = units.edited(edited)
            if whole is None:
                assert derived is None, name
                continue
            if derived is None:
                continue  # most of the file changed: cut whole
            assert _shape(derived) == _shape(whole), (name, edited)
            assert derived.line_count == whole.line_count
            assert derived.has_star_import == whole.has_star_import
            for word in words:
                found = [u.start for u in derived.mentioning(frozenset({word}))]
                assert found == [u.start for u in whole.mentioning(frozenset({word}))], (name, word, edited)
            compared += 1
            if compared % 7 == 0:  # the slow check, on a sample of them
                parsed_module._CACHE.clear()
                parsed_module._remember(edited, ParsedSource(edited, derived))
                assert _unit_answers(edited) == _whole_file_answers(edited), (name, edited)
    assert compared > 50
