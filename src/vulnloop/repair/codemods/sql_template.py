"""An SQL query written as text with holes for values (an f-string's, ``%s``'s or ``{}``'s) ->
the same query with the driver's placeholder in each hole, or None where that is not known to
mean the same.

A placeholder stands for one whole SQL value. So a hole must be a whole quoted literal
(``'{name}'``, whose quotes go) or stand bare right after a comparison, LIMIT or OFFSET; holes
inside a longer literal (``'%{x}%'``), in identifier places (after FROM, INTO, UPDATE, JOIN,
ORDER/GROUP BY, in a column list) or quoted with ``"`` or backticks are refused, and so are
queries with comments, several statements, backslashes (MySQL reads them as escapes) or their
own parameter markers. Pure: no libcst, so it is tested and reasoned about on plain strings.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

QMARK = "?"
FORMAT = "%s"

_HOLE = "\ue000"  # a private-use character standing for a value while the text is read
_WORD = re.compile(r"[A-Za-z0-9_]+")
_OPERATOR = re.compile(r"[=<>!|]+")
_COMPARISONS = frozenset({"=", "==", "!=", "<>", "<", ">", "<=", ">="})
_BARE_VALUE_AFTER = frozenset({"LIMIT", "OFFSET"})
# Keywords after which a name, not a value, is expected until the next clause starts.
_NAME_CLAUSES = frozenset({"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "BY", "USING", "INDEX", "EXISTS"})
_VALUE_CLAUSES = frozenset({
    "SELECT", "WHERE", "SET", "VALUES", "HAVING", "LIMIT", "OFFSET", "ON", "RETURNING", "AND", "OR",
    "WHEN", "THEN", "ELSE", "CASE", "NOT", "IN", "LIKE", "BETWEEN", "IS",
})
_CLAUSES = _NAME_CLAUSES | _VALUE_CLAUSES
# What may come right before a quoted value: after a name or AS, SQLite reads 'text' as a name.
_QUOTED_VALUE_AFTER = _COMPARISONS | _VALUE_CLAUSES | frozenset({"(", ",", "+", "-", "*", "/", "||"})
# Statements only: DDL takes no parameters.
_STATEMENTS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"})


class _Refused(Exception):
    pass


def placeholder_query(texts: Sequence[str], placeholder: str, *, percent_doubles: bool = True) -> str | None:
    """``texts`` are the query's literal parts around its holes (one more than the holes). The
    query with ``placeholder`` in each hole, its literal ``%`` doubled for ``%s`` drivers (or
    refused where the driver does not undo the doubling: ``percent_doubles=False``); None when a
    hole is not a whole value or the query is not one plain statement."""
    if any(_HOLE in text or "\\" in text for text in texts):
        return None
    if placeholder == FORMAT:
        if not percent_doubles and any("%" in text for text in texts):
            return None
        texts = [text.replace("%", "%%") for text in texts]
    try:
        return _Reader(_HOLE.join(texts), placeholder).rewrite()
    except _Refused:
        return None


class _Reader:
    """Reads the text once, left to right, copying it with each hole's placeholder."""

    def __init__(self, text: str, placeholder: str) -> None:
        self.text = text
        self.placeholder = placeholder
        self.out: list[str] = []
        self.tokens: list[str] = []  # significant tokens so far, words upper-cased
        self.clause: str | None = None

    def rewrite(self) -> str:
        text, i = self.text, 0
        first = _WORD.match(text.lstrip())
        if first is None or first.group().upper() not in _STATEMENTS:
            raise _Refused("not a query or data change")
        while i < len(text):
            char = text[i]
            if char.isspace():
                self.out.append(char)
                i += 1
            elif char == "'":
                i = self._quoted(i)
            elif char in "\"`":
                end = text.find(char, i + 1)
                if end < 0 or _HOLE in text[i:end]:
                    raise _Refused("a hole in a quoted name")
                self._copy(text[i : end + 1], '"')
                i = end + 1
            elif char == _HOLE:
                self._bare_hole(i)
                i += 1
            elif text.startswith(("--", "/*"), i) or char in "#$":
                raise _Refused("a comment or dollar quoting")
            elif char == ";":
                if text[i + 1 :].strip():
                    raise _Refused("several statements")
                self._copy(char, char)
                i += 1
            elif self.placeholder == QMARK and char in "?:@":
                raise _Refused("the query's own parameter markers")
            else:
                i = self._plain(i)
        return "".join(self.out)

    def _copy(self, text: str, token: str) -> None:
        self.out.append(text)
        self.tokens.append(token)

    def _plain(self, i: int) -> int:
        match = _WORD.match(self.text, i) or _OPERATOR.match(self.text, i)
        token = match.group() if match else self.text[i]
        self._copy(token, token.upper())
        word = token.upper()
        if word in _CLAUSES:
            self.clause = word
        return i + len(token)

    def _quoted(self, start: int) -> int:
        """Copy the literal starting at ``start`` ('' inside it is a quote), or put a placeholder
        for a literal that is exactly one hole."""
        text, i = self.text, start + 1
        while True:
            end = text.find("'", i)
            if end < 0:
                raise _Refused("an unterminated literal")
            if text.startswith("''", end):
                i = end + 2
                continue
            break
        body = text[start + 1 : end]
        if body == _HOLE:
            self._hole(end + 1, _QUOTED_VALUE_AFTER)
        elif _HOLE in body:
            raise _Refused("a hole inside a longer literal")
        else:
            self._copy(text[start : end + 1], "'")
        return end + 1

    def _bare_hole(self, i: int) -> None:
        if i > 0 and (_WORD.fullmatch(self.text[i - 1]) or self.text[i - 1] in ".'\""):
            raise _Refused("a hole joined to other text")
        self._hole(i + 1, _COMPARISONS | _BARE_VALUE_AFTER)

    def _hole(self, after: int, allowed_before: frozenset[str]) -> None:
        """A placeholder for a hole (quoted or bare) ending before ``after``, where a value is
        expected: after one of ``allowed_before``, outside a clause of names, and not joined to
        what follows (a name or a call)."""
        previous = self.tokens[-1] if self.tokens else None
        if previous not in allowed_before or self.clause in _NAME_CLAUSES:
            raise _Refused("a hole where a name or an SQL fragment may be expected")
        if after < len(self.text) and (
            _WORD.fullmatch(self.text[after]) or self.text[after] in ".('\"" + _HOLE
        ):
            raise _Refused("a value joined to what follows")
        self._copy(self.placeholder, "?")
