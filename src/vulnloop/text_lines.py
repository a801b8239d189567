"""Lines of source text as Python's parser counts them, and a text's newline."""
from __future__ import annotations

import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split exactly where Python's parser counts lines
    (``str.splitlines`` also splits on form feeds and other characters the parser does not)."""
    return _LINE.findall(text)


def newline_of(text: str) -> str:
    """The text's newline: its first line break (what libcst takes as a module's default; the
    loop's texts are LF, their files' own endings are put back when written)."""
    found = LINE_BREAK.search(text)
    return found.group(0) if found else "\n"
