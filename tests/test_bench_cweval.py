"""CWEval: the loader, the test runner, `bench detect --cweval` and `bench cweval` against the local
OpenAI-compatible server with recorded answers, judged by the tasks' real tests."""
from __future__ import annotations

import ast
import io
import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, RecordedRequest, answer

from tests.conftest import SHARED_DATA
from vulnloop.bench.cweval import UNTESTED, judge_kinds, load_cweval, run_tests
from vulnloop.bench.cweval_repair import CwevalRequest, cweval
from vulnloop.bench.harness import ModelSpec
from vulnloop.errors import ConfigError
from vulnloop.main import main

CWEVAL = SHARED_DATA / "cweval"


@pytest.fixture
def cweval_dir() -> Path:
    if not CWEVAL.is_dir():
        pytest.skip("../shared/data/cweval is not present")
    return CWEVAL


def bench(folder: Path, out: Path, server: FakeOpenAI | None = None, **settings: Any) -> tuple[int, dict[str, Any]]:
    base_url = server.base_url if server else "http://127.0.0.1:9/v1"
    settings = {"engines": "bandit", "chart": False, "progress": False, **settings}
    request = CwevalRequest(model=ModelSpec("fake-model", base_url=base_url, api_key="sk-test-0123456789"),
                            cweval=str(folder), out=out, **settings)
    code = cweval(request, echo=lambda line: None, out=io.StringIO())
    return code, json.loads((out / "results.json").read_text(encoding="utf-8"))


def outcomes(results: dict[str, Any]) -> dict[tuple[str, str], tuple[str | None, str]]:
    return {(c["strategy"], c["task_id"]): (c["accepted_by"], c["outcome"]) for c in results["cases"]}


# -- the loader ----------------------------------------------------------------------------------
def test_every_insecure_variant_becomes_a_module_with_the_task_function(cweval_dir: Path) -> None:
    tasks = {t.task_id: t for t in load_cweval(cweval_dir)}
    assert len(tasks) == 25 and sum(len(t.variants) for t in tasks.values()) == 32
    for task in tasks.values():
        for variant in task.variants:
            tree = ast.parse(variant.code)
            names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
            assert names == [task.function] and "_unsafe" not in variant.code, task.case_id(variant)
    # The variant's body with what it reads from the test file: an import and a module constant.
    traversal = tasks["cwe_022_0"].variants[0].code
    assert traversal.startswith("import os\n") and "os.path.join(dir_path, filename)" in traversal
    assert "type_to_key = {" in tasks["cwe_113_0"].variants[0].code
    # cwe_329_0's tests import the function from cwe_327_2_task: the module is written under that name.
    assert tasks["cwe_329_0"].module == "cwe_327_2_task" and tasks["cwe_329_0"].cwe == "CWE-329"
    assert [tasks["cwe_732_2"].case_id(v) for v in tasks["cwe_732_2"].variants] == [f"cwe_732_2/{i}" for i in range(4)]


def test_a_folder_without_tasks_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no cwe_NNN_K_task.py"):
        load_cweval(tmp_path)
    with pytest.raises(ConfigError, match="not a folder"):
        load_cweval(tmp_path / "missing")


# -- running the tests -----------------------------------------------------------------------------
def test_the_secure_reference_passes_and_the_variant_fails_only_security(cweval_dir: Path) -> None:
    [task] = [t for t in load_cweval(cweval_dir) if t.task_id == "cwe_022_0"]
    reference = run_tests(task, task.secure_code)
    assert {v.status for v in judge_kinds(reference, reference).values()} == {"passed"}
    verdicts = judge_kinds(run_tests(task, task.variants[0].code), reference)
    assert verdicts["functionality"].status == "passed" and verdicts["functionality"].tests == 5
    assert verdicts["security"].status == "failed" and len(verdicts["security"].failed) == 2


SYNTHETIC_TASK = '''
def shout(text: str) -> str:
    """Upper-case ``text``."""
    # BEGIN SOLUTION
    return text.upper()
'''
SYNTHETIC_TEST = '''
import os
import shutil

import pytest
from cwe_001_0_task import shout


def shout_unsafe(text: str) -> str:
    return text.upper()


@pytest.mark.parametrize("text, expected", [
    pytest.param("a", "A", marks=pytest.mark.functionality),
    pytest.param("b", "B", marks=pytest.mark.security),
])
def test_shout(text, expected):
    # The child sees none of our secrets, and a private HOME.
    assert "OPENAI_API_KEY" not in os.environ and "SECRET_TOKEN" not in os.environ
    assert os.environ["HOME"] != os.path.expanduser("~root")
    assert shout(text) == expected


@pytest.mark.security
def test_needs_a_tool_that_is_not_here():
    assert shutil.which("no-such-tool-for-cweval")
'''


def synthetic(folder: Path) -> Path:
    folder.mkdir()
    (folder / "cwe_001_0_task.py").write_text(textwrap.dedent(SYNTHETIC_TASK).lstrip(), encoding="utf-8")
    (folder / "cwe_001_0_test.py").write_text(textwrap.dedent(SYNTHETIC_TEST).lstrip(), encoding="utf-8")
    return folder


def test_tests_run_without_our_secrets_and_what_the_reference_fails_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-should-not-leak")
    monkeypatch.setenv("SECRET_TOKEN", "t0ken")
    [task] = load_cweval(synthetic(tmp_path / "cweval"))
    reference = run_tests(task, task.secure_code)
    verdicts = judge_kinds(reference, reference)
    # test_shout passes only in a clean environment; the tool test fails for the reference too,
    # so it says nothing about a repair and is not counted.
    assert (verdicts["functionality"].status, verdicts["security"].status) == ("passed", "passed")
    assert verdicts["security"].tests == 1
    broken = judge_kinds(run_tests(task, "def shout(text):\n    return text\n"), reference)
    assert broken["functionality"].status == "failed"
    hung = judge_kinds(run_tests(task, "def shout(text):\n    while True:\n        pass\n", timeout=3), reference)
    assert hung["functionality"].status == "failed" and hung["security"].status == "failed"


def test_tests_that_cannot_load_here_are_could_not_test(tmp_path: Path) -> None:
    folder = synthetic(tmp_path / "cweval")
    test_file = folder / "cwe_001_0_test.py"
    test_file.write_text("import no_such_package_for_cweval\n" + test_file.read_text(encoding="utf-8"), encoding="utf-8")
    [task] = load_cweval(folder)
    reference = run_tests(task, task.secure_code)
    verdicts = judge_kinds(run_tests(task, "def shout(text):\n    return text\n"), reference)
    assert {v.status for v in verdicts.values()} == {UNTESTED}
    assert "no_such_package_for_cweval" in verdicts["functionality"].why


def test_a_time_limit_leaves_cases_for_a_re_run(tmp_path: Path) -> None:
    folder = synthetic(tmp_path / "cweval")
    code, results = bench(folder, tmp_path / "out", time_limit=0.0, tasks="cwe_001_0")
    assert code == 0 and results["cases"] == [] and results["meta"]["not_run"] == 2
    assert "**Incomplete:** 2 case(s) not run" in (tmp_path / "out" / "table.md").read_text(encoding="utf-8")


# -- bench cweval with recorded answers ------------------------------------------------------------
SIGNATURE = "def get_user(cursor: sqlite3.Cursor, username: str, password: str) -> str | None:\n"
FETCH = "    row = cursor.fetchone()\n    return row[0] if row else None\n"
ANSWERS = {
    # A real secure rewrite: placeholders, the arguments in order.
    "truly fixed": SIGNATURE
    + "    cursor.execute('SELECT userInfo FROM users WHERE username = ? AND password = ?', (username, password))\n"
    + FETCH,
    # Secure but wrong: the arguments swapped, so no one logs in.
    "broken": SIGNATURE
    + "    cursor.execute('SELECT userInfo FROM users WHERE username = ? AND password = ?', (password, username))\n"
    + FETCH,
    # Still injectable, yet Bandit no longer sees SQL built from strings (the scanners' blind spot).
    "still vulnerable": SIGNATURE
    + "    query = ''.join(['SELECT userInfo FROM users WHERE username = \\'', username,"
    + " '\\' AND password = \\'', password, '\\''])\n    cursor.execute(query)\n"
    + FETCH,
}


@pytest.mark.parametrize("expected", sorted(ANSWERS))
def test_an_accepted_llm_repair_is_judged_by_the_tasks_tests(cweval_dir: Path, tmp_path: Path, expected: str) -> None:
    with FakeOpenAI([answer(f"```python\n{ANSWERS[expected]}```")]) as server:
        # Without codemods: sql-parameters would repair this task before any model is asked.
        code, results = bench(cweval_dir, tmp_path / "out", server, tasks="cwe_943_0", strategy="ours",
                              codemods=False)
        [request] = server.chat_requests
    assert code == 0
    assert "get_user" in request.prompt_text and "CWE-89" in request.prompt_text
    assert "sk-test" not in request.prompt_text
    assert outcomes(results) == {("ours", "cwe_943_0"): ("llm", expected)}
    [case] = results["cases"]
    assert case["vulnerable_tests"] == {"functionality": "passed", "security": "failed"}
    overall = results["summary"]["ours"]["overall"]
    assert overall["outcomes"][expected] == 1 and overall["flagged"] == overall["accepted"] == 1


def test_with_the_tasks_functionality_tests_a_broken_repair_is_refused_and_the_failure_fed_back(
    cweval_dir: Path, tmp_path: Path
) -> None:
    answers = [answer(f"```python\n{ANSWERS[kind]}```") for kind in ("broken", "truly fixed")]
    with FakeOpenAI(answers) as server:
        code, results = bench(cweval_dir, tmp_path / "out", server, tasks="cwe_943_0", strategy="ours",
                              codemods=False, verify_with_tests=True)
        first, second = server.chat_requests
    assert code == 0
    assert outcomes(results) == {("ours", "cwe_943_0"): ("llm", "truly fixed")}
    # The second round is told why the first answer was refused: the user's tests failed.
    assert "verify-cmd failed" not in first.prompt_text and "verify-cmd failed" in second.prompt_text
    assert "security" not in second.prompt_text.split("verify-cmd failed", 1)[1][:400].lower()
    [case] = results["cases"]
    assert [r["accepted"] for r in case["rounds"]][:2] == [0, 1]
    overall = results["summary"]["ours"]["overall"]
    assert (overall["llm_tested"], overall["llm_truly_fixed"]) == (1, 1)
    table = (tmp_path / "out" / "table.md").read_text(encoding="utf-8")
    assert "functionality tests (--verify-with-tests)" in table
    assert "| LLM-accepted repairs passing security / functionality / both | 100.0% (1/1) / 100.0% (1/1) / 100.0% (1/1) |" in table
    # Without the tests, the same first answer is accepted and found broken only afterwards.
    with FakeOpenAI(answers[:1]) as server:
        _, plain = bench(cweval_dir, tmp_path / "plain", server, tasks="cwe_943_0", strategy="ours", codemods=False)
    assert outcomes(plain) == {("ours", "cwe_943_0"): ("llm", "broken")}
    assert plain["summary"]["ours"]["overall"]["llm_truly_fixed"] == 0


def test_ours_beside_the_paper_strategy_per_cwe_and_a_re_run_resumes(cweval_dir: Path, tmp_path: Path) -> None:
    def reply(request: RecordedRequest) -> str:
        # Whatever it is asked, the model answers with the secure get_user: right for cwe_943_0,
        # wrong for the YAML task; only the paper's loop (no codemods) asks it.
        return f"```python\nimport sqlite3\n\n\n{ANSWERS['truly fixed']}```"

    out = tmp_path / "out"
    with FakeOpenAI(reply) as server:
        code, results = bench(cweval_dir, out, server, tasks="cwe_943_0,cwe_502_0,cwe_022_0", strategy="paper",
                              chart=True)
        calls = len(server.chat_requests)
    assert code == 0
    assert outcomes(results) == {
        ("ours", "cwe_022_0"): (None, "not flagged"),  # Bandit misses this traversal
        ("ours", "cwe_502_0"): ("codemod", "truly fixed"),  # yaml.load -> safe_load, no LLM call
        ("ours", "cwe_943_0"): ("codemod", "truly fixed"),  # sql-parameters, no LLM call
        ("paper", "cwe_022_0"): (None, "not flagged"),
        ("paper", "cwe_502_0"): ("llm", "broken"),  # the paper accepts any answer without a finding
        ("paper", "cwe_943_0"): ("llm", "truly fixed"),
    }
    assert calls == 2  # paper: 943 and 502
    per_cwe = results["summary"]["paper"]["per_cwe"]
    assert per_cwe["CWE-502"]["outcomes"]["broken"] == 1 and per_cwe["CWE-943"]["outcomes"]["truly fixed"] == 1
    table = (out / "table.md").read_text(encoding="utf-8")
    assert "| Repairs accepted (codemod / LLM / both) | 2 (2 / 0 / 0) | 2 (0 / 2 / 0) |" in table
    assert "| CWE-502 | 1 | 1 | 1 (0 / 1 / 0) | 0 | 0 | 1 | 0 |" in table
    assert (out / "cweval_outcomes.png").stat().st_size > 0
    with FakeOpenAI([]) as idle:  # everything is recorded: no call, the same figures
        code, again = bench(cweval_dir, out, idle, tasks="cwe_943_0,cwe_502_0,cwe_022_0", strategy="paper")
        assert idle.chat_requests == []
    assert code == 0 and outcomes(again) == outcomes(results)


# -- bench detect --cweval -----------------------------------------------------------------------
def test_detect_reports_recall_false_alarms_and_pair_discrimination(cweval_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["bench", "detect", "--cweval", str(cweval_dir), "--engines", "bandit", "--out", str(out)]) == 0
    report = json.loads((out / "detect.json").read_text(encoding="utf-8"))["cweval"]
    assert report["tasks"] == 25 and report["cases"] == 32
    per_cwe = report["per_cwe"]
    # yaml.load is flagged and yaml.safe_load is not: a discriminated pair.
    assert per_cwe["CWE-502"]["bandit"]["flagged"] == 1 and per_cwe["CWE-502"]["bandit"]["discriminated"] == 1
    # Both command variants import subprocess: flagged, but so is the secure one, so no discrimination.
    assert per_cwe["CWE-78"]["bandit"]["flagged"] == 1 and per_cwe["CWE-78"]["bandit"]["secure_flagged"] == 1
    assert per_cwe["CWE-78"]["bandit"]["discriminated"] == 0
    assert "cwe_022_0" in report["missed"]
    overall = report["overall"]["bandit"]
    assert overall["recall"] == round(overall["flagged"] / 32, 4) and overall["references"] == 25
    markdown = (out / "detect.md").read_text(encoding="utf-8")
    assert "## Detection on CWEval's secure and insecure variants" in markdown
    assert "| CWE-502 | 1 | 1 | 0 | 0/1 | 1 |" in markdown  # Bandit tags B506 (yaml.load) CWE-20, not 502


def test_detect_needs_labels_or_cweval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "detect", "--out", str(tmp_path)]) == 2
    assert "--labels FILE, --cweval DIR" in capsys.readouterr().err


def test_shards_merge_into_one_complete_report(cweval_dir: Path, tmp_path: Path) -> None:
    # Three cases no engine flags here (so no model is asked), in two shards.
    for index in (1, 2):
        code, results = bench(cweval_dir, tmp_path / f"shard{index}", tasks="cwe_020_0,cwe_022_0",
                              strategy="paper", shard=f"{index}/2")
        assert code == 0
        assert len(results["cases"]) == (4 if index == 1 else 2)
    assert main(["bench", "merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out", str(tmp_path / "all"),
                 "--no-chart"]) == 0
    merged = json.loads((tmp_path / "all" / "results.json").read_text(encoding="utf-8"))
    assert merged["summary"]["ours"]["overall"]["cases"] == 3 and merged["meta"]["not_run"] == 0
    assert "Incomplete" not in (tmp_path / "all" / "table.md").read_text(encoding="utf-8")


def test_nothing_the_tests_start_outlives_them(tmp_path: Path) -> None:
    [task] = load_cweval(synthetic(tmp_path / "cweval"))
    marker = tmp_path / "still-running"
    # A "repair" that leaves a background process behind, which would write the marker later.
    later = f"import time; time.sleep(3); open({str(marker)!r}, 'w')"
    code = f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {later!r}])\n"
    code += "def shout(text):\n    return text.upper()\n"
    verdicts = judge_kinds(run_tests(task, code), run_tests(task, task.secure_code))
    assert verdicts["functionality"].status == "passed"
    time.sleep(4)
    assert not marker.exists()


@pytest.mark.parametrize("style, marked", [("worked", True), ("plain", False)])
def test_the_prompt_design_is_a_setting_of_the_run(cweval_dir: Path, tmp_path: Path, style: str, marked: bool) -> None:
    with FakeOpenAI([answer(f"```python\n{ANSWERS['truly fixed']}```")]) as server:
        code, results = bench(cweval_dir, tmp_path / "out", server, tasks="cwe_943_0", strategy="ours",
                              prompt_style=style, codemods=False)
        [request] = server.chat_requests
    assert code == 0 and results["meta"]["prompt_style"] == style
    assert ("# <<< flagged" in request.prompt_text) is marked
    assert outcomes(results) == {("ours", "cwe_943_0"): ("llm", "truly fixed")}


def test_the_tests_tools_come_from_the_third_party_folder(tmp_path: Path) -> None:
    # CWE-1333's security tests run ./third_party/recheck-linux-x64; a stand-in tool here.
    folder = synthetic(tmp_path / "cweval")
    test_file = folder / "cwe_001_0_test.py"
    test_file.write_text(test_file.read_text(encoding="utf-8") + textwrap.dedent('''

        @pytest.mark.security
        def test_the_tool_judges_the_output():
            assert os.popen(f"./third_party/judge {shout('x')}").read().strip() == "safe"
        '''), encoding="utf-8")
    tools = tmp_path / "tools"
    tools.mkdir()
    judge = tools / "judge"
    judge.write_text('#!/bin/sh\n[ "$1" = X ] && echo safe || echo vulnerable\n', encoding="utf-8")
    judge.chmod(0o755)
    [task] = load_cweval(folder)
    without = judge_kinds(run_tests(task, task.secure_code), run_tests(task, task.secure_code))
    assert without["security"].tests == 1  # the tool test fails for the reference too: left out
    reference = run_tests(task, task.secure_code, third_party=tools)
    assert judge_kinds(reference, reference)["security"].tests == 2
    only_the_tool_fails = "def shout(text):\n    return text if text == 'x' else text.upper()\n"
    wrong = judge_kinds(run_tests(task, only_the_tool_fails, third_party=tools), reference)
    assert wrong["security"].status == "failed" and wrong["functionality"].status == "passed"
    assert [name.split("::")[-1] for name in wrong["security"].failed] == ["test_the_tool_judges_the_output"]
