"""The `redos` engine: regular expressions written in the code that backtrack badly (CWE-1333).

No other engine here sees this: Bandit has no such check, Semgrep CE's own ReDoS analyser
flags separator-delimited repeats such as ``^\\d+(\\.\\d+)*$`` that are linear, and our
Semgrep rules only follow patterns that come from request data. This engine reads each file's
syntax tree (never runs it), takes the pattern of each ``re``/``regex`` call, written in place
or held in a name assigned once in the same scope, and asks regex_complexity whether it
backtracks badly.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator

from vulnloop.engines.regex_complexity import redos_problem
from vulnloop.engines.ast_engine import AstEngine, location
from vulnloop.findings import Finding, Level

ENGINE = "redos"
RULE_ID = "vulnloop.redos"
_MODULES = {"re", "regex"}
_FUNCTIONS = {"compile", "match", "fullmatch", "search", "findall", "finditer", "split", "sub", "subn"}
_ADVICE = (
    "A match that fails can then take exponential or high polynomial time, so a long crafted input "
    "ties up the process (ReDoS). Make the repeated parts unable to match the same text (one "
    "quantifier per run of characters, a separator the repetition cannot match), bound the "
    "repetitions ({1,64}), or limit the input's length before matching."
)


class RedosEngine(AstEngine):
    name = ENGINE

    def findings_in(self, path: str, tree: ast.Module) -> list[Finding]:
        return [_finding(path, call, pattern, problem) for call, pattern, problem in _problems(tree)]



def _problems(tree: ast.Module) -> Iterator[tuple[ast.Call, str, str]]:
    module_constants, _ = _constants_assigned_once(tree)
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
        constants, assigned = _constants_assigned_once(scope)
        # A function sees the module's constants unless it assigns the name itself.
        visible = {k: v for k, v in module_constants.items() if k not in assigned} | constants
        for call in _calls_in_scope(scope):
            pattern = _pattern(call, visible)
            if pattern is not None:
                problem = redos_problem(pattern)
                if problem:
                    yield call, pattern, problem


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of this scope, not of the functions nested in it (they are scopes of their own)."""
    for child in ast.iter_child_nodes(scope):
        yield child
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _own_nodes(child)


def _constants_assigned_once(scope: ast.AST) -> tuple[dict[str, str], set[str]]:
    """The names this scope assigns a string constant exactly once, and every name it assigns."""
    values: dict[str, str] = {}
    counts: dict[str, int] = {}
    for node in _own_nodes(scope):
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                counts[target.id] = counts.get(target.id, 0) + 1
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    values[target.id] = value.value
    return {name: text for name, text in values.items() if counts[name] == 1}, set(counts)


def _calls_in_scope(scope: ast.AST) -> Iterator[ast.Call]:
    for node in _own_nodes(scope):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in _FUNCTIONS and isinstance(node.func.value, ast.Name)
                and node.func.value.id in _MODULES):
            yield node


def _pattern(call: ast.Call, constants: dict[str, str]) -> str | None:
    argument = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "pattern"), None)
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.Name):
        return constants.get(argument.id)
    return None


def _finding(path: str, call: ast.Call, pattern: str, problem: str) -> Finding:
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
    return Finding(
        engine=ENGINE,
        rule_id=RULE_ID,
        cwes=(1333,),
        severity=Level.MEDIUM,
        confidence=Level.MEDIUM,
        **location(path, call),
        message=f"The regular expression {shown!r} backtracks badly: {problem}. {_ADVICE}",
        rule_name="redos",
        help_url="https://cwe.mitre.org/data/definitions/1333.html",
    )
