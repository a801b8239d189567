"""Listening on every interface (``"0.0.0.0"``) -> ``os.environ.get("HOST", "127.0.0.1")``.

Rewritten only where the string is clearly a listening address: a ``host=``-like keyword, the host
of a ``(host, port)`` pair passed to a call (``sock.bind``, ``HTTPServer``), or a variable or
parameter whose name says host, bind, listen, interface or server address. Comparisons and other uses
of the string are left alone.
"""
from __future__ import annotations

import re

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import (
    CodemodInfo,
    ParsedCodemod,
    ParsedSource,
    positional_args,
    string_value,
)

_ALL_INTERFACES = frozenset({"0.0.0.0", "::"})
# Names of listening addresses; "ip" or "addr" alone also name peers and sources (source_ip).
_ADDRESS_NAME = re.compile(r"host|bind|listen|interface|server_?addr", re.IGNORECASE)
ENV_VAR = "HOST"
DEFAULT_HOST = "127.0.0.1"


class BindHost(ParsedCodemod):
    info = CodemodInfo(
        id="bind-host-from-env",
        summary=f'Listen on {DEFAULT_HOST} unless the {ENV_VAR} environment variable says otherwise',
        cwes=(605, 200),
        bandit_ids=("B104",),
        codeql_ids=("py/bind-socket-all-network-interfaces",),
        guidance=(
            f"The service now listens on the loopback interface by default. Deployments that "
            f"must accept outside connections (containers, VMs) set {ENV_VAR}=0.0.0.0 "
            f"explicitly, where the exposure is a visible decision."
        ),
    )

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
        replacement = cst.parse_expression(
            f"{parsed.code(os_ref[0])}.environ.get({quote}{ENV_VAR}{quote}, {quote}{DEFAULT_HOST}{quote})"
        )
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
