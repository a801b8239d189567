"""What every codemod shares: its metadata record and protocol, the parsed file (see
``parsed.py``: find the flagged node, ask what a name means, render the edit) and the helpers
that edit one call's arguments without touching the rest of the file."""
from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.quiet_parse import quiet_warnings
from vulnloop.repair.codemods.interface import Codemod, CodemodInfo
from vulnloop.repair.codemods.parsed import (
    ImportNeed,
    ParsedSource,
    Replacement,
    add_import,
    apply_parsed,
)

__all__ = [
    "Codemod",
    "CodemodInfo",
    "ParsedCodemod",
    "ImportNeed",
    "ParsedSource",
    "Replacement",
    "add_import",
    "append_keyword",
    "apply_parsed",
    "call_shape_ok",
    "calls_in",
    "has_star_args",
    "is_name",
    "keyword_arg",
    "keyword_names",
    "positional_args",
    "remove_arg",
    "replace_arg_value",
    "set_keyword_name",
    "string_value",
]


class ParsedCodemod:
    """A codemod that edits the shared parse of the file (``parsed.py``): each writes ``_edit``
    and its ``info``; ``apply`` is the same for all."""

    info: CodemodInfo

    def apply(self, source: str, finding: Finding) -> str | None:
        return apply_parsed(source, lambda parsed: self._edit(parsed, finding))

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        raise NotImplementedError


# --- call arguments -------------------------------------------------------------------------


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def keyword_names(call: cst.Call) -> set[str]:
    return {arg.keyword.value for arg in call.args if arg.keyword is not None}


def call_shape_ok(call: cst.Call, max_positional: int, keywords: set[str] | frozenset[str]) -> bool:
    """No *args/**kwargs, at most ``max_positional`` positional arguments, only known keywords."""
    return (
        not has_star_args(call)
        and len(positional_args(call)) <= max_positional
        and keyword_names(call) <= set(keywords)
    )


def is_name(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, implicit concatenation included."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        with quiet_warnings():  # "invalid escape sequence" is the program's business
            value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def replace_arg_value(call: cst.Call, arg: cst.Arg, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(
        args=[a.with_changes(value=value) if a is arg else a for a in call.args]
    )


def set_keyword_name(
    parsed: ParsedSource,
    finding: Finding,
    matches: Callable[[cst.Call], bool],
    keyword: str,
    name: str,
) -> str | None:
    """Rewrite ``keyword=<constant>`` of the flagged call to ``keyword=<name>`` (e.g. True/False)."""
    call = parsed.locate(finding, cst.Call, matches)
    if call is None:
        return None
    arg = keyword_arg(call, keyword)
    assert arg is not None
    return parsed.render([(call, replace_arg_value(call, arg, arg.value.with_changes(value=name)))])


def remove_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Drop one argument, keeping the call's comma and line-break style."""
    args = list(call.args)
    index = next(i for i, a in enumerate(args) if a is arg)
    if index == len(args) - 1 and index > 0:
        # The new last argument takes over what followed the removed one (trailing comma or not).
        args[index - 1] = args[index - 1].with_changes(
            comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg
        )
    del args[index]
    return call.with_changes(args=args)


def append_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """Add ``name=value`` after the last argument, in the call's own layout."""
    new_arg = cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new_arg])
    last = args[-1]
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        separator: cst.Comma = args[-2].comma
    elif isinstance(last.comma, cst.Comma) and isinstance(
        call.whitespace_before_args, cst.ParenthesizedWhitespace
    ):
        separator = cst.Comma(whitespace_after=call.whitespace_before_args)
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last.comma, cst.Comma):  # a trailing comma stays trailing
        new_arg = new_arg.with_changes(comma=last.comma)
    else:
        new_arg = new_arg.with_changes(whitespace_after_arg=last.whitespace_after_arg)
    args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    args.append(new_arg)
    return call.with_changes(args=args)


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call inside ``node``, itself included."""
    found: list[cst.Call] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(Collect())
    return found
