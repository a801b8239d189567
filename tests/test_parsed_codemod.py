"""The shared libcst helpers: locating the flagged node, editing arguments, adding imports."""
from __future__ import annotations

import libcst as cst
import pytest

from vulnloop.findings import Finding, Level
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedSource,
    add_import,
    append_keyword,
    remove_arg,
)


def _finding(start_line: int, start_col: int, end_line: int, end_col: int) -> Finding:
    return Finding(
        engine="test", rule_id="B000", cwes=(), severity=Level.HIGH, confidence=Level.HIGH,
        path="x.py", start_line=start_line, end_line=end_line, start_col=start_col,
        end_col=end_col, message="",
    )


def _calls_to(parsed: ParsedSource, name: str):  # type: ignore[no-untyped-def]
    return lambda call: parsed.code(call.func) == name


def test_locate_takes_the_exact_node_among_several_on_a_line() -> None:
    parsed = ParsedSource.parse("a = f(1); b = f(2)\n")
    assert parsed is not None
    second = parsed.locate(_finding(1, 15, 1, 19), cst.Call, _calls_to(parsed, "f"))
    assert second is not None and parsed.code(second) == "f(2)"


def test_locate_reads_bandit_byte_columns_on_non_ascii_lines() -> None:
    source = 'x = "héé"; f(1); f(2)\n'
    parsed = ParsedSource.parse(source)
    assert parsed is not None
    prefix = source[: source.index("f(2)")]
    start = len(prefix.encode("utf-8")) + 1  # Bandit: ast's UTF-8 byte offsets
    found = parsed.locate(_finding(1, start, 1, start + 4), cst.Call, _calls_to(parsed, "f"))
    assert found is not None and parsed.code(found) == "f(2)"


def test_locate_finds_the_call_around_a_flagged_argument() -> None:
    source = "import yaml, base64\nyaml.load(base64.b64decode(data))\n"
    parsed = ParsedSource.parse(source)
    assert parsed is not None
    column = source.splitlines()[1].index("base64") + 1
    found = parsed.locate(_finding(2, column, 2, column + 23), cst.Call, _calls_to(parsed, "yaml.load"))
    assert found is not None and parsed.code(found).startswith("yaml.load(")


def test_locate_follows_bandit_pointing_at_a_keyword_line() -> None:
    parsed = ParsedSource.parse("run(\n    'ls',\n    shell=True)\n")
    assert parsed is not None
    found = parsed.locate(_finding(3, 1, 3, 16), cst.Call, _calls_to(parsed, "run"))
    assert found is not None


def test_locate_refuses_ambiguity_and_absence() -> None:
    parsed = ParsedSource.parse("a = f(1); b = f(2)\n")
    assert parsed is not None
    assert parsed.locate(_finding(1, 1, 1, 19), cst.Call, _calls_to(parsed, "f")) is None
    assert parsed.locate(_finding(7, 1, 7, 5), cst.Call) is None


def test_parse_refuses_broken_source() -> None:
    assert ParsedSource.parse("def f(:\n") is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\n", "import secrets\nx = 1\n"),
        ('"""Doc."""\nx = 1\n', '"""Doc."""\nimport secrets\nx = 1\n'),
        (
            "#!/usr/bin/env python\n# header\nfrom __future__ import annotations\nimport os\n\nx = 1\n",
            "#!/usr/bin/env python\n# header\nfrom __future__ import annotations\nimport os\nimport secrets\n\nx = 1\n",
        ),
        (
            "import os\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n",
            "import os\nimport secrets\n\ntry:\n    import ujson as json\nexcept ImportError:\n    import json\n",
        ),
        ("import os\r\nx = 1\r\n", "import os\r\nimport secrets\r\nx = 1\r\n"),
    ],
)
def test_add_import_goes_after_the_leading_imports(source: str, expected: str) -> None:
    assert add_import(cst.parse_module(source), ("secrets", None)).code == expected


def test_module_reference_reuses_imports_and_refuses_taken_names() -> None:
    parsed = ParsedSource.parse("import os.path\n\ndef f(secrets):\n    return secrets\n")
    assert parsed is not None
    os_ref = parsed.module_reference("os")
    assert os_ref is not None and parsed.code(os_ref[0]) == "os" and os_ref[1] is None
    assert parsed.module_reference("secrets") is None  # a parameter would shadow the module
    ast_ref = parsed.module_reference("ast")
    assert ast_ref is not None and ast_ref[1] == ("ast", None)


def test_imported_name_refuses_a_name_bound_elsewhere() -> None:
    parsed = ParsedSource.parse("from yaml import load\nsafe_load = None\n")
    assert parsed is not None
    assert parsed.imported_name("yaml", "safe_load") is None
    existing = parsed.imported_name("yaml", "load")
    assert existing is not None and existing[1] is None  # already imported: nothing to add
    missing = parsed.imported_name("yaml", "full_load")
    assert missing is not None and missing[1] == ("yaml", "full_load")


def _edit(source: str, edit) -> str:  # type: ignore[no-untyped-def]
    module = cst.parse_module(source)
    call = module.body[0].body[0].value  # type: ignore[attr-defined]
    return module.deep_replace(call, edit(call)).code  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("f()\n", "f(timeout=30)\n"),
        ("f(a, b)\n", "f(a, b, timeout=30)\n"),
        ("f(a,\n  b)\n", "f(a,\n  b,\n  timeout=30)\n"),
        ("f(\n    a,\n    b,\n)\n", "f(\n    a,\n    b,\n    timeout=30,\n)\n"),
        ("f(\n    a,\n)\n", "f(\n    a,\n    timeout=30,\n)\n"),
        ("f(\n    a\n)\n", "f(\n    a, timeout=30\n)\n"),
    ],
)
def test_append_keyword_follows_the_call_layout(source: str, expected: str) -> None:
    assert _edit(source, lambda call: append_keyword(call, "timeout", cst.Integer("30"))) == expected


@pytest.mark.parametrize(
    ("source", "index", "expected"),
    [
        ("f(a, b)\n", 1, "f(a)\n"),
        ("f(a, b)\n", 0, "f(b)\n"),
        ("f(a, b,)\n", 1, "f(a,)\n"),
        ("f(\n    a,\n    b,\n)\n", 1, "f(\n    a,\n)\n"),
        ("f(a,\n  b)\n", 1, "f(a)\n"),
    ],
)
def test_remove_arg_keeps_the_call_layout(source: str, index: int, expected: str) -> None:
    assert _edit(source, lambda call: remove_arg(call, call.args[index])) == expected


def test_render_refuses_output_that_does_not_parse() -> None:
    parsed = ParsedSource.parse("x = 1\n")
    assert parsed is not None
    target = parsed.module.body[0].body[0].targets[0].target  # type: ignore[attr-defined]
    assert parsed.render([(target, cst.parse_expression("f()"))]) is None  # `f() = 1`
    assert parsed.render([(target, cst.Name("y"))]) == "y = 1\n"


def test_locate_refuses_sibling_nodes_when_columns_say_nothing() -> None:
    parsed = ParsedSource.parse("a = f(1); b = f(22)\n")
    assert parsed is not None
    # Columns that fall inside neither call: the two calls are siblings, so no guess is made.
    assert parsed.locate(_finding(1, 1, 1, 3), cst.Call, _calls_to(parsed, "f")) is None
    # A start column inside the second call picks it.
    second = parsed.locate(_finding(1, 17, 1, 19), cst.Call, _calls_to(parsed, "f"))
    assert second is not None and parsed.code(second) == "f(22)"


def test_locate_prefers_the_innermost_of_nested_accepted_nodes() -> None:
    parsed = ParsedSource.parse("x = f(f(1))\n")
    assert parsed is not None
    inner = parsed.locate(_finding(1, 9, 1, 10), cst.Call, _calls_to(parsed, "f"))  # the `1`
    assert inner is not None and parsed.code(inner) == "f(1)"


def test_locate_counts_lines_as_python_does() -> None:
    """A form feed is not a line break for Python (nor for Bandit's line numbers)."""
    source = 'x = 1  \x0c# page\nz = "éééééé"; f(1); f(2)\n'
    parsed = ParsedSource.parse(source)
    assert parsed is not None
    start = len('z = "éééééé"; f(1); '.encode()) + 1  # Bandit's byte column on line 2
    found = parsed.locate(_finding(2, start, 2, start + 4), cst.Call, _calls_to(parsed, "f"))
    assert found is not None and parsed.code(found) == "f(2)"
