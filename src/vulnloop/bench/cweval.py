"""CWEval's Python tasks (Peng et al., LLM4Code 2025): a secure reference and insecure variants per
task, judged by the task's own functionality and security tests.

A folder holds ``cwe_NNN_K_task.py`` (one function; after ``# BEGIN SOLUTION`` the secure
reference) and ``cwe_NNN_K_test.py`` (pytest tests whose parameters are marked ``functionality``
or ``security``, and ``<function>_unsafe`` / ``<function>_unsafe_N``: insecure implementations).
A vulnerable module is the task file with the reference body replaced by an unsafe variant's body,
plus the test file's imports that body uses. Nothing here runs any of that code.
"""
from __future__ import annotations

import ast
import builtins
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from vulnloop.errors import ConfigError

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
