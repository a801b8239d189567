"""``eval("<literal data>")`` -> ``ast.literal_eval(...)``.

Only a constant string argument whose text is itself a literal (numbers, strings, tuples, lists,
dicts, sets, booleans, None) is rewritten: there both calls give the same value. An argument
computed at run time may hold any expression, and a program that evaluates expressions on
purpose cannot be repaired mechanically, so those are refused.
"""
from __future__ import annotations

import ast

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    positional_args,
    string_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

_EVAL = frozenset({"builtins.eval"})


def _is_literal_text(text: str) -> bool:
    try:
        ast.literal_eval(text)  # parses and checks node types only: never runs the text
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


class LiteralEval(ParsedCodemod):
    info = INFOS["literal_eval"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, lambda c: parsed.resolves_to(c.func, _EVAL) is not None)
        if call is None or len(call.args) != 1 or len(positional_args(call)) != 1:
            return None
        text = string_value(call.args[0].value)
        if text is None or not _is_literal_text(text):
            return None
        reference = parsed.module_reference("ast")
        if reference is None:
            return None
        new_func = cst.Attribute(value=reference[0], attr=cst.Name("literal_eval"))
        return parsed.render([(call, call.with_changes(func=new_func))], [reference[1]])


CODEMOD = LiteralEval()
