"""``re.search(pattern, text)`` with ``pattern`` a parameter -> ``re.search(re.escape(pattern), text)``.

A caller's text compiled as a regular expression can backtrack for ever (ReDoS) or match more
than meant; escaped, it is matched literally. Only a parameter passed straight to one of the
``re`` module's functions is rewritten: a pattern built from several parts may hold regular
expression syntax on purpose, a reassigned parameter may already be escaped or checked, and the
``regex`` module (with its own timeout) is left alone.
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment, FunctionScope

from vulnloop.findings import Finding
from vulnloop.repair.codemods.catalogue import INFOS
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    has_star_args,
    keyword_arg,
    positional_args,
    replace_arg_value,
)

_RE_FUNCTIONS = frozenset(
    f"re.{name}"
    for name in ("search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split", "compile")
)


def _is_plain_parameter(parsed: ParsedSource, name: cst.Name) -> bool:
    """``name`` is a function's (or lambda's) own named parameter, never rebound in it."""
    scope = parsed.scope(name)
    if not isinstance(scope, FunctionScope):
        return False
    assignments = list(scope[name.value])
    if len(assignments) != 1 or assignments[0].scope is not scope or not isinstance(assignments[0], Assignment):
        return False
    param = assignments[0].node
    parameters = parsed.parent(param)
    return isinstance(param, cst.Param) and isinstance(parameters, cst.Parameters) and any(
        param in group
        for group in (parameters.params, parameters.posonly_params, parameters.kwonly_params)
    )


class RegexEscape(ParsedCodemod):
    info = INFOS["regex_escape"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _RE_FUNCTIONS) is not None
        )
        if call is None or has_star_args(call):
            return None
        positional = positional_args(call)
        pattern = positional[0] if positional else keyword_arg(call, "pattern")
        if pattern is None or not isinstance(pattern.value, cst.Name):
            return None
        if not _is_plain_parameter(parsed, pattern.value):
            return None
        escape = parsed.sibling(call.func, "re", "escape")
        if escape is None:
            return None
        escaped = cst.Call(func=escape[0], args=[cst.Arg(value=pattern.value)])
        return parsed.render([(call, replace_arg_value(call, pattern, escaped))], [escape[1]])


CODEMOD = RegexEscape()
