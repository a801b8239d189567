"""A ``requests`` call without a timeout (or ``timeout=None``) -> ``timeout=30`` seconds."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import (
    CodemodInfo,
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    has_star_args,
    is_name,
    keyword_arg,
    replace_arg_value,
)

TIMEOUT_SECONDS = 30
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_CALLS = frozenset(f"{lib}.{verb}" for lib in ("requests", "httpx") for verb in _VERBS)


class RequestsTimeout(ParsedCodemod):
    info = CodemodInfo(
        id="requests-timeout",
        summary=f"Give an HTTP request a timeout ({TIMEOUT_SECONDS} seconds)",
        cwes=(400,),
        bandit_ids=("B113",),
        codeql_ids=(),
        guidance=(
            f"Without a timeout a stalled server blocks the caller forever. {TIMEOUT_SECONDS} "
            "seconds applies to connecting and to each read, not to the whole download; raise "
            "it for slow endpoints or large uploads. Calls passing **kwargs are left alone, "
            "since they may already carry a timeout."
        ),
    )

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
