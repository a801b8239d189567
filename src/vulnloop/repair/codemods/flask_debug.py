"""Flask ``app.run(debug=True)`` -> ``debug=False``: no Werkzeug debugger (a remote shell)."""
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


def _runs_debug(call: cst.Call) -> bool:
    arg = keyword_arg(call, "debug")
    return (
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "run"
        and arg is not None
        and is_name(arg.value, "True")
    )


class FlaskDebug(ParsedCodemod):
    info = INFOS["flask_debug"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        return set_keyword_name(parsed, finding, _runs_debug, "debug", "False")


CODEMOD = FlaskDebug()
