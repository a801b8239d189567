"""Paramiko ``AutoAddPolicy``/``WarningPolicy`` -> ``RejectPolicy``: unknown host keys are refused
instead of trusted on first sight (which lets a man in the middle in)."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import (
    ParsedCodemod,
    ParsedSource,
    positional_args,
)
from vulnloop.repair.codemods.catalogue import INFOS

_TRUSTING = frozenset(
    f"paramiko.{module}{policy}"
    for module in ("", "client.")
    for policy in ("AutoAddPolicy", "WarningPolicy")
)


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
        return parsed.render([(reference, new_reference[0])], [new_reference[1]])

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
