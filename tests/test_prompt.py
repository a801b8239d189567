"""Building repair prompts: regions, context, findings, feedback, CWE text and secret redaction."""
from __future__ import annotations

import textwrap

import pytest

from llm_helpers import finding
from vulnloop.cwe import lookup
from vulnloop.repair.prompt import (
    Piece,
    Redactor,
    Region,
    build_prompt,
    find_region,
    secret_environment,
    split_lines,
)

BIG = textwrap.dedent(
    '''\
    """A module."""
    import os
    import subprocess
    from flask import Flask, request

    app = Flask(__name__)
    TABLE = "users"
    BIG_MAPPING = {
        "a": 1,
        "b": 2,
        "c": 3,
    }


    def first(a, b=2, *args, key: str = "k", **kw) -> int:
        secret_body_marker = 1
        return a


    @app.route("/run")
    def run():
        cmd = request.args["cmd"]
        return subprocess.check_output(cmd, shell=True)


    class Store:
        """Keeps things."""

        def load(self, path):
            return open(path).read()

        def query(self, name):
            sql = "SELECT * FROM " + TABLE + " WHERE name = '" + name + "'"
            return sql

        def other(self):
            other_body_marker = 2
            return other_body_marker


    if __name__ == "__main__":
        app.run(debug=True)
    '''
)


def test_small_files_are_repaired_whole() -> None:
    region = find_region(BIG, [finding(23)], whole_file_max_lines=200)
    assert region.whole_file and region.code(BIG) == BIG
    assert region.code(BIG.replace("\n", "\r\n")) == BIG


def test_a_finding_in_a_function_asks_for_that_function_with_its_decorators() -> None:
    region = find_region(BIG, [finding(23)], whole_file_max_lines=20)
    assert region.pieces == (Piece("run", "function", 20, 23, ""),)
    assert region.code(BIG).startswith('@app.route("/run")\ndef run():')


def test_a_module_level_finding_asks_for_the_whole_file() -> None:
    region = find_region(BIG, [finding(23), finding(42, rule_id="B201")], whole_file_max_lines=20)
    assert region.whole_file


def test_a_finding_in_a_large_class_narrows_to_its_method() -> None:
    region = find_region(BIG, [finding(33, rule_id="B608", cwes=(89,))], whole_file_max_lines=10)
    assert region.pieces == (Piece("Store.query", "method", 32, 34, "    "),)
    assert region.code(BIG).startswith("def query(self, name):\n    sql =")  # shown dedented


def test_a_small_class_is_kept_whole() -> None:
    region = find_region(BIG, [finding(33, rule_id="B608")], whole_file_max_lines=20)
    assert region.pieces == (Piece("Store", "class", 26, 38, ""),)


def test_findings_in_two_methods_keep_the_class() -> None:
    region = find_region(BIG, [finding(30), finding(33)], whole_file_max_lines=10)
    assert [p.qualname for p in region.pieces] == ["Store"]


def test_findings_in_two_definitions_make_two_pieces() -> None:
    region = find_region(BIG, [finding(33), finding(17)], whole_file_max_lines=10)
    assert [p.qualname for p in region.pieces] == ["first", "Store.query"]
    user = build_prompt(path="app.py", source=BIG, findings=[finding(33), finding(17)],
                        whole_file_max_lines=10).messages[1].content
    assert "Repair the function `first` (lines 15-17) and the method `Store.query` (lines 32-34)" in user
    assert "def first(a, b=2, *args, key: str = \"k\", **kw) -> int:\n    secret_body_marker = 1" in user


def test_context_shows_imports_names_and_signatures_but_no_other_bodies() -> None:
    prompt = build_prompt(path="app.py", source=BIG, findings=[finding(23)], whole_file_max_lines=20)
    user = prompt.messages[1].content
    context = user.split("Context from the same file")[1].split("Code to repair")[0]
    for expected in ("import os", "from flask import Flask, request", "app = Flask(__name__)",
                     'TABLE = "users"', "BIG_MAPPING = ...  # 5 lines",
                     "def first(a, b=2, *args, key: str='k', **kw) -> int: ...", "class Store: ..."):
        assert expected in context
    for hidden in ("secret_body_marker", "other_body_marker", '"a": 1', "subprocess.check_output"):
        assert hidden not in context
    code = user.split("Code to repair:")[1]
    assert "subprocess.check_output(cmd, shell=True)" in code and "secret_body_marker" not in code


def test_context_of_a_method_shows_its_class_shape() -> None:
    prompt = build_prompt(path="app.py", source=BIG, findings=[finding(33)], whole_file_max_lines=10)
    user = prompt.messages[1].content
    assert "class Store:\n    def load(self, path): ...\n    def query(self, name): ..." in user
    assert "Repair the method `Store.query` (lines 32-34) of `app.py`." in user


def test_user_message_lists_findings_with_file_lines_rules_and_feedback() -> None:
    findings = [
        finding(23, message="subprocess call with shell=True identified, security issue."),
        finding(22, rule_id="py/command-line-injection", cwes=(78, 88), message="Uncontrolled command line."),
    ]
    feedback = ["round 1: the re-scan still reports B602 at line 23", "round 1: candidate added # nosec"]
    prompt = build_prompt(path="app.py", source=BIG, findings=findings, feedback=feedback, whole_file_max_lines=20)
    user = prompt.messages[1].content
    assert "Line numbers below are the file's own" in user
    assert "- line 22: bandit py/command-line-injection [CWE-78, CWE-88], severity high: Uncontrolled command line." in user
    assert "- line 23: bandit B602 [CWE-78]" in user
    assert user.index("line 22:") < user.index("line 23:")
    assert "flagged code:\n      return subprocess.check_output(cmd, shell=True)" in user
    assert "Earlier attempts were rejected:\n- round 1: the re-scan still reports B602 at line 23\n- round 1: candidate added # nosec" in user
    assert "Repair the function `run` (lines 20-23) of `app.py`." in user
    assert user.rstrip().endswith("Answer with the complete fixed function `run` in one ```python fenced block.")
    # the reasons come after the code, the last thing read before the request
    assert user.index("Code to repair:") < user.index("Earlier attempts") < user.index("Answer with")


def test_no_feedback_no_feedback_section() -> None:
    prompt = build_prompt(path="app.py", source=BIG, findings=[finding(23)], whole_file_max_lines=20)
    assert "Earlier attempts" not in prompt.messages[1].content


def test_system_message_is_the_papers_instruction_with_each_cwe() -> None:
    findings = [finding(23, cwes=(78,)), finding(33, cwes=(89,)), finding(34, cwes=(78,))]
    system = build_prompt(path="a.py", source=BIG, findings=findings).messages[0].content
    assert system.startswith("You will be provided with a piece of Python code vulnerable to CWE-78 (")
    assert "Your task is to generate the complete fixed code." in system
    for cwe_id in (78, 89):
        entry = lookup(cwe_id)
        assert f"{entry.label} (" in system
        if entry.definition:
            assert entry.definition.rstrip(".") in system
    assert system.count("CWE-78 (") == 1 and " and CWE-89 (" in system
    assert "# nosec" in system and "```python" in system
    assert "Keep the names, parameters and return values" in system


def test_system_message_without_cwes_still_reads() -> None:
    system = build_prompt(path="a.py", source=BIG, findings=[finding(23, cwes=())]).messages[0].content
    assert "vulnerable to the security weaknesses listed by the scanner." in system


def test_redactor_round_trip_and_placeholder_ordering() -> None:
    values = [f"secret-value-{i:02d}" for i in range(12)]
    redactor = Redactor.for_values(values + ["short"])
    text = " ".join(values) + " short"
    hidden = redactor.redact(text)
    assert not any(v in hidden for v in values)
    assert "short" in hidden  # too short to be worth hiding (it would shred ordinary code)
    assert redactor.restore(hidden) == text


def test_secret_environment_picks_secret_looking_names_with_real_values() -> None:
    env = {
        "OPENAI_API_KEY": "sk-abcdefghijklmnop",
        "GITHUB_TOKEN": "ghp_1234567890abcd",
        "DB_PASSWORD": "hunter2hunter2",
        "MY_SECRET": "x",  # too short
        "HOME": "/root/very/long/path",
        "PATH": "/usr/bin:/bin",
    }
    assert secret_environment(env) == {
        "OPENAI_API_KEY": "sk-abcdefghijklmnop",
        "GITHUB_TOKEN": "ghp_1234567890abcd",
        "DB_PASSWORD": "hunter2hunter2",
    }


def test_secrets_in_the_code_never_reach_the_prompt() -> None:
    source = BIG.replace('TABLE = "users"', 'TABLE = "users"\nTOKEN = "tok-9f8e7d6c5b4a"')
    prompt = build_prompt(
        path="app.py", source=source, findings=[finding(24)], whole_file_max_lines=20,
        secrets=["tok-9f8e7d6c5b4a", "not-in-the-code-123"],
    )
    everything = "\n".join(m.content for m in prompt.messages)
    assert "tok-9f8e7d6c5b4a" not in everything
    assert 'TOKEN = "REDACTED_SECRET_' in everything
    assert prompt.redactor.restore(everything).count("tok-9f8e7d6c5b4a") == 1


def test_source_that_does_not_parse_raises_syntax_error() -> None:
    with pytest.raises(SyntaxError):
        build_prompt(path="a.py", source="def f(:\n", findings=[finding(1)])


def test_split_lines_counts_like_the_parser() -> None:
    text = "a = 1\x0c\nb = 2\r\nc = 3"
    assert split_lines(text) == ["a = 1\x0c\n", "b = 2\r\n", "c = 3"]
    assert Region().code(text) == "a = 1\x0c\nb = 2\nc = 3\n"  # the prompt always shows LF


# -- the two prompt designs -------------------------------------------------------------------
SMALL = textwrap.dedent(
    '''\
    import subprocess


    def archive(folder):
        """Back up.

        subprocess.call(folder)  # a docstring line, never marked
        """
        subprocess.call("tar czf b.tgz " + folder, shell=True)
    '''
)


def test_worked_design_marks_flagged_lines_shows_an_example_and_asks_only_for_the_function() -> None:
    from vulnloop.repair.prompt import unmark

    prompt = build_prompt(path="a.py", source=SMALL, findings=[finding(9), finding(7)], style="worked")
    system, user = prompt.messages[0].content, prompt.messages[1].content
    assert 'shell=True)  # <<< flagged' in user
    assert "subprocess.call(folder)  # a docstring line, never marked\n" in user  # line 7 is in a string
    assert "Examples of the kind of change we accept" in system and '["convert", name, "out.png"]' in system
    assert "change the data format or the API" in system
    assert "Answer with only the fixed definition(s) of `archive`" in user
    echoed = 'x = 1  # <<< flagged\nsubprocess.call(["tar", folder])  # <<< flagged'
    assert unmark(echoed) == 'x = 1\nsubprocess.call(["tar", folder])'


def test_plain_design_is_the_earlier_prompt() -> None:
    prompt = build_prompt(path="a.py", source=SMALL, findings=[finding(9)], style="plain")
    system, user = prompt.messages[0].content, prompt.messages[1].content
    assert "<<< flagged" not in user and "Examples" not in system
    assert "change only what the fix needs" in system
    assert "Answer with the complete fixed file" in user
