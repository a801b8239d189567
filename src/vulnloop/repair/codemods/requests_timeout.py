"""A ``requests`` call without a timeout (or ``timeout=None``) -> ``timeout=30`` seconds."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    has_star_args,
    is_name,
    keyword_arg,
    replace_arg_value,
)
from vulnloop.repair.codemods.catalogue import INFOS, TIMEOUT_SECONDS

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_CALLS = frozenset(f"{lib}.{verb}" for lib in ("requests", "httpx") for verb in _VERBS)


class RequestsTimeout(ParsedCodemod):
    info = INFOS["requests_timeout"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _CALLS) is not None
        )
        if call is None or has_star_args(call):
            return None
        seconds = cst.Integer(str(TIMEOUT_SECONDS))
        timeout = keyword_arg(call, "timeout")
        if timeout is None:
            new_call = append_keyword(call, "timeout", seconds)
        elif is_name(timeout.value, "None"):
            new_call = replace_arg_value(call, timeout, seconds)
        else:
            return None
        return parsed.render([(call, new_call)])


CODEMOD = RequestsTimeout()
