"""A string built from literal text and values, as the codemods that take such strings apart see it
(a shell command -> an argument list, an XPath query -> a constant query with variables).

``f"ls -l {path}"`` and ``"ls -l " + path`` both read as the text ``"ls -l "`` followed by the
placeholder ``path``. Each placeholder can be written back on its own (``value_expression``) so that
it gives exactly the text the original string held at its place, and a string's value can come
through a local variable assigned just before its one use (``single_use_value``).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Literal

import libcst as cst
from libcst.metadata import Assignment

from vulnloop.quiet_parse import quiet_warnings
from vulnloop.repair.codemods.parsed_codemod import ParsedSource, string_value

# Format specifications that cannot add spaces or quotes (no fill, alignment, space sign or
# blank-padded width; a width only zero-padded): the formatted value stays one word.
_QUIET_SPEC = re.compile(r"[+-]?#?(0[0-9]*)?[,_]?(\.[0-9]+)?[bdeEfFgGnoxX%]?")


Quote = Literal['"', "'", '"""', "'''"]


@dataclass(frozen=True)
class Placeholder:
    """A value formatted into the string: ``part`` is its f-string field (None for an operand of
    ``+``, which was a str already, else the concatenation would have raised)."""

    expression: cst.BaseExpression
    part: cst.FormattedStringExpression | None
    quotes: tuple[str, Quote]  # the f-string's own start and end, for writing the field back


Piece = str | Placeholder


def pieces(parsed: ParsedSource, node: cst.BaseExpression) -> list[Piece] | None:
    """The literal texts and placeholders of an f-string, a plain string, an implicit concatenation
    of those, or a ``+`` chain starting with a literal; None for anything else, for a field with
    ``!r``/``!a`` or ``=`` (their text is the repr, which a shell or XPath would read differently) or
    a format spec that may add spaces."""
    if isinstance(node, cst.BinaryOperation):
        if not isinstance(node.operator, cst.Add):
            return None
        left = pieces(parsed, node.left)
        if left is None:
            return None
        right = pieces(parsed, node.right)
        if right is None:
            right = [Placeholder(node.right, None, ('f"', '"'))]
        return _merge(left + right)
    if isinstance(node, cst.ConcatenatedString):
        left, right = pieces(parsed, node.left), pieces(parsed, node.right)
        return None if left is None or right is None else _merge(left + right)
    if isinstance(node, cst.SimpleString):
        value = string_value(node)
        return None if value is None else [value] if value else []
    if isinstance(node, cst.FormattedString):
        found: list[Piece] = []
        for part in node.parts:
            text = _text_value(node, part) if isinstance(part, cst.FormattedStringText) else None
            if text is not None:
                found.append(text)
            elif isinstance(part, cst.FormattedStringExpression) and _plain_field(parsed, part):
                found.append(Placeholder(part.expression, part, (node.start, node.end)))
            else:
                return None
        return _merge(found)
    return None


def _text_value(node: cst.FormattedString, part: cst.FormattedStringText) -> str | None:
    """The text a literal part of an f-string stands for: escapes read, ``{{`` and ``}}`` halved;
    None when the part does not read as a literal alone (a quote next to triple quotes)."""
    plain = node.start.replace("f", "").replace("F", "")  # the same literal without the f
    try:
        with quiet_warnings():  # "invalid escape sequence" is the program's business
            value = ast.literal_eval(plain + part.value + node.end)
    except (SyntaxError, ValueError):
        return None
    return value.replace("{{", "{").replace("}}", "}") if isinstance(value, str) else None


def _plain_field(parsed: ParsedSource, part: cst.FormattedStringExpression) -> bool:
    if part.equal is not None or part.conversion not in (None, "s") or isinstance(part.expression, cst.Tuple):
        return False
    if part.format_spec is None:
        return True
    spec = "".join(parsed.code(p) for p in part.format_spec)
    return all(isinstance(p, cst.FormattedStringText) for p in part.format_spec) and bool(
        _QUIET_SPEC.fullmatch(spec)
    )


def _merge(found: list[Piece]) -> list[Piece]:
    """Adjacent texts joined into one, empty texts dropped."""
    merged: list[Piece] = []
    for piece in found:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        elif piece != "":
            merged.append(piece)
    return merged


def only_binding(parsed: ParsedSource, name: cst.BaseExpression) -> Assignment | None:
    """The one assignment (or parameter) giving ``name`` its value in its scope, if it has one."""
    if not isinstance(name, cst.Name):
        return None
    scope = parsed.scope(name)
    bindings = list(scope[name.value]) if scope is not None else []
    return bindings[0] if len(bindings) == 1 and isinstance(bindings[0], Assignment) else None


def only_assignment(parsed: ParsedSource, name: cst.BaseExpression) -> cst.Assign | None:
    """``name = <value>``, alone on its line, when that is the name's one binding in its scope."""
    binding = only_binding(parsed, name)
    target = parsed.parent(binding.node) if binding is not None else None
    assign = parsed.parent(target) if target is not None else None
    line = parsed.parent(assign) if assign is not None else None
    if (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and assign.targets[0] is target
        and isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
    ):
        return assign
    return None


def known_str(parsed: ParsedSource, expression: cst.BaseExpression) -> bool:
    """The value is certainly a str: a parameter annotated ``str`` and never rebound."""
    return annotated_as(parsed, expression, frozenset({"builtins.str"}))


def annotated_as(parsed: ParsedSource, expression: cst.BaseExpression, types: frozenset[str]) -> bool:
    """``expression`` is a parameter, never rebound, annotated as one of ``types``."""
    binding = only_binding(parsed, expression)
    param = binding.node if binding is not None else None
    return (
        isinstance(param, cst.Param)
        and param.star == ""
        and param.annotation is not None
        and parsed.resolves_to(param.annotation.annotation, types) is not None
    )


def value_expression(parsed: ParsedSource, placeholder: Placeholder) -> cst.BaseExpression | None:
    """An expression whose value is the text the placeholder put into the string.

    An operand of ``+`` was a str already, and so is a parameter annotated ``str``: they stand as
    they are. A field with a format spec stays a one-field f-string. Any other value becomes
    ``str(value)``, which is what ``f"{value}"`` formats for almost every type: the string took
    any value (a port number, a Path), while an argument list or an XPath variable wants a str.
    None when ``str`` is rebound in the file."""
    part = placeholder.part
    if part is not None and part.format_spec is not None:
        return fstring([placeholder], placeholder.quotes)
    if part is None or known_str(parsed, placeholder.expression):
        return placeholder.expression
    if parsed.assignments("str"):
        return None
    return cst.Call(func=cst.Name("str"), args=[cst.Arg(placeholder.expression)])


def quote_of(literal: str) -> Literal['"', "'"]:
    """The quote a string literal (f-strings too) opens with, ' when it is not plain to see."""
    return '"' if literal.lstrip("rRuUfF")[:1] == '"' else "'"


def fstring(found: list[Piece], quotes: tuple[str, Quote]) -> cst.FormattedString:
    """An f-string of these pieces (texts must need no escaping but braces)."""
    parts: list[cst.BaseFormattedStringContent] = []
    for piece in found:
        if isinstance(piece, str):
            parts.append(cst.FormattedStringText(piece.replace("{", "{{").replace("}", "}}")))
        else:
            parts.append(piece.part or cst.FormattedStringExpression(piece.expression))
    return cst.FormattedString(parts=parts, start=quotes[0], end=quotes[1])


def single_use_value(
    parsed: ParsedSource, name: cst.BaseExpression, use: cst.CSTNode
) -> cst.Assign | None:
    """The assignment ``name = <value>`` that is the statement just before the one holding ``use``,
    when it is the name's only binding in its scope and ``name`` is read nowhere else."""
    assign = only_assignment(parsed, name)
    binding = only_binding(parsed, name)
    if assign is None or binding is None or [r.node for r in binding.references] != [name]:
        return None
    line = parsed.parent(assign)
    statement = _statement_of(parsed, use)
    block = parsed.parent(statement) if statement is not None else None
    body = block.body if isinstance(block, (cst.IndentedBlock, cst.Module)) else ()
    index = next((i for i, s in enumerate(body) if s is statement), 0)
    return assign if index > 0 and body[index - 1] is line else None


def _statement_of(parsed: ParsedSource, node: cst.CSTNode) -> cst.SimpleStatementLine | None:
    current: cst.CSTNode | None = node
    while current is not None and not isinstance(current, cst.BaseStatement):
        current = parsed.parent(current)
    return current if isinstance(current, cst.SimpleStatementLine) else None
