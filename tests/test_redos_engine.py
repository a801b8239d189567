"""The redos engine and its regex analysis: the shapes that backtrack badly, and their linear twins."""
from __future__ import annotations

import re
import time

import pytest

from vulnloop.config import Config
from vulnloop.engines.redos import RedosEngine
from vulnloop.engines.regex_complexity import redos_problem
from vulnloop.pipeline import build_engines
from vulnloop.sources import SourceFile

BACKTRACKING = [
    r"^(a+)+$",
    r"(\w+\s?)*$",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}([a-z]{2,3})$",
    # polynomial: the host part absorbs the repeated suffixes
    r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}(?:\.[a-zA-Z]{2,})*$",
]
LINEAR = [
    r"^\d+(\.\d+)*$",
    r"^([a-z]+\.)*[a-z]+$",
    r"\s*,\s*",
    r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$",
    r"(a|a)*b",  # Python's parser turns one-character branches into a class
    r"^/api/(\w+)/(\d+)/?$",
    r"<[^>]+>",
    r"(?:ab|cd)*",
    "(unbalanced",
]


@pytest.mark.parametrize("pattern", BACKTRACKING)
def test_backtracking_shapes_are_named(pattern: str) -> None:
    assert redos_problem(pattern)


@pytest.mark.parametrize("pattern", LINEAR)
def test_linear_twins_are_left_alone(pattern: str) -> None:
    assert redos_problem(pattern) is None


def test_a_flagged_pattern_really_backtracks_and_its_twin_does_not() -> None:
    """Ground truth for one pair, by the CPU time of a failing match (no timed assertion of
    vulnloop's own speed: this checks the analysis against Python's real engine)."""
    def seconds(pattern: str, text: str) -> float:
        compiled = re.compile(pattern)
        started = time.process_time()
        compiled.match(text)
        return time.process_time() - started

    attack = "a" * 22 + "!"
    assert redos_problem(r"^(a+)+$") and redos_problem(r"^a+$") is None
    assert seconds(r"^(a+)+$", attack) > 20 * max(seconds(r"^a+$", attack), 1e-4)


CODE = '''import re
EMAIL = r"^([a-z0-9]+[._-]?)*[a-z0-9]+@example\\.com$"
SAFE = re.compile(r"^\\d+(\\.\\d+)*$")


def check(address):
    return re.match(EMAIL, address)


def words(text):
    pattern = r"(\\w+\\s?)*$"
    return re.fullmatch(pattern, text)


def changing(text, strict):
    pattern = r"(\\w+\\s?)*$"
    if strict:
        pattern = r"\\w+$"
    return re.match(pattern, text)


def given(text, pattern):
    return re.search(pattern, text)
'''


def test_engine_finds_patterns_in_place_in_constants_and_in_locals_assigned_once() -> None:
    result = RedosEngine().scan([SourceFile("pkg/valid.py", CODE)])
    assert [(f.start_line, f.rule_id, f.cwes) for f in result.findings] == [
        (7, "vulnloop.redos", (1333,)),
        (12, "vulnloop.redos", (1333,)),
    ]
    assert all(f.fingerprint and "ReDoS" in f.message for f in result.findings)
    assert result.skipped == ()


def test_unparseable_and_unreadable_files_are_skipped_with_a_reason() -> None:
    result = RedosEngine().scan([SourceFile("bad.py", "def (:\n"), SourceFile("gone.py", None, "unreadable: gone")])
    assert {s.path: s.reason for s in result.skipped} == {
        "bad.py": "syntax error: the file does not parse as Python",
        "gone.py": "unreadable: gone",
    }


def test_auto_runs_the_redos_engine(tmp_path) -> None:
    engines, notes = build_engines(Config(), tmp_path)
    assert "redos" in [e.name for e in engines]
    engines, _ = build_engines(Config(engines=("redos",)), tmp_path)
    assert [e.name for e in engines] == ["redos"]
