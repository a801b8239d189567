"""Line diffs: a valid edit script always, difflib's own for the edits repairs make."""
from __future__ import annotations

import difflib
import random

from vulnloop.linediff import line_opcodes


def _check_script(before: list[str], after: list[str], opcodes) -> None:
    i = j = 0
    for tag, i1, i2, j1, j2 in opcodes:
        assert (i1, j1) == (i, j), "opcodes must cover both sides contiguously"
        if tag == "equal":
            assert before[i1:i2] == after[j1:j2]
        i, j = i2, j2
    assert (i, j) == (len(before), len(after))


def test_random_edits_give_a_valid_script() -> None:
    rng = random.Random(3)
    for _ in range(400):
        before = [f"line {rng.randrange(12)}" for _ in range(rng.randrange(0, 200))]
        after = [line for line in before if rng.random() < 0.9]
        for _ in range(rng.randrange(4)):
            after.insert(rng.randrange(len(after) + 1), f"new {rng.randrange(5)}")
        _check_script(before, after, line_opcodes(before, after))


def _module(functions: int) -> list[str]:
    lines = ["import hashlib", "import yaml", ""]
    for i in range(functions):
        lines += [f"def load_{i}(text):", "    return yaml.load(text)", ""]
    return lines


def test_a_repair_anywhere_in_a_long_repetitive_file_is_found_as_difflib_finds_it() -> None:
    before = _module(700)
    for edits in ([1000], [4, 1100, 2000], [10, 20]):
        after = list(before)
        for line in edits:
            after[line] = "    return yaml.safe_load(text)"
        after.insert(2, "import secrets")
        expected = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        assert line_opcodes(before, after) == expected


def test_every_line_rewritten_still_pairs_the_untouched_ones() -> None:
    before = _module(2000)
    after = [line.replace("yaml.load", "yaml.safe_load") for line in before]
    opcodes = line_opcodes(before, after)
    _check_script(before, after, opcodes)
    kept = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    assert kept == len(before) - 2000  # every line but the rewritten ones
