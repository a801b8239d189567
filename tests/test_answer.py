"""Reading untrusted LLM answers and splicing their code back into the file."""
from __future__ import annotations

import ast
import textwrap

import pytest

from llm_helpers import fenced, finding
from vulnloop.repair.answer import code_blocks, reindent, splice_answer
from vulnloop.repair.prompt import Piece, Region, find_region

SOURCE = textwrap.dedent(
    '''\
    """Utilities."""
    import os
    import subprocess

    LIMIT = 10


    def helper(x):
        return x + 1


    @cached
    def run(cmd, *, timeout=5):
        """Run a command."""
        out = subprocess.check_output(cmd, shell=True, timeout=timeout)
        return out.decode()


    def tail():
        return os.getcwd()
    '''
)
RUN_FIXED = textwrap.dedent(
    '''\
    @cached
    def run(cmd, *, timeout=5):
        """Run a command."""
        out = subprocess.check_output(shlex.split(cmd), timeout=timeout)
        return out.decode()
    '''
)
RUN_ANSWER = "import shlex\n\n" + RUN_FIXED


def run_region() -> Region:
    region = find_region(SOURCE, [finding(15)], whole_file_max_lines=5)
    assert region.pieces == (Piece("run", "function", 12, 16, ""),)
    return region


def lines_outside(text: str, start: int, end: int) -> tuple[list[str], list[str]]:
    lines = text.splitlines(keepends=True)
    return lines[: start - 1], lines[end:]


def assert_run_fixed(new_text: str | None) -> ast.Module:
    assert new_text is not None
    tree = ast.parse(new_text)
    run = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run")
    assert "shlex.split(cmd)" in ast.unparse(run)
    assert "shell=True" not in new_text
    assert [ast.unparse(d) for d in run.decorator_list] == ["cached"]
    return tree


# -- fences ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "answer",
    [
        fenced(RUN_ANSWER, "python"),
        fenced(RUN_ANSWER, "py"),
        fenced(RUN_ANSWER, "python3"),
        fenced(RUN_ANSWER, ""),
        fenced(RUN_ANSWER, "Python"),
        "Sure!\n~~~python\n" + RUN_ANSWER + "~~~\nBye",
        "````python\n" + RUN_ANSWER + "````",
        "Fixed:\n```python\n" + RUN_ANSWER,  # the answer was cut before the closing fence
        ("Fixed:\r\n```python\r\n" + RUN_ANSWER.replace("\n", "\r\n") + "```\r\n"),
        "1. The fix:\n\n   ```python\n" + textwrap.indent(RUN_ANSWER, "   ") + "   ```\n",
    ],
    ids=["python", "py", "python3", "untagged", "capitalised", "tilde", "four-backticks",
         "unterminated", "crlf", "in-a-list"],
)
def test_fence_variants_all_splice_the_same_function(answer: str) -> None:
    result = splice_answer(SOURCE, run_region(), answer)
    assert result.reason.startswith("replaced function `run`")
    tree = assert_run_fixed(result.new_text)
    assert "\r" not in (result.new_text or "")
    # the import the fix needs lands in the import block, after the existing imports
    assert [ast.unparse(n) for n in tree.body[1:4]] == ["import os", "import subprocess", "import shlex"]


def test_code_blocks_reports_language_and_closure() -> None:
    blocks = code_blocks("a\n```bash\nls\n```\ntext\n~~~py\nx = 1\n")
    assert [(b.language, b.text, b.closed) for b in blocks] == [("bash", "ls", True), ("py", "x = 1\n", False)]


def test_no_code_block_is_reported() -> None:
    result = splice_answer(SOURCE, run_region(), "I cannot help with that. Sure.")
    assert result.new_text is None
    assert result.reason == "no code block in the answer"


def test_bare_code_without_fences_is_accepted_only_when_it_defines_the_region() -> None:
    accepted = splice_answer(SOURCE, run_region(), "import shlex\n" + RUN_FIXED)
    assert_run_fixed(accepted.new_text)
    refused = splice_answer(SOURCE, run_region(), "x = 1\n")
    assert refused.new_text is None and refused.reason == "no code block in the answer"


def test_garbage_in_the_block_does_not_parse() -> None:
    result = splice_answer(SOURCE, run_region(), "```python\ndef run(cmd:\n    return ((\n```")
    assert result.new_text is None
    assert result.reason.startswith("answer does not parse:")
    assert "line" in result.reason


def test_empty_block_is_reported() -> None:
    result = splice_answer(SOURCE, run_region(), "```python\n\n```")
    assert result.new_text is None and "empty" in result.reason


# -- several blocks ---------------------------------------------------------------------------
def test_several_blocks_pick_the_one_defining_the_region() -> None:
    longer_other = "def unrelated():\n" + "".join(f"    x{i} = {i}\n" for i in range(30))
    answer = (
        "First the helper:\n" + fenced(longer_other, prose=False)
        + "\nA shell example:\n```bash\npython -c 'import os'\n```\n"
        + "Then:\n" + fenced("import shlex\n" + RUN_FIXED, prose=False)
        + "\nand a broken one:\n```python\ndef run(:\n```"
    )
    result = splice_answer(SOURCE, run_region(), answer)
    assert_run_fixed(result.new_text)
    assert "unrelated" not in (result.new_text or "")


def test_two_different_blocks_that_could_each_be_the_repair_are_refused_as_ambiguous() -> None:
    # Both are bodies (no def): no rule can tell which is meant, so neither is taken.
    short = "return 1"
    long = "args = shlex.split(cmd)\nout = subprocess.check_output(args, timeout=timeout)\nreturn out.decode()"
    answer = fenced(short, prose=False) + "\n" + fenced(long, prose=False)
    result = splice_answer(SOURCE, run_region(), answer)
    assert result.new_text is None
    assert "2 different code blocks" in result.reason and "exactly one" in result.reason


def test_a_second_block_that_also_defines_the_function_makes_the_answer_ambiguous() -> None:
    smuggled = "import os\nos.system('id')\n\n" + RUN_FIXED
    answer = fenced("import shlex\n" + RUN_FIXED, prose=False) + "\n" + fenced(smuggled, prose=False)
    result = splice_answer(SOURCE, run_region(), answer)
    assert result.new_text is None and "exactly one" in result.reason


def test_the_same_block_twice_is_not_ambiguous() -> None:
    block = fenced("import shlex\n" + RUN_FIXED, prose=False)
    assert_run_fixed(splice_answer(SOURCE, run_region(), block + "\n" + block).new_text)


def test_non_python_blocks_are_used_only_when_nothing_else_exists() -> None:
    answer = "```text\nimport shlex\n" + RUN_FIXED + "```"
    assert_run_fixed(splice_answer(SOURCE, run_region(), answer).new_text)


# -- shapes of answers --------------------------------------------------------------------------
def test_body_without_def_gets_the_original_signature_decorators_and_docstring() -> None:
    body = "out = subprocess.check_output(shlex.split(cmd), timeout=timeout)\nreturn out.decode()\n"
    result = splice_answer(SOURCE, run_region(), fenced(body))
    assert "re-attached the original signature" in result.reason
    assert result.new_text is not None
    assert "@cached\ndef run(cmd, *, timeout=5):\n    \"\"\"Run a command.\"\"\"\n    out = subprocess" in result.new_text
    # The body used shlex without importing it: the import is completed, nothing else moves.
    assert "import subprocess\nimport shlex\n" in result.new_text
    before, after = lines_outside(result.new_text.replace("import shlex\n", "", 1), 12, 16)
    assert (before, after) == lines_outside(SOURCE, 12, 16)
    ast.parse(result.new_text)


def test_indented_body_without_def_is_reindented() -> None:
    body = "        if not cmd:\n            raise ValueError('empty')\n        return subprocess.check_output([cmd]).decode()\n"
    result = splice_answer(SOURCE, run_region(), fenced(body))
    assert result.new_text is not None
    assert "    if not cmd:\n        raise ValueError('empty')\n    return subprocess" in result.new_text


def test_whole_file_answer_for_a_region_takes_the_region_and_its_new_imports() -> None:
    answer_file = SOURCE.replace("import os\n", "import os\nimport shlex\nfrom typing import List as L\n").replace(
        "subprocess.check_output(cmd, shell=True, timeout=timeout)", "subprocess.check_output(shlex.split(cmd), timeout=timeout)"
    )
    result = splice_answer(SOURCE, run_region(), fenced(answer_file))
    new = result.new_text
    assert new is not None, result.reason
    # shlex is used and added; the answer's `List as L` is used nowhere in `run`: left out, and said
    assert "added 1 import line(s)" in result.reason and "unused import(s) of `L`" in result.reason
    assert_run_fixed(new)
    assert new.index("import shlex") < new.index("LIMIT = 10") and "List as L" not in new


@pytest.mark.parametrize(
    "change, shown",
    [
        (("LIMIT = 10", "LIMIT = 99"), "`LIMIT = 99`"),
        (("return x + 1", "return x - 1"), "`helper`"),
        (("def tail():", "def helper2(x):\n    return x\n\n\ndef tail():"), "`helper2`"),
        (("def tail():", "import os\nos.system('id')\n\n\ndef tail():"), "`os.system('id')`"),
    ],
)
def test_whole_file_answer_changing_code_outside_the_region_is_refused(change: tuple[str, str], shown: str) -> None:
    answer_file = SOURCE.replace("import os\n", "import os\nimport shlex\n").replace(
        "subprocess.check_output(cmd, shell=True, timeout=timeout)", "subprocess.check_output(shlex.split(cmd), timeout=timeout)"
    ).replace(*change)
    result = splice_answer(SOURCE, run_region(), fenced(answer_file))
    assert result.new_text is None
    assert shown in result.reason and "outside the code it was asked to repair" in result.reason


def test_whole_file_region_with_complete_answer_replaces_everything() -> None:
    fixed = SOURCE.replace("shell=True, ", "").replace("LIMIT = 10", "LIMIT = 3")
    result = splice_answer(SOURCE, Region(), fenced(fixed))
    assert result.new_text == fixed
    assert result.reason == "replaced the whole file"


def test_whole_file_region_with_a_partial_answer_splices_by_name() -> None:
    result = splice_answer(SOURCE, Region(), fenced("import shlex\n\n" + RUN_FIXED))
    assert "the answer held part of the file" in result.reason
    tree = assert_run_fixed(result.new_text)
    assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)] == ["helper", "run", "tail"]


def test_whole_file_answer_missing_every_definition_is_refused() -> None:
    result = splice_answer(SOURCE, Region(), fenced("print('hello')"))
    assert result.new_text is None
    assert "not the whole file" in result.reason and "run" in result.reason


def test_renamed_function_is_refused_rather_than_mistaken_for_a_body() -> None:
    renamed = RUN_FIXED.replace("def run(", "def run_safely(") + "\nLIMIT = 1\n"
    result = splice_answer(SOURCE, run_region(), fenced(renamed))
    assert result.new_text is None
    assert "does not define the function `run`" in result.reason


def test_spliced_file_must_compile() -> None:
    # A whole-file region answered with a bare body: parses, but 'return' outside a function.
    script = "import sys\nprint(sys.argv)\n"
    result = splice_answer(script, Region(), fenced("return sys.argv"))
    assert result.new_text is None
    assert "once spliced, the repaired code does not parse" in result.reason


def test_unchanged_answer_is_said_so() -> None:
    region = run_region()
    original_run = "".join(SOURCE.splitlines(keepends=True)[11:16])
    result = splice_answer(SOURCE, region, fenced(original_run))
    assert result.new_text == SOURCE
    assert result.reason == "the answer changes nothing"


# -- classes and indentation ---------------------------------------------------------------------
CLASS_SOURCE = textwrap.dedent(
    '''\
    import pickle


    class Store:
        """Keeps things."""

        def __init__(self, path):
            self.path = path

        def load(self):
            with open(self.path, "rb") as f:
                return pickle.load(f)

        def size(self):
            return 0
    '''
)


def method_region() -> Region:
    region = find_region(CLASS_SOURCE, [finding(12, rule_id="B301")], whole_file_max_lines=5)
    assert region.pieces == (Piece("Store.load", "method", 10, 12, "    "),)
    return region


LOAD_FIXED = 'def load(self):\n    with open(self.path, "rb") as f:\n        return json.load(f)\n'


@pytest.mark.parametrize(
    "answer_code",
    [
        "import json\n" + LOAD_FIXED,
        "import json\n" + textwrap.indent(LOAD_FIXED, "    "),
        "import json\n" + textwrap.indent(LOAD_FIXED, "\t").replace("    ", "\t"),
        "import json\n\n\nclass Store:\n" + textwrap.indent(LOAD_FIXED, "  "),
    ],
    ids=["column-0", "indented", "tabs", "inside-its-class"],
)
def test_method_answers_are_reindented_into_their_class(answer_code: str) -> None:
    result = splice_answer(CLASS_SOURCE, method_region(), fenced(answer_code))
    new = result.new_text
    assert new is not None, result.reason
    expected = CLASS_SOURCE.replace("pickle.load(f)", "json.load(f)").replace(
        "import pickle\n", "import pickle\nimport json\n"
    )
    if "\t" in answer_code:
        expected = expected.replace('    def load(self):\n        with open(self.path, "rb") as f:\n            return',
                                    '    def load(self):\n    \twith open(self.path, "rb") as f:\n    \t\treturn')
    assert new == expected


def test_class_region_answered_with_only_the_method() -> None:
    region = find_region(CLASS_SOURCE, [finding(12, rule_id="B301")], whole_file_max_lines=14)
    assert region.pieces == (Piece("Store", "class", 4, 15, ""),)
    result = splice_answer(CLASS_SOURCE, region, fenced("import json\n" + LOAD_FIXED))
    assert result.new_text == CLASS_SOURCE.replace("pickle.load(f)", "json.load(f)").replace(
        "import pickle\n", "import pickle\nimport json\n"
    )
    assert "method `Store.load`" in result.reason


def test_method_dropped_by_the_answer_takes_its_class() -> None:
    answer = 'class Store:\n    """Keeps things."""\n\n    def __init__(self, path):\n        self.path = path\n'
    result = splice_answer(CLASS_SOURCE, method_region(), fenced(answer))
    assert result.new_text is not None
    assert "def load" not in result.new_text and "def size" not in result.new_text
    assert "class `Store`" in result.reason


def test_reindent_keeps_string_data_and_moves_docstrings() -> None:
    code = 'def f():\n    """Doc\nsecond line\n    """\n    sql = """SELECT *\n  FROM t"""\n    return sql\n'
    out = reindent(code, "    ")
    assert '    def f():\n        """Doc\n    second line\n        """' in out
    assert 'sql = """SELECT *\n  FROM t"""' in out  # string data byte for byte


def test_crlf_source_keeps_its_line_endings() -> None:
    source = SOURCE.replace("\n", "\r\n")
    region = find_region(source, [finding(15)], whole_file_max_lines=5)
    result = splice_answer(source, region, fenced("import shlex\n" + RUN_FIXED))
    new = result.new_text
    assert new is not None
    assert "\n" not in new.replace("\r\n", "")
    assert new.replace("\r\n", "\n") == splice_answer(SOURCE, run_region(), fenced("import shlex\n" + RUN_FIXED)).new_text


def test_file_without_trailing_newline_keeps_it_that_way() -> None:
    source = "import os\n\n\ndef last():\n    os.system('ls')"
    region = find_region(source, [finding(5)], whole_file_max_lines=1)
    result = splice_answer(source, region, fenced("def last():\n    os.listdir('.')\n"))
    assert result.new_text == "import os\n\n\ndef last():\n    os.listdir('.')"


def test_whole_file_answer_keeps_shebang_and_coding_line() -> None:
    source = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport os\nos.system('ls')\n"
    result = splice_answer(source, Region(), fenced("import os\nos.listdir('.')"))
    assert result.new_text == "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport os\nos.listdir('.')\n"


def test_two_pieces_are_both_replaced_and_lines_between_untouched() -> None:
    source = SOURCE.replace("return x + 1", "return eval(x)")
    region = find_region(source, [finding(9, rule_id="B307"), finding(15)], whole_file_max_lines=5)
    assert [p.qualname for p in region.pieces] == ["helper", "run"]
    answer = "import ast\nimport shlex\n\ndef helper(x):\n    return ast.literal_eval(x)\n\n\n" + RUN_FIXED
    result = splice_answer(source, region, fenced(answer))
    new = result.new_text
    assert new is not None
    assert "ast.literal_eval(x)" in new and "shlex.split(cmd)" in new
    assert "\n\n\n@cached\n" in new  # the blank lines between the two pieces are the original's
    assert new.endswith("def tail():\n    return os.getcwd()\n")


def test_answer_with_future_import_does_not_move_it_into_the_middle() -> None:
    result = splice_answer(SOURCE, run_region(), fenced("from __future__ import annotations\nimport shlex\n" + RUN_FIXED))
    assert result.new_text is not None and "__future__" not in result.new_text


def test_source_that_does_not_parse_is_reported() -> None:
    result = splice_answer("def broken(:\n", Region(), fenced("x = 1"))
    assert result.new_text is None and result.reason.startswith("the file does not parse")


def test_small_file_answered_with_only_its_function_keeps_the_imports() -> None:
    source = "import subprocess\n\n\ndef archive(folder):\n    subprocess.call('tar czf b.tgz ' + folder, shell=True)\n"
    region = Region(pieces=())
    answer = fenced("def archive(folder):\n    subprocess.call(['tar', 'czf', 'b.tgz', folder])\n")
    result = splice_answer(source, region, answer)
    assert result.new_text == (
        "import subprocess\n\n\ndef archive(folder):\n    subprocess.call(['tar', 'czf', 'b.tgz', folder])\n"
    )


# -- imports an answer forgot ----------------------------------------------------------------------
def test_a_forgotten_standard_library_import_is_added_after_the_file_imports() -> None:
    answer = fenced(RUN_FIXED)  # uses shlex.split without `import shlex`
    result = splice_answer(SOURCE, run_region(), answer)
    tree = assert_run_fixed(result.new_text)
    assert result.new_text is not None
    assert result.new_text.splitlines()[1:4] == ["import os", "import subprocess", "import shlex"]
    assert [type(n).__name__ for n in tree.body[:4]] == ["Expr", "Import", "Import", "Import"]
    assert "added `import shlex`, which the answer used without importing" in result.reason


@pytest.mark.parametrize(
    "body",
    [
        "def run(cmd, *, timeout=5, shlex=None):\n    return shlex.split(cmd)\n",  # a parameter named so
        "def run(cmd, *, timeout=5):\n    import shlex as s\n    return requests.get(cmd)\n",  # not standard library
        "def run(cmd, *, timeout=5):\n    from shlex import split as shlex\n    return shlex.split(cmd)\n",
    ],
    ids=["parameter", "third-party", "bound-by-from-import"],
)
def test_only_unbound_standard_library_modules_are_completed(body: str) -> None:
    result = splice_answer(SOURCE, run_region(), fenced(body))
    assert result.new_text is not None
    assert "without importing" not in result.reason
    assert "import shlex\n" not in result.new_text and "import requests" not in result.new_text


def test_a_module_the_original_already_used_unimported_is_left_as_it_was() -> None:
    source = "def key():\n    return os.urandom(8)\n\n\ndef other():\n    return os.getcwd()\n"
    region = find_region(source, [finding(2)], whole_file_max_lines=1)
    result = splice_answer(source, region, fenced("def key():\n    return os.urandom(32)\n"))
    assert result.new_text is not None and "import os" not in result.new_text
