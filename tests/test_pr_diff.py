from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from suggestion_helpers import apply_suggestions
from vulnloop.pr_diff import (
    Change,
    Suggestion,
    changes,
    parse_patch,
    parse_unified_diff,
    suggestion_for,
    unified_hunks,
)

GITHUB_PATCH = """\
@@ -1,5 +1,7 @@
 import os
+import subprocess
 
 
-def f():
+def f(x):
+    subprocess.call("ls " + x, shell=True)
     return 1
@@ -20,3 +22,4 @@ def g():
     a = 1
     b = 2
+    c = 3
     return a"""




def test_parse_patch_reads_hunks_and_added_lines() -> None:
    diff = parse_patch(GITHUB_PATCH, "a.py")
    assert [(h.target_start, h.target_end) for h in diff.hunks] == [(1, 7), (22, 25)]
    assert diff.added_lines == {2, 5, 6, 24}
    assert diff.touches(6, 6) and not diff.touches(7, 7)


def test_anchoring_needs_both_ends_in_one_hunk() -> None:
    diff = parse_patch(GITHUB_PATCH, "a.py")
    assert diff.can_anchor(1, 7)  # context lines count
    assert diff.can_anchor(6, 6)
    assert not diff.can_anchor(7, 22)  # two hunks
    assert not diff.can_anchor(8, 8)  # between hunks
    assert not diff.can_anchor(6, 5)
    assert diff.hunk_showing(26) is None


def test_parse_patch_rejects_text_that_is_not_a_hunk() -> None:
    with pytest.raises(ValueError):
        parse_patch("Binary files differ", "a.bin")
    assert parse_patch("", "a.py").hunks == ()


def test_git_diff_parsing_skips_deleted_and_follows_renames(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    (tmp_path / "keep.py").write_text("a = 1\nb = 2\n")
    (tmp_path / "gone.py").write_text("x = 1\n")
    (tmp_path / "old.py").write_text("".join(f"line{i} = {i}\n" for i in range(20)))
    git("add", "-A")
    git("commit", "-qm", "base")
    (tmp_path / "keep.py").write_text("a = 1\nb = 3\n")
    (tmp_path / "gone.py").unlink()
    text = (tmp_path / "old.py").read_text().replace("line5 = 5", "line5 = 50")
    (tmp_path / "old.py").unlink()
    (tmp_path / "new.py").write_text(text)
    (tmp_path / "added.py").write_text("import os\n")
    git("add", "-A")
    git("commit", "-qm", "head")
    diffs = parse_unified_diff(git("diff", "--find-renames", "HEAD~1", "HEAD"))
    assert set(diffs) == {"keep.py", "new.py", "added.py"}
    assert diffs["new.py"].status == "renamed" and diffs["new.py"].previous_path == "old.py"
    assert diffs["new.py"].added_lines == {6}
    assert diffs["added.py"].status == "added" and diffs["added.py"].added_lines == {1}
    assert diffs["keep.py"].added_lines == {2}


def test_changes_are_the_smallest_blocks() -> None:
    before = "a\nb\nc\nd\n"
    after = "a\nB\nc\nd\ne\n"
    assert changes(before, after) == [Change(2, 2, ("b",), ("B",)), Change(5, 4, (), ("e",))]


ORIGINAL = "import os\nimport yaml\n\n\ndef load(p):\n    return yaml.load(p)\n"


def test_suggestion_replaces_the_changed_line_only() -> None:
    final = ORIGINAL.replace("yaml.load(p)", "yaml.safe_load(p)")
    suggestion = suggestion_for("a.py", ORIGINAL, changes(ORIGINAL, final))
    assert suggestion == Suggestion("a.py", 6, 6, ("    return yaml.safe_load(p)",))
    assert apply_suggestions(ORIGINAL, [suggestion]) == final


def test_an_insertion_takes_the_line_above_along() -> None:
    final = ORIGINAL.replace("import yaml\n", "import yaml\nimport secrets\n")
    suggestion = suggestion_for("a.py", ORIGINAL, changes(ORIGINAL, final))
    assert suggestion is not None
    assert (suggestion.start_line, suggestion.end_line) == (2, 2)
    assert suggestion.replacement == ("import yaml", "import secrets")
    assert apply_suggestions(ORIGINAL, [suggestion]) == final


def test_an_insertion_at_the_top_takes_the_first_line_along() -> None:
    final = "import secrets\n" + ORIGINAL
    suggestion = suggestion_for("a.py", ORIGINAL, changes(ORIGINAL, final))
    assert suggestion is not None and (suggestion.start_line, suggestion.end_line) == (1, 1)
    assert apply_suggestions(ORIGINAL, [suggestion]) == final


def test_a_deletion_is_an_empty_suggestion() -> None:
    final = ORIGINAL.replace("import os\n", "")
    suggestion = suggestion_for("a.py", ORIGINAL, changes(ORIGINAL, final))
    assert suggestion is not None and suggestion.replacement == ()
    assert suggestion.block() == "```suggestion\n```"
    assert apply_suggestions(ORIGINAL, [suggestion]) == final


def test_several_blocks_become_one_span() -> None:
    final = ORIGINAL.replace("import yaml\n", "import yaml\nimport secrets\n").replace("yaml.load(p)", "yaml.safe_load(p)")
    suggestion = suggestion_for("a.py", ORIGINAL, changes(ORIGINAL, final))
    assert suggestion is not None and (suggestion.start_line, suggestion.end_line) == (2, 6)
    assert apply_suggestions(ORIGINAL, [suggestion]) == final


def test_fence_is_longer_than_backticks_in_the_code() -> None:
    suggestion = Suggestion("a.py", 1, 1, ('doc = """', "```python", "x", "````", '"""'))
    block = suggestion.block()
    assert block.startswith("`````suggestion\n") and block.endswith("\n`````")


def test_suggestions_keep_crlf_and_missing_final_newline() -> None:
    text = "a = 1\r\nb = 2\r\nc = 3"
    out = apply_suggestions(text, [Suggestion("a.py", 2, 2, ("b = 20",))])
    assert out == "a = 1\r\nb = 20\r\nc = 3"


def test_overlapping_suggestions_are_refused() -> None:
    with pytest.raises(ValueError):
        apply_suggestions("a\nb\nc\n", [Suggestion("x", 1, 2, ("A",)), Suggestion("x", 2, 3, ("B",))])


def test_random_edits_round_trip_through_one_suggestion() -> None:
    rng = random.Random(1234)
    for _ in range(300):
        lines = [f"line{i}" for i in range(rng.randint(1, 12))]
        edited = list(lines)
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(["replace", "insert", "delete"])
            at = rng.randrange(len(edited) + (1 if op == "insert" else 0)) if edited else 0
            if op == "replace" and edited:
                edited[at] = f"new{rng.randint(0, 99)}"
            elif op == "insert":
                edited.insert(at, f"ins{rng.randint(0, 99)}")
            elif edited and len(edited) > 1:
                del edited[at]
        original, final = "\n".join(lines) + "\n", "\n".join(edited) + "\n"
        blocks = changes(original, final)
        if not blocks:
            continue
        suggestion = suggestion_for("f.py", original, blocks)
        assert suggestion is not None
        assert apply_suggestions(original, [suggestion]) == final, (lines, edited)


def test_unified_hunks_shows_only_the_chosen_blocks() -> None:
    final = ORIGINAL.replace("import yaml\n", "import yaml\nimport secrets\n").replace("yaml.load(p)", "yaml.safe_load(p)")
    blocks = changes(ORIGINAL, final)
    only_import = unified_hunks("a.py", ORIGINAL, final, blocks[:1])
    assert "+import secrets" in only_import and "safe_load" not in only_import
    assert only_import.startswith("--- a/a.py\n+++ b/a.py\n")
