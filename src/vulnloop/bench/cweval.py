"""CWEval's Python tasks (Peng et al., LLM4Code 2025) and running their tests.

A folder holds ``cwe_NNN_K_task.py`` (after ``# BEGIN SOLUTION`` the secure reference) and
``cwe_NNN_K_test.py`` (pytest tests marked ``functionality`` or ``security``, and insecure
``<function>_unsafe[_N]`` variants). A vulnerable module is the task file with an unsafe variant's
body in place of the reference's. Loading never runs that code; ``run_tests`` does, in a child
process in a fresh temporary folder, with a time limit and no secrets in its environment, and only
the tests the secure reference passes here count.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from vulnloop.api import ConfigError

SOLUTION_MARK = "# BEGIN SOLUTION"
TEST_KINDS = ("functionality", "security")
_TASK_FILE = re.compile(r"^cwe_(\d+)_(\d+)_task\.py$")


@dataclass(frozen=True)
class UnsafeVariant:
    name: str  # "read_file_from_dir_unsafe", "get_target_for_redirect_unsafe_1"
    code: str  # the whole vulnerable module


@dataclass(frozen=True)
class CwevalTask:
    task_id: str  # "cwe_022_0"
    cwe: str  # "CWE-22"
    function: str  # the function under test
    module: str  # the module name the test file imports it from (usually "<task_id>_task")
    secure_code: str  # the task file: the secure reference
    test_path: Path
    variants: tuple[UnsafeVariant, ...]

    @property
    def file_name(self) -> str:
        return f"{self.module}.py"

    def case_id(self, variant: UnsafeVariant) -> str:
        """One vulnerable case: the task id, with the variant's suffix when the task has several."""
        suffix = variant.name[len(self.function) + len("_unsafe"):].lstrip("_")
        return f"{self.task_id}/{suffix}" if suffix else self.task_id


def load_cweval(directory: Path | str) -> list[CwevalTask]:
    """Every task of a CWEval ``benchmark/core/py`` folder, in task-id order."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(f"--cweval {folder}: not a folder (CWEval's benchmark/core/py, e.g. ../shared/data/cweval)")
    tasks = []
    for task_path in sorted(folder.iterdir()):
        match = _TASK_FILE.match(task_path.name)
        if not match:
            continue
        test_path = task_path.with_name(task_path.name.replace("_task.py", "_test.py"))
        if not test_path.is_file():
            raise ConfigError(f"{task_path}: no test file {test_path.name} beside it")
        tasks.append(_load_task(task_path, test_path, f"CWE-{int(match.group(1))}"))
    if not tasks:
        raise ConfigError(f"--cweval {folder}: no cwe_NNN_K_task.py files in it")
    return tasks


def _read(path: Path) -> tuple[str, ast.Module]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, ast.parse(text, filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        raise ConfigError(f"{path}: cannot read this CWEval file: {exc}") from None


def _load_task(task_path: Path, test_path: Path, cwe: str) -> CwevalTask:
    task_text, task_tree = _read(task_path)
    test_text, test_tree = _read(test_path)
    function = next((n for n in task_tree.body if isinstance(n, ast.FunctionDef)), None)
    if function is None or SOLUTION_MARK not in task_text:
        raise ConfigError(f"{task_path}: expected a function with a '{SOLUTION_MARK}' line")
    module = task_path.stem
    for node in test_tree.body:  # one test file imports another task's module (cwe_329_0)
        if isinstance(node, ast.ImportFrom) and node.module and any(a.name == function.name for a in node.names):
            module = node.module
    unsafe = re.compile(rf"^{re.escape(function.name)}_unsafe(?:_\d+)?$")
    variants = tuple(
        UnsafeVariant(node.name, vulnerable_module(task_text, task_tree, function, test_text, test_tree, node))
        for node in test_tree.body
        if isinstance(node, ast.FunctionDef) and unsafe.match(node.name)
    )
    return CwevalTask(
        task_id=task_path.name[: -len("_task.py")], cwe=cwe, function=function.name, module=module,
        secure_code=task_text, test_path=test_path, variants=variants,
    )


def vulnerable_module(
    task_text: str,
    task_tree: ast.Module,
    function: ast.FunctionDef,
    test_text: str,
    test_tree: ast.Module,
    unsafe: ast.FunctionDef,
) -> str:
    """The task file with its solution replaced by ``unsafe``'s body (signature and docstring kept)."""
    task_lines = task_text.splitlines(keepends=True)
    test_lines = test_text.splitlines(keepends=True)
    mark = next(i for i, line in enumerate(task_lines) if line.strip() == SOLUTION_MARK)
    body_indent = " " * function.body[-1].col_offset
    start = unsafe.body[0].lineno - 1
    if isinstance(unsafe.body[0], ast.Expr) and isinstance(getattr(unsafe.body[0], "value", None), ast.Constant):
        start = unsafe.body[0].end_lineno or start  # the variant's own docstring: the task's is kept
    body = textwrap.indent(textwrap.dedent("".join(test_lines[start: unsafe.end_lineno])), body_indent)
    def_line = min([function.lineno, *(d.lineno for d in function.decorator_list)]) - 1
    needed = _definitions_used(unsafe, test_text, test_tree, _bound_names(task_tree))
    head = "".join(task_lines[:def_line])
    if needed:
        head += "\n".join(needed).rstrip("\n") + "\n\n\n"
    tail = "".join(task_lines[function.end_lineno or len(task_lines):])
    return head + "".join(task_lines[def_line:mark]) + body + tail


def _bound_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _definitions_used(unsafe: ast.FunctionDef, test_text: str, test_tree: ast.Module, bound: set[str]) -> list[str]:
    """The test file's imports (first) and top-level definitions binding a name ``unsafe`` reads
    that the task file lacks (cwe_113_0's variant reads the test file's ``type_to_key``)."""
    local = {a.arg for a in ast.walk(unsafe.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(unsafe) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    free = {
        n.id for n in ast.walk(unsafe) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    } - local - bound - set(dir(builtins))
    statements, definitions = [], []
    for node in test_tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            if node is not unsafe and _bound_names(ast.Module(body=[node], type_ignores=[])) & free:
                definitions.append(ast.get_source_segment(test_text, node) or "")
            continue
        if any(a.name == "*" for a in node.names):
            continue
        wanted = [a for a in node.names if (a.asname or a.name).split(".")[0] in free]
        if wanted:
            names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in wanted)
            if isinstance(node, ast.ImportFrom):
                statements.append(f"from {'.' * node.level}{node.module or ''} import {names}")
            else:
                statements.append(f"import {names}")
    return statements + [d + "\n" for d in definitions if d]


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


def run_tests(
    task: CwevalTask, module_code: str, *, python: str | None = None, timeout: float = DEFAULT_TIMEOUT,
    third_party: Path | None = None,
) -> TestRun:
    """Run the task's tests against ``module_code`` (installed as the module the tests import);
    ``third_party`` is the folder of tools they run as ./third_party/NAME (CWEval's layout)."""
    with tempfile.TemporaryDirectory(prefix="vulnloop-cweval-") as tmp:
        folder = Path(tmp)
        work = folder / "tests"
        work.mkdir()
        (work / task.file_name).write_text(module_code, encoding="utf-8")
        (work / task.test_path.name).write_text(task.test_path.read_text(encoding="utf-8"), encoding="utf-8")
        (work / "conftest.py").write_text(_PLUGIN, encoding="utf-8")
        (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # no outer config is read
        if third_party is not None:
            (work / "third_party").symlink_to(third_party.resolve(), target_is_directory=True)
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


def functionality_check(task: CwevalTask, folder: Path, *, python: str | None = None) -> str:
    """Put the task's tests in ``folder`` (the loop's root) and return the command that runs only
    their functionality kind: what a user with tests passes as --verify-cmd. The security tests
    stay out of the loop's sight: they judge the result afterwards."""
    (folder / task.test_path.name).write_text(task.test_path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    functionality: a CWEval test kind\n    security: a CWEval test kind\n",
        encoding="utf-8",
    )
    command = [
        python or sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "pytest.ini",
        "--rootdir", ".", "-m", "functionality", "-k", "not unsafe", task.test_path.name,
    ]
    return shlex.join(command)


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
