"""Reading an LLM's answer (untrusted text) and splicing its code back into the file.

The answer may hold prose and several fenced blocks (```, ~~~, any or no language tag, maybe an
unterminated last fence), a function body without its ``def`` line, the whole file when only a
function was asked for, other indentation or CRLF line endings. We pick the block that parses
and defines what was asked, put each definition back in place with the original indentation,
and add the imports the answer introduced to the file's import block. Anything else the answer
holds is left out; the gate (``gate.py``) refuses answers that change code outside their units. The result must
compile (``compile`` checks syntax only; nothing is ever run).
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable, Sequence

from vulnloop.quiet_parse import parse_quietly
from vulnloop.repair.imports import import_position, unimported_modules, used_new_imports
from vulnloop.repair.imports import definition_start
from vulnloop.repair.prompt import Piece, Region
from vulnloop.repair.verify import compiles
from vulnloop.text_lines import newline_of, split_lines

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_PYTHON_TAGS = frozenset({"", "python", "py", "python3", "py3", "python2", "ipython"})
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


# -- code blocks -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CodeBlock:
    text: str
    language: str  # lower-cased first word of the info string ("" when none)
    closed: bool

    @property
    def python(self) -> bool:
        return self.language in _PYTHON_TAGS


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def code_blocks(answer: str) -> list[CodeBlock]:
    """Fenced blocks in order; a fence left open at the end runs to the end of the answer."""
    blocks: list[CodeBlock] = []
    lines = normalise_newlines(answer).split("\n")
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence = opening.group("fence")
        indent = len(opening.group("indent"))
        info = opening.group("info").strip().lower()
        language = re.split(r"[\s{,]", info, maxsplit=1)[0].strip(".") if info else ""
        body: list[str] = []
        closed = False
        while index < len(lines):
            line = lines[index]
            index += 1
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                closed = True
                break
            # Content of a fence indented in a list item is indented as much (CommonMark).
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
        blocks.append(CodeBlock("\n".join(body), language, closed))
    return blocks


# -- indentation -----------------------------------------------------------------------------
def _string_rows(code: str) -> tuple[set[int], set[int]]:
    """0-based rows that continue a multi-line string: (data rows, docstring rows).

    A string standing alone as a statement (a docstring) may be re-indented: its indentation
    means nothing (``inspect.cleandoc``). Any other string's continuation rows are data and
    must be kept byte for byte.
    """
    data: set[int] = set()
    docs: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL}
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in skip]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return set(), set()
    starts_statement = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
    for index, token in enumerate(tokens):
        if token.start[0] == token.end[0] or token.type == tokenize.NEWLINE:
            continue
        rows = set(range(token.start[0], token.end[0]))  # 1-based continuation rows -> 0-based
        before = tokens[index - 1].type if index else tokenize.NEWLINE
        after = tokens[index + 1].type if index + 1 < len(tokens) else tokenize.NEWLINE
        alone = token.type == tokenize.STRING and before in starts_statement and after in {
            tokenize.NEWLINE, tokenize.ENDMARKER
        }
        (docs if alone else data).update(rows)
    return data, docs - data


def reindent(code: str, indent: str) -> str:
    """Remove the code's common indentation and put ``indent`` in its place. Continuation lines
    of strings are left alone, docstrings excepted. Blank lines become empty."""
    lines = code.split("\n")
    data, docs = _string_rows(code)
    code_lines = [
        line for i, line in enumerate(lines) if line.strip() and i not in data and i not in docs
    ]
    common = _common_prefix([line[: len(line) - len(line.lstrip())] for line in code_lines])
    out = []
    for i, line in enumerate(lines):
        if i in data:
            out.append(line)
        elif not line.strip():
            out.append("")
        elif line.startswith(common):
            out.append(indent + line[len(common) :])
        else:  # a docstring line left of the code: bring it to the new indentation
            out.append(indent + line.lstrip())
    return "\n".join(out)


def _common_prefix(prefixes: Sequence[str]) -> str:
    if not prefixes:
        return ""
    shortest = min(prefixes, key=len)
    for i, char in enumerate(shortest):
        if any(p[i] != char for p in prefixes):
            return shortest[:i]
    return shortest


def tidy_code(text: str) -> str:
    """A block as Python: LF line endings, common indentation removed, outer blank lines gone."""
    lines = normalise_newlines(text).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return reindent("\n".join(lines), "")


def _indentation_repairs(code: str) -> Iterable[str]:
    """Answers whose indentation slipped in ways models often produce, put right."""
    lines = code.split("\n")
    if code[:1] in " \t":  # a stray space before the first line only
        yield "\n".join([lines[0].lstrip(), *lines[1:]])
    # Imports at column 0 above an indented block copied out of a class: dedent the block.
    previous = ""
    for index, line in enumerate(lines):
        if line.strip() and line[:1] in " \t" and previous and not previous.rstrip().endswith((":", "\\", "(", "[", "{", ",")):
            yield "\n".join([*lines[:index], reindent("\n".join(lines[index:]), "")])
            return
        if line.strip():
            previous = line


def _parse(code: str) -> tuple[ast.Module | None, str]:
    try:
        return parse_quietly(code), ""
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return None, f"{exc.msg}{where}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, type(exc).__name__


# -- finding definitions ---------------------------------------------------------------------
def _wanted_type(piece: Piece) -> tuple[type, ...]:
    return (ast.ClassDef,) if piece.kind == "class" else _FUNCTIONS


def find_definition(body: Sequence[ast.stmt], qualname: str, kinds: tuple[type, ...] = _DEFINITIONS) -> ast.AST | None:
    """The definition at the dotted path ``qualname`` inside ``body`` (top-level statements)."""
    first, _, rest = qualname.partition(".")
    for node in body:
        if isinstance(node, _DEFINITIONS) and node.name == first:
            if not rest:
                return node if isinstance(node, kinds) else None
            if isinstance(node, ast.ClassDef):
                found = find_definition(node.body, rest, kinds)
                if found is not None:
                    return found
    return None


def _answered(tree: ast.Module, piece: Piece) -> ast.AST | None:
    """The answer's version of a piece: by full path, else its bare name at top level."""
    kinds = _wanted_type(piece)
    found = find_definition(tree.body, piece.qualname, kinds)
    if found is None and "." in piece.qualname:
        found = find_definition(tree.body, piece.name, kinds)
    return found


def _looks_like_body(tree: ast.Module) -> bool:
    """A function body, not a module: it returns or yields at top level, or it defines nothing
    and does something besides importing."""
    outside_functions = [
        node for top in tree.body for node in _walk_outside_functions(top)
    ]
    if any(isinstance(n, (ast.Return, ast.Yield, ast.YieldFrom)) for n in outside_functions):
        return True
    if any(isinstance(n, _DEFINITIONS) for n in tree.body):
        return False
    return any(
        not isinstance(n, (ast.Import, ast.ImportFrom)) and not _is_docstring(n) for n in tree.body
    )


def _walk_outside_functions(node: ast.AST) -> Iterable[ast.AST]:
    yield node
    if isinstance(node, (*_DEFINITIONS, ast.Lambda)):
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk_outside_functions(child)


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


# -- choosing the block ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    code: str
    tree: ast.Module
    hits: int


def _targets(region: Region, original: ast.Module) -> list[Piece]:
    if not region.whole_file:
        return list(region.pieces)
    return [
        Piece(node.name, "class" if isinstance(node, ast.ClassDef) else "function", 0, 0)
        for node in original.body
        if isinstance(node, _DEFINITIONS)
    ]


def choose_code(answer: str, targets: Sequence[Piece]) -> tuple[_Candidate | None, str]:
    """The block to use, or None and why: the one block that parses and defines the most targets;
    ambiguous answers are refused."""
    blocks = code_blocks(answer)
    if not blocks:
        # Some models answer bare code: accept it only when it parses and defines what we asked,
        # so prose that happens to parse ("Sure.") is not mistaken for code.
        code = tidy_code(answer)
        tree, _ = _parse(code)
        if targets and tree is not None and all(_answered(tree, t) for t in targets):
            return _Candidate(code, tree, len(targets)), ""
        return None, "no code block in the answer"
    python_blocks = [b for b in blocks if b.python] or blocks
    parsed: list[_Candidate] = []
    errors: list[tuple[int, str]] = []
    for block in python_blocks:
        code = tidy_code(block.text)
        if not code.strip():
            continue
        tree, error = _parse(code)
        if tree is None:
            for retry in _indentation_repairs(code):
                tree, _ = _parse(retry)
                if tree is not None:
                    code = retry
                    break
        if tree is None:
            errors.append((len(code), error))
            continue
        hits = sum(1 for t in targets if _answered(tree, t) is not None)
        parsed.append(_Candidate(code, tree, hits))
    if not parsed:
        if not errors:
            return None, "the code block in the answer is empty"
        return None, f"answer does not parse: {max(errors)[1]}"
    # The rule: the one block that defines the most of what was asked (or, when none defines any,
    # the one block that parses). Two different blocks that qualify make the answer ambiguous.
    best = max(c.hits for c in parsed)
    chosen = {c.code: c for c in parsed if c.hits == best}
    if len(chosen) > 1:
        return None, (
            f"the answer holds {len(chosen)} different code blocks that could be the repair; "
            "answer with exactly one"
        )
    return next(iter(chosen.values())), ""


# -- splicing --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpliceResult:
    new_text: str | None
    reason: str


@dataclass(frozen=True)
class _Edit:
    start: int  # 0-based line index
    end: int  # exclusive; start == end inserts
    lines: tuple[str, ...]  # without line endings
    ending: str | None = None  # ending of the last new line; None: the file's newline


def _apply(source: str, edits: Sequence[_Edit]) -> str:
    lines = split_lines(source)
    newline = newline_of(source)
    if lines and not lines[-1].endswith(("\n", "\r")) and any(e.start >= len(lines) for e in edits):
        lines[-1] += newline
    out: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end != e.start)):
        out.extend(lines[cursor : edit.start])
        cursor = max(cursor, edit.start)
        for i, text in enumerate(edit.lines):
            last = i == len(edit.lines) - 1
            out.append(text + (edit.ending if last and edit.ending is not None else newline))
        cursor = max(cursor, edit.end)
    out.extend(lines[cursor:])
    return "".join(out)


def _ending(source_lines: Sequence[str], index: int) -> str:
    line = source_lines[index] if 0 <= index < len(source_lines) else ""
    return line[len(line.rstrip("\r\n")) :]


def _node_code(code_lines: Sequence[str], node: ast.AST) -> str:
    assert isinstance(node, ast.stmt)
    start = definition_start(node) if isinstance(node, _DEFINITIONS) else node.lineno
    return "\n".join(code_lines[start - 1 : node.end_lineno or node.lineno])


def _keep_preamble(source: str, code: str) -> str:
    """A whole-file answer keeps the file's shebang and coding line if it dropped them."""
    keep = []
    for line in split_lines(source)[:2]:
        stripped = line.strip()
        is_preamble = stripped.startswith("#!") or re.match(r"^#.*coding[:=]", stripped)
        if is_preamble and stripped not in code:
            keep.append(stripped)
        elif not is_preamble:
            break
    return "\n".join([*keep, code]) if keep else code


def splice_answer(source: str, region: Region, answer: str, *, path: str = "<answer>") -> SpliceResult:
    """The whole new file with the answer's code in place of the region, or None and why."""
    original, error = _parse(source)
    if original is None:
        return SpliceResult(None, f"the file does not parse: {error}")
    targets = _targets(region, original)
    candidate, why = choose_code(answer, targets)
    if candidate is None:
        return SpliceResult(None, why)

    if region.whole_file:
        answered = {t.qualname for t in targets if _answered(candidate.tree, t) is not None}
        only_definitions = all(
            isinstance(node, _DEFINITIONS) or _is_docstring(node) for node in candidate.tree.body
        )
        keeps_more = any(
            not isinstance(node, _DEFINITIONS) and not _is_docstring(node) for node in original.body
        )
        if len(answered) == len(targets) and not (only_definitions and keeps_more):
            return _finish(source, original, _whole_file(source, candidate.code), path, "replaced the whole file")
        if not answered:
            missing = ", ".join(t.qualname for t in targets)
            return SpliceResult(None, f"the answer is not the whole file (it lacks {missing})")
        pieces = [_piece_of(original, t.qualname) for t in targets if t.qualname in answered]
        result = _splice_pieces(source, original, candidate, pieces)
        if result.new_text is None:
            return result
        return _finish(source, original, result.new_text, path, f"the answer held part of the file; {result.reason}")

    result = _splice_pieces(source, original, candidate, list(region.pieces))
    if result.new_text is None:
        return result
    return _finish(source, original, result.new_text, path, result.reason)


def _whole_file(source: str, code: str) -> str:
    text = _keep_preamble(source, code)
    newline = newline_of(source)
    if source.endswith(("\n", "\r")) or not source:
        text += "\n"
    return text.replace("\n", newline) if newline != "\n" else text


def _finish(source: str, original: ast.Module, new_text: str, path: str, reason: str) -> SpliceResult:
    problem = compiles(new_text, path)
    if problem is not None:
        return SpliceResult(None, f"once spliced, {problem}")
    new_text, reason = _complete_imports(original, new_text, reason)
    if new_text == source:
        return SpliceResult(new_text, "the answer changes nothing")
    return SpliceResult(new_text, reason)


def _complete_imports(original: ast.Module, new_text: str, reason: str) -> tuple[str, str]:
    """Add the import of a standard-library module the answer uses but forgot to import (one the
    original did not use unimported already): a careless answer, not a wrong one."""
    after = parse_quietly(new_text)  # it compiles by now
    forgotten = [m for m in unimported_modules(after) if m not in unimported_modules(original)]
    if not forgotten:
        return new_text, reason
    position, had_block = import_position(after, 10**9)
    lines = [f"import {module}" for module in forgotten] + ([] if had_block else [""])
    added = _apply(new_text, [_Edit(position, position, tuple(lines))])
    shown = ", ".join(f"`import {m}`" for m in forgotten)
    return added, f"{reason}; added {shown}, which the answer used without importing"


def _piece_of(original: ast.Module, qualname: str) -> Piece:
    node = find_definition(original.body, qualname)
    assert isinstance(node, _DEFINITIONS)
    kind = "class" if isinstance(node, ast.ClassDef) else ("method" if "." in qualname else "function")
    return Piece(qualname, kind, definition_start(node), node.end_lineno or node.lineno, "")


def _expand_class(original: ast.Module, piece: Piece, tree: ast.Module) -> list[tuple[Piece, ast.AST]]:
    """The answer gave methods of a class piece without their class: splice them one by one."""
    node = find_definition(original.body, piece.qualname, (ast.ClassDef,))
    if not isinstance(node, ast.ClassDef):
        return []
    out = []
    for child in node.body:
        if isinstance(child, _FUNCTIONS):
            answered = find_definition(tree.body, child.name, _FUNCTIONS)
            if answered is not None:
                method = Piece(
                    f"{piece.qualname}.{child.name}", "method", definition_start(child),
                    child.end_lineno or child.lineno, "",
                )
                out.append((method, answered))
    return out


def _parent_answered(
    original: ast.Module, piece: Piece, tree: ast.Module
) -> tuple[Piece, ast.AST] | None:
    parent_name = piece.qualname.rsplit(".", 1)[0]
    answered = find_definition(tree.body, parent_name, (ast.ClassDef,))
    if answered is None:
        return None
    node = find_definition(original.body, parent_name, (ast.ClassDef,))
    assert isinstance(node, ast.ClassDef)
    kind = "class"
    parent = Piece(parent_name, kind, definition_start(node), node.end_lineno or node.lineno, "")
    return parent, answered


def _indent_at(source_lines: Sequence[str], line: int) -> str:
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    return text[: len(text) - len(text.lstrip())]


def _splice_pieces(
    source: str, original: ast.Module, candidate: _Candidate, pieces: Sequence[Piece]
) -> SpliceResult:
    source_lines = split_lines(source)
    code_lines = candidate.code.split("\n")
    matches: list[tuple[Piece, ast.AST]] = []
    missing: list[Piece] = []
    for piece in pieces:
        node = _answered(candidate.tree, piece)
        if node is not None:
            matches.append((piece, node))
        elif piece.kind == "class" and (methods := _expand_class(original, piece, candidate.tree)):
            matches.extend(methods)
        elif piece.kind == "method" and (parent := _parent_answered(original, piece, candidate.tree)):
            matches.append(parent)  # the answer dropped the method from its class: take the class
        else:
            missing.append(piece)

    if not matches:
        if len(pieces) == 1 and pieces[0].kind != "class" and _looks_like_body(candidate.tree):
            return _reattach_body(source, original, candidate, pieces[0])
        labels = ", ".join(p.label for p in pieces)
        return SpliceResult(None, f"the answer does not define the {labels} it was asked to repair")
    extra = _outside_code(original, candidate.tree, [node for _, node in matches])
    if extra is not None:
        return SpliceResult(None, f"the answer adds or changes {extra} outside the code it was asked to repair")

    edits: list[_Edit] = []
    for piece, node in matches:
        start, end = piece.start_line, piece.end_line
        indent = _indent_at(source_lines, start)
        text = reindent(_node_code(code_lines, node), indent)
        edits.append(_Edit(start - 1, end, tuple(text.split("\n")), _ending(source_lines, end - 1)))

    first_top = min(_top_start(original, piece.qualname) for piece, _ in matches)
    imports, unused = used_new_imports(candidate.tree, original, [node for _, node in matches])
    if imports:
        position, had_block = import_position(original, first_top)
        edits.append(_Edit(position, position, tuple(imports + ([] if had_block else [""]))))

    replaced = ", ".join(piece.label for piece, _ in matches)
    notes = [f"replaced {replaced}"]
    if imports:
        notes.append(f"added {len(imports)} import line(s)")
    if unused:
        notes.append("left out the answer's unused import(s) of " + ", ".join(f"`{name}`" for name in unused))
    if missing:
        notes.append("the answer left out " + ", ".join(p.label for p in missing))
    return SpliceResult(_apply(source, edits), "; ".join(notes))


def _outside_code(original: ast.Module, answer: ast.Module, used: Sequence[ast.AST]) -> str | None:
    """The first top-level statement of the answer that is neither what was asked (or holds it),
    an import, a docstring, nor a copy of the original's: code that must not ride along."""
    copies = {ast.dump(node) for node in original.body}
    wanted = {id(node) for node in used}
    for top in answer.body:
        if isinstance(top, (ast.Import, ast.ImportFrom)) or _is_docstring(top) or ast.dump(top) in copies:
            continue
        if any(id(node) in wanted for node in ast.walk(top)):
            continue
        shown = f"`{top.name}`" if isinstance(top, _DEFINITIONS) else f"`{ast.unparse(top).splitlines()[0][:60]}`"
        return f"{shown} (line {top.lineno} of the answer)"
    return None


def _top_start(original: ast.Module, qualname: str) -> int:
    node = find_definition(original.body, qualname.split(".", 1)[0])
    assert isinstance(node, _DEFINITIONS)
    return definition_start(node)


def _reattach_body(source: str, original: ast.Module, candidate: _Candidate, piece: Piece) -> SpliceResult:
    """The answer is a function body: keep the original decorators and signature above it."""
    node = find_definition(original.body, piece.qualname, _FUNCTIONS)
    if not isinstance(node, _FUNCTIONS):
        return SpliceResult(None, f"the answer does not define the {piece.label}")
    body = node.body
    if body[0].lineno == node.lineno:
        return SpliceResult(None, f"the answer is a body but {piece.label} is a one-line definition")
    keeps_docstring = _has_docstring(body) and not _has_docstring(candidate.tree.body)
    first_replaced = body[1] if keeps_docstring and len(body) > 1 else body[0]
    source_lines = split_lines(source)
    body_indent = _indent_at(source_lines, body[0].lineno)
    end = node.end_lineno or node.lineno
    if keeps_docstring and len(body) == 1:
        start_index = end  # only a docstring: the new body goes after it
    else:
        start_index = first_replaced.lineno - 1
    text = reindent(candidate.code, body_indent)
    edit = _Edit(start_index, end, tuple(text.split("\n")), _ending(source_lines, end - 1))
    return SpliceResult(
        _apply(source, [edit]), f"re-attached the original signature of {piece.label} to the answered body"
    )


def _has_docstring(body: Sequence[ast.stmt]) -> bool:
    return bool(body) and _is_docstring(body[0])
