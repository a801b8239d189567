"""Bandit findings that the code itself shows to be safe, dropped before anyone sees them.

Bandit judges a call by its name. A few of its checks then fire on the very code that fixes
them, which makes a verified repair look unfixed:

- B202 (``tarfile.extractall``) although the call passes ``filter="data"`` (or ``"tar"``, or
  ``tarfile.data_filter``), the extraction filter that refuses links and paths out of the folder;
- B605 (a command run through a shell) when every value spliced into the command string is
  ``shlex.quote``-d (or the command is ``shlex.join`` of a list);
- B603 (a subprocess without a shell) when the program is a fixed string: with no shell the
  arguments cannot start another command, so only a program chosen by input is worth a look.

Each test reads the syntax tree of the flagged call only; anything unusual keeps the finding.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from vulnloop.findings import Finding
from vulnloop.quiet_parse import quiet_warnings

_SAFE_TAR_FILTERS = {"data", "tar"}


def drop_safe_bandit_findings(findings: Sequence[Finding], text: str) -> list[Finding]:
    """The findings less those whose flagged call is safe as written (see the module doc)."""
    if not any(f.rule_id in _CHECKS for f in findings):
        return list(findings)
    try:
        with quiet_warnings(SyntaxWarning):
            tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return list(findings)
    calls: dict[int, list[ast.Call]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.setdefault(node.lineno, []).append(node)
    return [f for f in findings if not _is_safe(f.rule_id, calls.get(f.start_line, []))]


def _is_safe(rule_id: str, calls: list[ast.Call]) -> bool:
    if rule_id not in _CHECKS:
        return False
    callees, check = _CHECKS[rule_id]
    # Bandit names the line of the call; when several calls share it, all must be safe.
    relevant = [c for c in calls if _callee(c) in callees]
    return bool(relevant) and all(check(c) for c in relevant)


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _tar_filtered(call: ast.Call) -> bool:
    value = _keyword(call, "filter")
    if isinstance(value, ast.Constant):
        return value.value in _SAFE_TAR_FILTERS
    # tarfile.data_filter / tarfile.tar_filter passed as the function itself
    return isinstance(value, ast.Attribute) and value.attr in {"data_filter", "tar_filter"}


def _first_argument(call: ast.Call) -> ast.expr | None:
    return call.args[0] if call.args else _keyword(call, "args")


def _fixed_program(call: ast.Call) -> bool:
    argv = _first_argument(call)
    if isinstance(argv, (ast.List, ast.Tuple)) and argv.elts:
        program = argv.elts[0]
        return isinstance(program, ast.Constant) and isinstance(program.value, str)
    return False


def _is_shlex(node: ast.expr, name: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "shlex")


def _quoted_command(call: ast.Call) -> bool:
    command = _first_argument(call)
    if command is None:
        return False
    if _is_shlex(command, "join"):
        return True
    if isinstance(command, ast.JoinedStr):
        parts = [v.value for v in command.values if isinstance(v, ast.FormattedValue)]
    elif isinstance(command, ast.BinOp) and isinstance(command.op, ast.Add):
        parts = _concatenated(command)
    elif isinstance(command, ast.Call) and _callee(command) == "format" and isinstance(command.func, ast.Attribute) \
            and isinstance(command.func.value, ast.Constant):
        parts = [*command.args, *(k.value for k in command.keywords)]
    else:
        return False
    spliced = [p for p in parts if not (isinstance(p, ast.Constant) and isinstance(p.value, str))]
    return bool(spliced) and all(_is_shlex(p, "quote") for p in spliced)


def _concatenated(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_concatenated(node.left), *_concatenated(node.right)]
    return [node]


_SUBPROCESS = {"run", "call", "check_call", "check_output", "Popen"}
_CHECKS: dict[str, tuple[set[str], Callable[[ast.Call], bool]]] = {
    "B202": ({"extractall", "extract"}, _tar_filtered),
    "B603": (_SUBPROCESS, _fixed_program),
    "B605": ({"system", "popen", "popen2", "popen3", "popen4", "getoutput", "getstatusoutput", *_SUBPROCESS},
             _quoted_command),
}
