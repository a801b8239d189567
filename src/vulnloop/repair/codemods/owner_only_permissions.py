"""``os.chmod(path, 0o777)`` -> ``os.chmod(path, 0o700)``: a literal mode keeps its owner bits
and loses the group's and everyone else's.

A mode that is not an int literal (a variable, ``stat.S_IRWXU | ...``) is left to the LLM, and
so is one with the setuid, setgid or sticky bit (a program's mode: a person should decide) or
whose owner bits are empty (owner-only would mean no access at all).
"""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.catalogue import INFOS
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    call_shape_ok,
    keyword_arg,
    positional_args,
    replace_arg_value,
)

_CHMOD = frozenset({"os.chmod", "os.lchmod", "os.fchmod"})
_OWNER_BITS = 0o700
_SPECIAL_BITS = 0o7000


def owner_only(mode: cst.BaseExpression) -> cst.Integer | None:
    """An int literal mode with its group and other bits cleared, written in octal; None when
    the mode is not such a literal, has special bits, leaves the owner nothing, or is already
    owner-only."""
    if not isinstance(mode, cst.Integer):
        return None
    value = mode.evaluated_value
    owner = value & _OWNER_BITS
    if value & _SPECIAL_BITS or value < 0 or not owner or owner == value:
        return None
    return cst.Integer(f"{owner:#o}")


class OwnerOnlyPermissions(ParsedCodemod):
    info = INFOS["owner_only_permissions"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, lambda c: parsed.resolves_to(c.func, _CHMOD) is not None)
        if call is None or not call_shape_ok(call, 2, {"mode", "dir_fd", "follow_symlinks"}):
            return None
        positional = positional_args(call)
        mode = keyword_arg(call, "mode")
        if mode is None and len(positional) == 2:
            mode = positional[1]
        elif mode is not None and len(positional) == 2:
            return None
        new_mode = None if mode is None else owner_only(mode.value)
        if mode is None or new_mode is None:
            return None
        return parsed.render([(call, replace_arg_value(call, mode, new_mode))])


CODEMOD = OwnerOnlyPermissions()
