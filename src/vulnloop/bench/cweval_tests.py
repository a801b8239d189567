"""Run a CWEval task's functionality and security tests on one version of its module.

This EXECUTES the module and the task's tests, so it belongs to the benchmark only (never to
``fix``, the hook or the Action's review path): in a child process, in a fresh temporary folder,
with a time limit and a minimal environment (no API keys, no tokens: nothing of ours is inherited).

The tests of the task's own function are kept (``-k "not unsafe"`` drops the test file's checks of
its ``_unsafe`` variants); a small plugin records each test's markers and outcome. Which tests can
run here is learnt from the secure reference: a test the reference fails (a missing package, a
missing helper binary) says nothing about a repair, so it is left out, and a kind of test with no
such test left is "could not test".
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from vulnloop.bench.cweval import TEST_KINDS, CwevalTask

DEFAULT_TIMEOUT = 120.0
UNTESTED = "could not test"

# Written beside the tests as conftest.py: one JSON line per test (nodeid, kinds, outcome) and per
# collection error, flushed at once so a run cut by the time limit still tells what finished.
_PLUGIN = '''
import json, os

_OUT = os.environ["CWEVAL_RESULTS"]

def _write(record):
    with open(_OUT, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\\n")

def pytest_configure(config):
    for kind in ("functionality", "security"):
        config.addinivalue_line("markers", kind + ": a CWEval test kind")

def pytest_collectreport(report):
    if report.failed:
        _write({"collect_error": str(report.longrepr)[-2000:]})

_KINDS = {}

def pytest_collection_modifyitems(items):
    for item in items:
        _KINDS[item.nodeid] = sorted({m.name for m in item.iter_markers()} & {"functionality", "security"})

def pytest_runtest_logreport(report):
    kinds = _KINDS.get(report.nodeid, [])
    if report.when == "call" or report.outcome != "passed":
        message = "" if report.passed else str(report.longrepr)[-600:]
        _write({"test": report.nodeid, "when": report.when, "kinds": kinds,
                "outcome": report.outcome, "message": message})
'''


@dataclass(frozen=True)
class TestRun:
    """Per test node id: "passed", "failed" or "skipped" (a test reported twice keeps the worse)."""

    outcomes: Mapping[str, str]
    kinds: Mapping[str, tuple[str, ...]]
    collect_errors: tuple[str, ...] = ()
    timed_out: bool = False
    messages: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KindVerdict:
    """One kind of test on one module: passed, failed, or "could not test" here (with why)."""

    kind: str
    status: str  # "passed" | "failed" | UNTESTED
    tests: int
    failed: tuple[str, ...] = ()
    why: str = ""


def minimal_environment(home: Path) -> dict[str, str]:
    """What the child gets: a plain PATH and a private HOME and TMPDIR, nothing else of ours."""
    tmp = home / "tmp"
    tmp.mkdir(exist_ok=True)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONNOUSERSITE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # the tests need no plugin; start-up halves
    }


def run_tests(task: CwevalTask, module_code: str, *, python: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> TestRun:
    """Run the task's tests against ``module_code`` (installed as the module the tests import)."""
    with tempfile.TemporaryDirectory(prefix="vulnloop-cweval-") as tmp:
        folder = Path(tmp)
        work = folder / "tests"
        work.mkdir()
        (work / task.file_name).write_text(module_code, encoding="utf-8")
        (work / task.test_path.name).write_text(task.test_path.read_text(encoding="utf-8"), encoding="utf-8")
        (work / "conftest.py").write_text(_PLUGIN, encoding="utf-8")
        (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # no outer config is read
        results = folder / "results.jsonl"
        env = {**minimal_environment(folder), "CWEVAL_RESULTS": str(results)}
        command = [
            python or sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(work / "pytest.ini"),
            "--rootdir", str(work), "-k", "not unsafe", task.test_path.name,
        ]
        timed_out = False
        # Its own session, so that at the end the whole group goes (a test may spawn children).
        child = subprocess.Popen(  # noqa: S603 - a fixed command; the code it runs is the benchmark's subject
            command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # whatever the tests left running
            child.wait()
        return _parse_results(results, timed_out)


_RANK = {"passed": 0, "skipped": 1, "failed": 2}


def _parse_results(path: Path, timed_out: bool) -> TestRun:
    outcomes: dict[str, str] = {}
    kinds: dict[str, tuple[str, ...]] = {}
    messages: dict[str, str] = {}
    errors: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut by the time limit
        if "collect_error" in record:
            errors.append(str(record["collect_error"]))
            continue
        node = str(record["test"])
        outcome = str(record["outcome"])
        kinds[node] = tuple(record.get("kinds", ()))
        if _RANK.get(outcome, 2) >= _RANK.get(outcomes.get(node, "passed"), 0):
            outcomes[node] = outcome
            if record.get("message"):
                messages[node] = str(record["message"])
    return TestRun(outcomes, kinds, tuple(errors), timed_out, messages)


def judge_kinds(candidate: TestRun, reference: TestRun) -> dict[str, KindVerdict]:
    """Each kind of test on the candidate, counting only the tests the reference passes here."""
    verdicts = {}
    for kind in TEST_KINDS:
        valid = sorted(n for n, o in reference.outcomes.items() if o == "passed" and kind in reference.kinds.get(n, ()))
        if not valid:
            verdicts[kind] = KindVerdict(kind, UNTESTED, 0, why=_why_untested(reference, kind))
            continue
        # A test the candidate never reported (a collection error, the time limit) failed.
        failed = tuple(n for n in valid if candidate.outcomes.get(n) != "passed")
        verdicts[kind] = KindVerdict(kind, "failed" if failed else "passed", len(valid), failed)
    return verdicts


def _why_untested(reference: TestRun, kind: str) -> str:
    if reference.collect_errors:
        last = reference.collect_errors[0].strip().splitlines()
        return f"the tests do not load here: {last[-1] if last else 'collection error'}"
    if reference.timed_out:
        return "the secure reference ran out of time"
    tried = [n for n, k in reference.kinds.items() if kind in k]
    if not tried:
        return f"the task has no {kind} test"
    message = reference.messages.get(tried[0], "").strip().splitlines()
    return f"the secure reference fails them here: {message[-1] if message else reference.outcomes[tried[0]]}"

