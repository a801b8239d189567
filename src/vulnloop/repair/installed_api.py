"""Does an installed third-party package have the top-level name a repair calls? Read, never imported.

Small models invent APIs (``argon2.hash(...)``, ``argon2.generate_salt()``): the call fails the
first time it runs, yet every scanner is content. When the package is installed where vulnloop
runs (a developer's environment, the hook's), the names its ``__init__`` binds are read from its
source with ``ast``: nothing of the package is executed. A package that is not installed, is
compiled, or builds its namespace at run time (a star import, a module ``__getattr__``) gives no
answer, and nothing is refused.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

from vulnloop.quiet_parse import parse_quietly


@lru_cache(maxsize=256)
def top_level_names(package: str) -> frozenset[str] | None:
    """The names an installed pure-Python package's ``__init__`` binds (its submodules included),
    or None when they cannot be known without running it."""
    if package in sys.stdlib_module_names or not package.isidentifier():
        return None
    try:
        spec = importlib.util.find_spec(package)  # a top-level name: locates, imports nothing
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec is not None else None
    if origin is None or not origin.endswith(".py"):
        return None
    path = Path(origin)
    try:
        tree = parse_quietly(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    names = _bound_at_module_level(tree)
    if names is None:
        return None
    if path.name == "__init__.py":  # `package.sub` is there even when __init__ never imports it
        names |= {p.name.split(".")[0] for p in path.parent.glob("*.py")} | {
            p.name.split(".")[0] for p in path.parent.glob("*.so")} | {
            p.name.split(".")[0] for p in path.parent.glob("*.pyd")} | {
            p.name for p in path.parent.iterdir() if p.is_dir() and p.name.isidentifier()
        }
    return frozenset(names)


def _bound_at_module_level(tree: ast.Module) -> set[str] | None:
    names: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:  # the module's statements, those under if/try/with included
        node = stack.pop()
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == "__getattr__":
                served = _served_names(node) if isinstance(node, ast.FunctionDef) else None
                if served is None:
                    return None
                names |= served
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.For, ast.While)):
            stack.extend([*node.body, *node.orelse])
        elif isinstance(node, ast.Try):
            stack.extend([*node.body, *node.orelse, *node.finalbody, *(s for h in node.handlers for s in h.body)])
        elif isinstance(node, ast.With):
            stack.extend(node.body)
        else:
            if any(_rebinds_namespace(n) for n in ast.walk(node)):
                return None
            for target in _targets(node):
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


_NAMESPACE_WRITERS = frozenset({"globals", "vars", "exec", "setattr", "__import__"})


def _rebinds_namespace(node: ast.AST) -> bool:
    """``globals()[name] = ...``, ``setattr(module, ...)``, ``sys.modules[...]``: names bound at run time."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in _NAMESPACE_WRITERS
    return isinstance(node, ast.Attribute) and node.attr == "modules"


def _served_names(function: ast.FunctionDef) -> set[str] | None:
    """The names a module ``__getattr__`` answers, when it says them: ``if name not in KNOWN: raise``
    first (deprecation shims, metadata such as ``__version__``), or ``if name == "x"`` / ``if name in
    KNOWN`` branches before a closing ``raise``. None when it may answer anything."""
    if not function.args.args:
        return None
    parameter = function.args.args[0].arg
    literals: dict[str, set[str]] = {}
    served: set[str] = set()
    for statement in function.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            keys = _literal_strings(statement.value)
            if keys is not None:
                literals[statement.targets[0].id] = keys
            continue
        if not isinstance(statement, ast.If):
            return served if isinstance(statement, ast.Raise) else None
        test = statement.test
        if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == parameter
                and len(test.ops) == 1):
            return None
        operand = test.comparators[0]
        keys = literals.get(operand.id) if isinstance(operand, ast.Name) else _literal_strings(operand)
        if isinstance(test.ops[0], ast.Eq) and isinstance(operand, ast.Constant) and isinstance(operand.value, str):
            served.add(operand.value)
        elif isinstance(test.ops[0], ast.In) and keys is not None:
            served |= keys
        elif isinstance(test.ops[0], ast.NotIn) and keys is not None and isinstance(statement.body[-1], ast.Raise):
            return served | keys  # everything else raised: only these are answered
        else:
            return None
    return None


def _literal_strings(node: ast.expr) -> set[str] | None:
    """The strings of a literal set, list, tuple or dict's keys, or None."""
    items = node.keys if isinstance(node, ast.Dict) else node.elts if isinstance(node, (ast.Set, ast.List, ast.Tuple)) else None
    if items is None or not all(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
        return None
    return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}


def _targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return [node.target]
    return []


def invented_name(dotted_name: str) -> str | None:
    """For ``package.name(...)`` of an installed third-party package, ``name`` when the package
    certainly has no such top-level name, else None."""
    package, _, rest = dotted_name.partition(".")
    attribute = rest.split(".")[0]
    if not attribute:
        return None
    names = top_level_names(package)
    return attribute if names is not None and attribute not in names else None
