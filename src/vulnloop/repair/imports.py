"""Import statements of code under repair: what they bind, which packages they name, where new ones go.

Shared by the answer splicer, the confinement rebuild, the gate and the dependency notes, so that
all four read imports the same way. Light on purpose: the hook loads it (through the dependency
notes) without the prompt or the gate.
"""
from __future__ import annotations

import ast
from typing import Iterable

ImportKey = tuple[str, str, "str | None"]  # (module, name, alias)
Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def definition_start(node: Definition) -> int:
    """First line of a definition, its decorators included (where an import above it must go)."""
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])
_IMPORTS = (ast.Import, ast.ImportFrom)


def import_keys(node: ast.Import | ast.ImportFrom) -> list[ImportKey]:
    """(module, name, alias) for each name an import binds; module '' for ``import x``."""
    if isinstance(node, ast.Import):
        return [("", alias.name, alias.asname) for alias in node.names]
    module = "." * node.level + (node.module or "")
    return [(module, alias.name, alias.asname) for alias in node.names]


def render_imports(keys: Iterable[ImportKey]) -> list[str]:
    """Import lines for these keys, one ``from`` line per module."""
    lines: list[str] = []
    grouped: dict[str, list[str]] = {}
    for module, name, asname in keys:
        shown = f"{name} as {asname}" if asname else name
        if module:
            grouped.setdefault(module, []).append(shown)
        else:
            lines.append(f"import {shown}")
    lines.extend(f"from {module} import {', '.join(names)}" for module, names in grouped.items())
    return lines


def bound_name(key: ImportKey) -> str:
    """The name an import binds: its alias, the first part of ``import a.b``, or the imported name."""
    module, name, alias = key
    return alias or (name.split(".")[0] if not module else name)


def new_import_keys(answer_tree: ast.Module, original_tree: ast.Module) -> list[ImportKey]:
    """Top-level imports of the answer the file does not have yet (``__future__`` excluded:
    it may only open a file)."""
    have = {
        key
        for node in original_tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for key in import_keys(node)
    }
    wanted: list[ImportKey] = []
    for node in answer_tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for key in import_keys(node):
                if key[0] != "__future__" and key not in have and key not in wanted:
                    wanted.append(key)
    return wanted


def used_new_imports(
    answer_tree: ast.Module, original_tree: ast.Module, code: Iterable[ast.AST]
) -> tuple[list[str], list[str]]:
    """The lines of the answer's new imports that ``code`` (what is taken from the answer) uses,
    and the names of those it never uses. Unused ones are left out rather than refused: small
    models add them (`quote` imported, a pattern check written instead), and a line left out runs nothing."""
    used = {n.id for top in code for n in ast.walk(top) if isinstance(n, ast.Name)}
    keys = new_import_keys(answer_tree, original_tree)
    return render_imports(k for k in keys if bound_name(k) in used), [bound_name(k) for k in keys if bound_name(k) not in used]


def import_position(original: ast.Module, before_line: int) -> tuple[int, bool]:
    """0-based line index where new imports go, and whether the file had an import block there."""
    imports = [
        n for n in original.body
        if isinstance(n, (ast.Import, ast.ImportFrom)) and (n.end_lineno or n.lineno) < before_line
    ]
    if imports:
        return (imports[-1].end_lineno or imports[-1].lineno), True
    first = original.body[0] if original.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return (first.end_lineno or first.lineno), False
    if first is None:
        return 0, False
    start = definition_start(first) if isinstance(first, _DEFINITIONS) else first.lineno
    return start - 1, False


def module_import_keys(tree: ast.Module) -> set[ImportKey]:
    """The keys of a module's top-level imports."""
    return {key for node in tree.body if isinstance(node, _IMPORTS) for key in import_keys(node)}


def imported_packages(tree: ast.AST) -> set[str]:
    """Top-level package names every import in ``tree`` names ('.' for a relative import)."""
    packages: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            packages.add("." if node.level else (node.module or "").split(".")[0])
    return packages


# Standard-library modules an answer may use without importing them (small models write
# `os.urandom(16)` and forget `import os`). Importing one runs none of the project's code, so the
# missing line is completed rather than the answer refused; the gate still checks every call.
_COMPLETABLE = frozenset({
    "ast", "base64", "binascii", "hashlib", "hmac", "html", "json", "os", "re", "secrets", "shlex",
    "stat", "string", "tempfile",
})


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere: assignments, parameters, definitions, imports, handlers."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (*_DEFINITIONS,)):
            bound.add(node.name)
        elif isinstance(node, _IMPORTS):
            bound.update((alias.asname or alias.name.split(".")[0]) for alias in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
    return bound


def unimported_modules(tree: ast.Module) -> list[str]:
    """Standard-library modules the code uses as ``module.attribute`` without binding the name."""
    bound = _bound_names(tree)
    return sorted({
        node.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        and node.value.id in _COMPLETABLE and node.value.id not in bound
    })
