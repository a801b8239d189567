"""Jinja2 ``Environment(...)`` without autoescaping -> ``autoescape=True``.

Every template is escaped, whatever its name. ``select_autoescape()`` would escape only names
ending in .html, .htm or .xml: ``page.html.j2`` or ``email.jinja`` would still render
``<script>`` from a variable. A template that must not be escaped (plain-text mail) is the
exception the program names, with ``select_autoescape(disabled_extensions=(...), default=True)``.
"""
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
    positional_args,
    replace_arg_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

_ENVIRONMENTS = frozenset({"jinja2.Environment", "jinja2.environment.Environment"})
_AUTOESCAPE_POSITION = 17  # Environment's 17th parameter: more positionals would include it


class Jinja2Autoescape(ParsedCodemod):
    info = INFOS["jinja2_autoescape"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _ENVIRONMENTS) is not None
        )
        if call is None or has_star_args(call) or len(positional_args(call)) >= _AUTOESCAPE_POSITION:
            return None
        current = keyword_arg(call, "autoescape")
        if current is not None and not is_name(current.value, "False"):
            return None  # computed by the program: not ours to override
        if current is None:
            new_call = append_keyword(call, "autoescape", cst.Name("True"))
        else:
            new_call = replace_arg_value(call, current, cst.Name("True"))
        return parsed.render([(call, new_call)])


CODEMOD = Jinja2Autoescape()
