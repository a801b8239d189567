"""``verify=False`` on an HTTP request -> ``verify=True``: check the server's certificate."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import (
    CodemodInfo,
    ParsedCodemod,
    ParsedSource,
    is_name,
    keyword_arg,
    set_keyword_name,
)


def _verify_off(call: cst.Call) -> bool:
    arg = keyword_arg(call, "verify")
    return arg is not None and is_name(arg.value, "False")


class RequestsVerify(ParsedCodemod):
    info = CodemodInfo(
        id="requests-verify",
        summary="Turn TLS certificate verification back on (verify=True)",
        cwes=(295,),
        bandit_ids=("B501",),
        codeql_ids=("py/request-without-cert-validation",),
        guidance=(
            "Requests now fail against servers with self-signed or expired certificates. For a "
            "private CA, pass verify='/path/to/ca-bundle.pem' instead of turning checks off."
        ),
    )

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        return set_keyword_name(parsed, finding, _verify_off, "verify", "True")


CODEMOD = RequestsVerify()
