"""Jinja2 ``Environment(...)`` without autoescaping -> ``autoescape=select_autoescape()``.

select_autoescape() escapes templates named *.html, *.htm, *.xml and templates built from
strings, and leaves other extensions (.txt, .sql, ...) as they were.
"""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import (
    ImportNeed,
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
        selector: tuple[cst.BaseExpression, ImportNeed | None] | None
        if isinstance(call.func, cst.Attribute) and parsed.qualified_names(call.func.value) == {"jinja2"}:
            selector = (cst.Attribute(value=call.func.value, attr=cst.Name("select_autoescape")), None)
        elif isinstance(call.func, cst.Name):
            selector = parsed.imported_name("jinja2", "select_autoescape")
        else:
            reference = parsed.module_reference("jinja2")
            selector = None if reference is None else (
                cst.Attribute(value=reference[0], attr=cst.Name("select_autoescape")), reference[1]
            )
        if selector is None:
            return None
        value = cst.Call(func=selector[0])
        if current is None:
            new_call = append_keyword(call, "autoescape", value)
        else:
            new_call = replace_arg_value(call, current, value)
        return parsed.render([(call, new_call)], [selector[1]])


CODEMOD = Jinja2Autoescape()
