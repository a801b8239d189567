"""Paramiko ``AutoAddPolicy``/``WarningPolicy`` -> ``RejectPolicy``: unknown host keys are refused
instead of trusted on first sight (which lets a man in the middle in).

A client that loads no known host keys knows no host at all, and RejectPolicy would then refuse
every connection: so ``client.load_system_host_keys()`` (the user's ~/.ssh/known_hosts; a missing
file is no error) is added just before the policy is set, unless the file already loads host
keys into that client. Where that line cannot be added (the call is part of a larger
statement, or the client is not a plain name), the codemod declines.
"""
from __future__ import annotations

import re

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    calls_in,
    positional_args,
)
from vulnloop.repair.codemods.catalogue import INFOS

_TRUSTING = frozenset(
    f"paramiko.{module}{policy}"
    for module in ("", "client.")
    for policy in ("AutoAddPolicy", "WarningPolicy")
)

_LOADERS = frozenset({"load_system_host_keys", "load_host_keys"})
_PLAIN_REFERENCE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class ParamikoRejectPolicy(ParsedCodemod):
    info = INFOS["paramiko_reject_policy"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, lambda c: self._policy(parsed, c) is not None)
        if call is None:
            return None
        policy = self._policy(parsed, call)
        assert policy is not None
        reference = policy.func if isinstance(policy, cst.Call) else policy
        module = parsed.resolves_to(reference, _TRUSTING)
        assert module is not None
        new_reference = parsed.sibling(reference, module.rsplit(".", 1)[0], "RejectPolicy")
        if new_reference is None:
            return None
        assert isinstance(call.func, cst.Attribute)
        client = parsed.code(call.func.value)
        if self._loads_keys(parsed, client):
            return parsed.render([(reference, new_reference[0])], [new_reference[1]])
        line = self._own_line(parsed, call)
        if line is None or not _PLAIN_REFERENCE.fullmatch(client):
            return None
        new_policy = new_reference[0] if policy is reference else policy.with_changes(func=new_reference[0])
        new_call = call.with_changes(args=[call.args[0].with_changes(value=new_policy)])
        expression = line.body[0]
        assert isinstance(expression, cst.Expr)
        load = cst.parse_statement(f"{client}.load_system_host_keys(){parsed.default_newline}")
        lines = [
            load.with_changes(leading_lines=line.leading_lines),
            line.with_changes(body=[expression.with_changes(value=new_call)], leading_lines=()),
        ]
        return parsed.render([(line, cst.FlattenSentinel(lines))], [new_reference[1]])

    @staticmethod
    def _own_line(parsed: ParsedSource, call: cst.Call) -> cst.SimpleStatementLine | None:
        """The line holding nothing but the call, where a line can be added before it."""
        expression = parsed.parent(call)
        line = parsed.parent(expression) if isinstance(expression, cst.Expr) else None
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
            return line
        return None

    @staticmethod
    def _loads_keys(parsed: ParsedSource, client: str) -> bool:
        """Whether the file loads host keys into ``client`` (the same expression) anywhere."""
        for statement in parsed.statements_mentioning(_LOADERS):
            for node in calls_in(statement):
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value in _LOADERS and parsed.code(func.value) == client:
                    return True
        return False

    @staticmethod
    def _policy(parsed: ParsedSource, call: cst.Call) -> cst.BaseExpression | None:
        """The trusting policy (class or instance) passed to set_missing_host_key_policy."""
        if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "set_missing_host_key_policy"):
            return None
        positional = positional_args(call)
        if len(call.args) != 1 or len(positional) != 1:
            return None
        value = positional[0].value
        if isinstance(value, cst.Call) and not value.args and parsed.resolves_to(value.func, _TRUSTING):
            return value
        if parsed.resolves_to(value, _TRUSTING):
            return value
        return None


CODEMOD = ParamikoRejectPolicy()
