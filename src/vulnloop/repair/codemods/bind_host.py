"""Listening on every interface (``"0.0.0.0"``) -> ``os.environ.get("<APP>_HOST", "127.0.0.1")``.

``<APP>`` is the folder holding the file (its own name for a file at the top), upper-cased:
a variable that belongs to the app. Plain ``HOST`` is set by many shells and CI systems to the
machine's name, which would make the service listen on an outside interface after all.

Rewritten only where the string is clearly a listening address: a ``host=``-like keyword, the host
of a ``(host, port)`` pair passed to a call (``sock.bind``, ``HTTPServer``), or a variable or
parameter whose name says host, bind, listen, interface or server address. Comparisons and other uses
of the string are left alone.
"""
from __future__ import annotations

import re
from pathlib import PurePath

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    positional_args,
    string_value,
)
from vulnloop.repair.codemods.catalogue import DEFAULT_HOST, INFOS

_ALL_INTERFACES = frozenset({"0.0.0.0", "::"})
# Names of listening addresses; "ip" or "addr" alone also name peers and sources (source_ip).
_ADDRESS_NAME = re.compile(r"host|bind|listen|interface|server_?addr", re.IGNORECASE)
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")


def env_var(path: str) -> str:
    """The app's own variable for its listening address: ``<APP>_HOST``, where APP is the folder
    holding the file, or the file's name without extension at the top level."""
    parts = PurePath(path.replace("\\", "/")).parts
    app = parts[-2] if len(parts) >= 2 and parts[-2] != "src" else PurePath(parts[-1] if parts else "app").stem
    words = _NOT_NAME.sub("_", app).strip("_").upper() or "APP"
    return f"{'APP_' if words[0].isdigit() else ''}{words}_HOST"


class BindHost(ParsedCodemod):
    info = INFOS["bind_host"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        literal = parsed.locate(
            finding, cst.SimpleString, lambda s: string_value(s) in _ALL_INTERFACES
        )
        if literal is None or not self._is_listen_address(parsed, literal):
            return None
        os_ref = parsed.module_reference("os")
        if os_ref is None:
            return None
        quote = parsed.code(literal).lstrip("rRuU")[:1]
        name, default = (f"{quote}{text}{quote}" for text in (env_var(finding.path), DEFAULT_HOST))
        replacement = cst.parse_expression(f"{parsed.code(os_ref[0])}.environ.get({name}, {default})")
        return parsed.render([(literal, replacement)], [os_ref[1]])

    @staticmethod
    def _is_listen_address(parsed: ParsedSource, literal: cst.SimpleString) -> bool:
        parent = parsed.parent(literal)
        if isinstance(parent, cst.Arg):
            return parent.keyword is not None and bool(_ADDRESS_NAME.search(parent.keyword.value))
        if isinstance(parent, cst.Element):
            pair = parsed.parent(parent)
            arg = parsed.parent(pair) if pair is not None else None
            call = parsed.parent(arg) if arg is not None else None
            return (
                isinstance(pair, cst.Tuple)
                and len(pair.elements) == 2
                and pair.elements[0] is parent
                and isinstance(arg, cst.Arg)
                and isinstance(call, cst.Call)
                and arg in positional_args(call)
            )
        if isinstance(parent, cst.Assign):
            return len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name) and bool(
                _ADDRESS_NAME.search(parent.targets[0].target.value)
            )
        if isinstance(parent, cst.AnnAssign):
            return isinstance(parent.target, cst.Name) and bool(_ADDRESS_NAME.search(parent.target.value))
        if isinstance(parent, cst.Param):
            return bool(_ADDRESS_NAME.search(parent.name.value))
        return False


CODEMOD = BindHost()
