"""``verify=False`` on an HTTP request -> ``verify=True``: check the server's certificate."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    is_name,
    keyword_arg,
    set_keyword_name,
)
from vulnloop.repair.codemods.catalogue import INFOS


def _verify_off(call: cst.Call) -> bool:
    arg = keyword_arg(call, "verify")
    return arg is not None and is_name(arg.value, "False")


class RequestsVerify(ParsedCodemod):
    info = INFOS["requests_verify"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        return set_keyword_name(parsed, finding, _verify_off, "verify", "True")


CODEMOD = RequestsVerify()
