"""A secret's file created with default or loose permissions -> created owner-only (0o600):
``open(path, "w")`` gains ``opener=lambda path, flags: os.open(path, flags, 0o600)``;
``os.open(path, flags)`` gains the mode and ``os.open(path, flags, 0o644)`` keeps only the
owner's bits.

open() is rewritten only in a mode that may create the file (w, x, a) and without an opener of
its own; os.open() only with a literal mode or none. Everything else goes to the LLM.
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import ImportAssignment

from vulnloop.findings import Finding
from vulnloop.repair.codemods.catalogue import INFOS, SECRET_FILE_MODE
from vulnloop.repair.codemods.owner_only_permissions import owner_only
from vulnloop.repair.codemods.parsed_codemod import (
    ImportNeed,
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    call_shape_ok,
    keyword_arg,
    positional_args,
    replace_arg_value,
    string_value,
)

_OPEN = frozenset({"builtins.open", "io.open"})
_OS_OPEN = frozenset({"os.open"})
# open(file, mode, buffering, encoding, errors, newline, closefd, opener): closefd=False needs a
# descriptor, which no opener is called for.
_OPEN_KEYWORDS = frozenset({"file", "mode", "buffering", "encoding", "errors", "newline"})
_MODE_CHARS = frozenset("wxabt+")
_PATH_NAMES = ("path", "file", "name", "target")
_FLAGS_NAMES = ("flags", "open_flags", "os_flags")


def _creates(mode: str | None) -> bool:
    """A valid open() mode that may create the file."""
    return (
        mode is not None
        and set(mode) <= _MODE_CHARS
        and sum(mode.count(c) for c in "wxa") == 1
        and len(set(mode)) == len(mode)
        and not {"b", "t"} <= set(mode)
    )


def _os_reference(parsed: ParsedSource) -> tuple[cst.BaseExpression, ImportNeed | None] | None:
    """``os`` as the file names it: a plain ``import os``, else the module-level
    ``import os as <alias>`` (bound to nothing else), else ``os`` with the import to add."""
    plain = parsed.module_reference("os")
    if plain is not None and plain[1] is None:
        return plain
    for statement in parsed.statements_mentioning(frozenset({"os"})):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Import):
                continue
            for alias in small.names:
                if parsed.code(alias.name) != "os" or alias.asname is None:
                    continue
                name = alias.asname.name
                if isinstance(name, cst.Name) and not parsed.has_star_import and all(
                    isinstance(a, ImportAssignment) and a.node is small
                    for a in parsed.assignments(name.value)
                ):
                    return cst.Name(name.value), None
    return plain


def _names_in(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Collect())
    return found


class OwnerOnlySecretFile(ParsedCodemod):
    info = INFOS["owner_only_secret_file"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _OPEN | _OS_OPEN) is not None
        )
        if call is None:
            return None
        if parsed.resolves_to(call.func, _OS_OPEN) is not None:
            return self._os_open(parsed, call)
        return self._open(parsed, call)

    @staticmethod
    def _os_open(parsed: ParsedSource, call: cst.Call) -> str | None:
        if not call_shape_ok(call, 3, {"mode", "dir_fd"}):
            return None
        positional = positional_args(call)
        mode = keyword_arg(call, "mode") or (positional[2] if len(positional) == 3 else None)
        if mode is not None:
            new_mode = owner_only(mode.value)
            return None if new_mode is None else parsed.render([(call, replace_arg_value(call, mode, new_mode))])
        if len(positional) != 2:
            return None
        # Appended after the flags, as a positional argument unless a keyword follows them.
        new_call = append_keyword(call, "mode", cst.Integer(f"{SECRET_FILE_MODE:#o}"))
        if len(call.args) == 2:
            last = new_call.args[-1].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
            new_call = new_call.with_changes(args=[*new_call.args[:-1], last])
        return parsed.render([(call, new_call)])

    @staticmethod
    def _open(parsed: ParsedSource, call: cst.Call) -> str | None:
        if not call_shape_ok(call, 6, _OPEN_KEYWORDS):
            return None
        positional = positional_args(call)
        mode = keyword_arg(call, "mode") or (positional[1] if len(positional) > 1 else None)
        if mode is None or not _creates(string_value(mode.value)):
            return None
        os_ref = _os_reference(parsed)
        if os_ref is None:
            return None
        os_code = parsed.code(os_ref[0])
        used = _names_in(call) | {os_code}
        path = next((n for n in _PATH_NAMES if n not in used), None)
        flags = next((n for n in _FLAGS_NAMES if n not in used), None)
        if path is None or flags is None:
            return None
        opener = cst.parse_expression(
            f"lambda {path}, {flags}: {os_code}.open({path}, {flags}, {SECRET_FILE_MODE:#o})"
        )
        return parsed.render([(call, append_keyword(call, "opener", opener))], [os_ref[1]])


CODEMOD = OwnerOnlySecretFile()
