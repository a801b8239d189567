"""``subprocess.run(f"ls -l {path}", shell=True)`` -> ``subprocess.run(["ls", "-l", path])``: a
command built from literal words and values runs without a shell, each value one argument.

The literal words must be ones a shell reads as they are (``subprocess_shell_literal``'s rules) and
the program name a literal. A value standing as a whole word, alone or inside one pair of quotes
(``'{path}'``), becomes one argument; a word mixing text and values (``--dir={d}``) stays an
f-string argument. The command may also come through a variable assigned just before the call and
used nowhere else (``cmd = f"..."; subprocess.run(cmd, shell=True)``). Values whose names say they
hold several arguments (``args``, ``opts``, ``flags``, ``" ".join(...)``) are refused: the shell
split them, an argument list would not.
"""
from __future__ import annotations

import re
from typing import Literal

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.built_string import (
    Piece,
    Placeholder,
    fstring,
    pieces,
    quote_of,
    single_use_value,
    value_expression,
)
from vulnloop.repair.codemods.catalogue import INFOS
from vulnloop.repair.codemods.parsed_codemod import ParsedCodemod, ParsedSource, Replacement
from vulnloop.repair.codemods.subprocess_shell_literal import (
    plain_argument,
    plain_program,
    shell_command,
    without_shell,
)

# Names of values that (likely) hold several words for the shell to split.
_SEVERAL_WORDS = re.compile(
    r"(?i)(.*_)?(args|argv|arguments|opts|options|flags|params|parameters|cmd|command|cmdline|extra)"
)
_QUOTES = ("'", '"')


def _words(found: list[Piece]) -> list[list[Piece]] | None:
    """The pieces cut into words at single spaces; None when a text holds other white space."""
    words: list[list[Piece]] = [[]]
    for piece in found:
        if isinstance(piece, Placeholder):
            words[-1].append(piece)
            continue
        if any(c in piece for c in "\n\t\r\f\v"):
            return None
        for index, chunk in enumerate(piece.split(" ")):
            if index:
                words.append([])
            if chunk:
                words[-1].append(chunk)
    return [word for word in words if word]


def _several_words(expression: cst.BaseExpression) -> bool:
    if isinstance(expression, cst.Call):
        return isinstance(expression.func, cst.Attribute) and expression.func.attr.value == "join"
    name = expression.attr if isinstance(expression, cst.Attribute) else expression
    return isinstance(name, cst.Name) and bool(_SEVERAL_WORDS.fullmatch(name.value))


def _argument(parsed: ParsedSource, word: list[Piece], quote: Literal["'", '"']) -> cst.BaseExpression | None:
    values = [p for p in word if isinstance(p, Placeholder)]
    texts = [p for p in word if isinstance(p, str)]
    if not values:
        [text] = texts  # _merge joined adjacent texts
        return cst.SimpleString(f"{quote}{text}{quote}") if plain_argument(text) else None
    if any(_several_words(v.expression) for v in values):
        return None
    if len(word) == 1 or (len(word) == 3 and word[0] in _QUOTES and word[2] == word[0]):
        return value_expression(parsed, values[0])
    if not all(plain_argument(t) for t in texts):
        return None
    first = values[0]
    return fstring(word, first.quotes if first.part is not None else (f"f{quote}", quote))


def argument_list(parsed: ParsedSource, command: cst.BaseExpression) -> cst.List | None:
    """The argument list running ``command`` (a string built from values) the same without a
    shell, or None."""
    found = pieces(parsed, command)
    words = _words(found) if found is not None else None
    if not words or not any(isinstance(p, Placeholder) for p in found or ()):
        return None
    program = words[0]
    if len(program) != 1 or not isinstance(program[0], str) or not plain_program(program[0]):
        return None
    quote = quote_of(parsed.code(command))
    elements: list[cst.Element] = []
    for word in words:
        argument = _argument(parsed, word, quote)
        if argument is None:
            return None
        elements.append(cst.Element(argument))
    return cst.List(elements)


class SubprocessShellValues(ParsedCodemod):
    info = INFOS["subprocess_shell_values"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        flagged = shell_command(parsed, finding)
        if flagged is None:
            return None
        call, command = flagged
        assign = single_use_value(parsed, command.value, call)
        listing = argument_list(parsed, assign.value if assign is not None else command.value)
        if listing is None:
            return None
        edits: list[tuple[cst.CSTNode, Replacement]]
        if assign is None:
            edits = [(call, without_shell(call, command, listing))]
        else:
            edits = [(assign, assign.with_changes(value=listing)), (call, without_shell(call, command, None))]
        return parsed.render(edits)


CODEMOD = SubprocessShellValues()
