"""``ssl._create_unverified_context()`` -> ``ssl.create_default_context()``: certificates and
host names are checked again."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import ParsedCodemod, ParsedSource
from vulnloop.repair.codemods.catalogue import INFOS

_UNVERIFIED = frozenset({"ssl._create_unverified_context"})


class SslVerifiedContext(ParsedCodemod):
    info = INFOS["ssl_verified_context"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _UNVERIFIED) is not None
        )
        if call is None or call.args:
            return None
        new_func = parsed.sibling(call.func, "ssl", "create_default_context")
        if new_func is None:
            return None
        return parsed.render([(call, call.with_changes(func=new_func[0]))], [new_func[1]])


CODEMOD = SslVerifiedContext()
