"""Flask ``app.run(debug=True)`` -> ``debug=False``: no Werkzeug debugger (a remote shell)."""
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


def _runs_debug(call: cst.Call) -> bool:
    arg = keyword_arg(call, "debug")
    return (
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "run"
        and arg is not None
        and is_name(arg.value, "True")
    )


class FlaskDebug(ParsedCodemod):
    info = CodemodInfo(
        id="flask-debug-off",
        summary="Run the Flask app with debug=False",
        cwes=(215, 489, 94),
        bandit_ids=("B201",),
        codeql_ids=("py/flask-debug",),
        guidance=(
            "The Werkzeug debugger lets anyone who reaches the app run Python on the server. "
            "For local development use `flask run --debug` (or FLASK_DEBUG=1) rather than "
            "hard-coding debug=True."
        ),
    )

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        return set_keyword_name(parsed, finding, _runs_debug, "debug", "False")


CODEMOD = FlaskDebug()
