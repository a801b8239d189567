"""What every codemod shares: its metadata record, its protocol, and the libcst helpers that find
the flagged node by position, edit one call's arguments and add an import without touching the
rest of the file."""
from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, TypeAlias, TypeVar

import libcst as cst
from libcst.metadata import (
    CodeRange,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)

from vulnloop.findings import Finding

NodeT = TypeVar("NodeT", bound=cst.CSTNode)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# An import a rewrite needs: ("secrets", None) is `import secrets`,
# ("jinja2", "select_autoescape") is `from jinja2 import select_autoescape`.
ImportNeed = tuple[str, str | None]
# What a located node may be replaced by: another node, or several statements for one.
Replacement: TypeAlias = "cst.CSTNode | cst.FlattenSentinel[cst.BaseStatement]"


@dataclass(frozen=True)
class CodemodInfo:
    """What a codemod fixes and how a reviewer should judge its edit.

    ``residual_rules`` names rules the rewritten node is still expected to raise, on purpose and at
    lower severity (shell=True -> an argument list still draws Bandit's B603 reminder). The repair
    loop may accept those at the rewritten node; every other new finding rejects the repair.
    """

    id: str
    summary: str
    cwes: tuple[int, ...]
    bandit_ids: tuple[str, ...]
    codeql_ids: tuple[str, ...]
    guidance: str
    residual_rules: tuple[str, ...] = ()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (*self.bandit_ids, *self.codeql_ids)


class Codemod(Protocol):
    info: CodemodInfo

    def apply(self, source: str, finding: Finding) -> str | None:
        """The whole file's new text with only the flagged node rewritten, or None when the rewrite
        is not known to be safe here (or the node is not found)."""


def _column_variants(line: str, char_col: int) -> set[int]:
    """A 0-based character column as the 1-based columns engines may mean: characters (libcst),
    UTF-8 bytes (Python's ast, so Bandit) and UTF-16 code units (SARIF's default)."""
    prefix = line[:char_col]
    return {
        char_col + 1,
        len(prefix.encode("utf-8")) + 1,
        len(prefix.encode("utf-16-le")) // 2 + 1,
    }


def _char_columns(line: str, column: int) -> set[int]:
    """A 1-based engine column as the 0-based character columns it may mean (see above)."""
    found = {column - 1}
    for encoding, unit in (("utf-8", 1), ("utf-16-le", 2)):
        width = 0
        for index, char in enumerate(line):
            if width == (column - 1) * unit:
                found.add(index)
                break
            width += len(char.encode(encoding))
    return found


def _encloses(outer: CodeRange, inner: CodeRange) -> bool:
    return (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column) and (
        inner.end.line,
        inner.end.column,
    ) <= (outer.end.line, outer.end.column)


class ParsedSource:
    """One file's libcst tree with the metadata codemods ask for, resolved lazily."""

    def __init__(self, source: str, module: cst.Module) -> None:
        self.source = source
        self._wrapper = MetadataWrapper(module)
        self.module = self._wrapper.module  # the wrapper's copy: its nodes carry the metadata
        # Line breaks as Python counts them: str.splitlines would also split at form feeds.
        self.lines = _LINE_BREAK.split(source)

    @classmethod
    def parse(cls, source: str) -> ParsedSource | None:
        try:
            return cls(source, cst.parse_module(source))
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            return None

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        return self._wrapper.resolve(PositionProvider)

    @cached_property
    def _parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        return self._wrapper.resolve(ParentNodeProvider)

    @cached_property
    def _qualified(self) -> Mapping[cst.CSTNode, object]:
        return self._wrapper.resolve(QualifiedNameProvider)

    @cached_property
    def _scope_of(self) -> Mapping[cst.CSTNode, Scope | None]:
        return self._wrapper.resolve(ScopeProvider)

    @cached_property
    def scopes(self) -> tuple[Scope, ...]:
        unique: dict[int, Scope] = {}
        for scope in self._scope_of.values():
            if scope is not None:
                unique.setdefault(id(scope), scope)
        return tuple(unique.values())

    @cached_property
    def has_star_import(self) -> bool:
        return any(
            isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar)
            for node in self.positions
        )

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def scope(self, node: cst.CSTNode) -> Scope | None:
        return self._scope_of.get(node)

    def qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        value = self._qualified.get(node, set())
        if callable(value):  # libcst hands out some results as lazy values
            value = value()
        return frozenset(q.name for q in value)  # type: ignore[attr-defined]

    def resolves_to(self, node: cst.CSTNode, names: frozenset[str] | set[str]) -> str | None:
        """The one qualified name ``node`` refers to when it is among ``names``; None when it refers
        to something else or could refer to several things."""
        found = self.qualified_names(node)
        if len(found) == 1 and next(iter(found)) in names:
            return next(iter(found))
        return None

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    # --- finding the flagged node -------------------------------------------------------------

    def locate(
        self, finding: Finding, kind: type[NodeT], accept: Callable[[NodeT], bool] = lambda _: True
    ) -> NodeT | None:
        """The node of ``kind`` the finding points at and ``accept`` approves.

        Engines differ on what they point at: Bandit gives the node itself (sometimes starting on
        the line of a keyword inside it), CodeQL often an argument inside the call. So: a node
        whose range matches the finding exactly wins; else, among accepted nodes holding the
        finding's lines (preferring those holding its start point), the innermost, provided the
        others all enclose it. Anything else is ambiguous and gives None.
        """
        holding: list[tuple[int, CodeRange, NodeT]] = []
        exact: list[NodeT] = []
        end_line = max(finding.end_line, finding.start_line)
        for node, where in self.positions.items():
            if not isinstance(node, kind):
                continue
            if not (where.start.line <= finding.start_line and end_line <= where.end.line):
                continue
            if not accept(node):
                continue
            if self._matches_exactly(where, finding):
                exact.append(node)
            holding.append((self._size(where), where, node))
        if exact:
            return exact[0] if len(exact) == 1 else None
        at_start = [h for h in holding if self._holds_start(h[1], finding)]
        candidates = sorted(at_start or holding, key=lambda item: item[0])
        if not candidates:
            return None
        inner = candidates[0][1]
        if any(not _encloses(where, inner) for _, where, _ in candidates[1:]):
            return None
        return candidates[0][2]

    def _holds_start(self, where: CodeRange, finding: Finding) -> bool:
        line = self.lines[finding.start_line - 1] if 0 < finding.start_line <= len(self.lines) else ""
        start = (where.start.line, where.start.column)
        end = (where.end.line, where.end.column)
        return any(start <= (finding.start_line, c) < end for c in _char_columns(line, finding.start_col))

    def _matches_exactly(self, where: CodeRange, finding: Finding) -> bool:
        if (where.start.line, where.end.line) != (finding.start_line, max(finding.end_line, finding.start_line)):
            return False
        start_line = self.lines[where.start.line - 1] if where.start.line <= len(self.lines) else ""
        end_line = self.lines[where.end.line - 1] if where.end.line <= len(self.lines) else ""
        return finding.start_col in _column_variants(start_line, where.start.column) and (
            finding.end_col in _column_variants(end_line, where.end.column)
        )

    def _size(self, where: CodeRange) -> int:
        if where.start.line == where.end.line:
            return where.end.column - where.start.column
        inner = sum(len(line) + 1 for line in self.lines[where.start.line : where.end.line - 1])
        first = len(self.lines[where.start.line - 1]) - where.start.column + 1
        return first + inner + where.end.column

    # --- names and imports --------------------------------------------------------------------

    def _bindings(self, name: str) -> list[object]:
        return [a for scope in self.scopes for a in scope.assignments if a.name == name]

    def _name_free_except(self, name: str, allowed: Callable[[cst.CSTNode], bool]) -> bool:
        if self.has_star_import:
            return False
        for assignment in self._bindings(name):
            if not (isinstance(assignment, ImportAssignment) and allowed(assignment.node)):
                return False
        return True

    def _global_import(self, name: str, allowed: Callable[[cst.CSTNode], bool]) -> bool:
        return any(
            isinstance(a, ImportAssignment) and allowed(a.node)
            for scope in self.scopes
            if isinstance(scope, GlobalScope)
            for a in scope.assignments
            if a.name == name
        )

    def module_reference(self, dotted: str) -> tuple[cst.BaseExpression, ImportNeed | None] | None:
        """An expression naming module ``dotted`` through a plain ``import dotted``, and the import
        to add if there is none yet; None when the top name is bound to something else."""
        root = dotted.split(".")[0]

        def plain_import(node: cst.CSTNode) -> bool:
            return isinstance(node, cst.Import) and any(
                alias.asname is None and self.code(alias.name).split(".")[0] == root
                for alias in node.names
            )

        if not self._name_free_except(root, plain_import):
            return None
        expression = cst.parse_expression(dotted)
        return expression, None if self._global_import(dotted, plain_import) else (dotted, None)

    def imported_name(self, module: str, name: str) -> tuple[cst.Name, ImportNeed | None] | None:
        """``name`` as bound by ``from module import name``, and that import if it is missing;
        None when ``name`` is bound to something else somewhere in the file."""

        def from_import(node: cst.CSTNode) -> bool:
            if not isinstance(node, cst.ImportFrom) or node.relative or node.module is None:
                return False
            if self.code(node.module) != module or isinstance(node.names, cst.ImportStar):
                return False
            return any(
                alias.asname is None and self.code(alias.name) == name for alias in node.names
            )

        if not self._name_free_except(name, from_import):
            return None
        return cst.Name(name), None if self._global_import(name, from_import) else (module, name)

    def sibling(
        self, expression: cst.BaseExpression, module: str, new_attr: str
    ) -> tuple[cst.BaseExpression, ImportNeed | None] | None:
        """``module.new_attr`` written the way ``expression`` (which names ``module.something``)
        is written: ``yaml.load`` -> ``yaml.safe_load``, ``load`` (from-imported) -> ``safe_load``."""
        if isinstance(expression, cst.Attribute):
            base = self.qualified_names(expression.value)
            if base != frozenset({module}):
                return None
            return expression.with_changes(attr=cst.Name(new_attr)), None
        if isinstance(expression, cst.Name):
            return self.imported_name(module, new_attr)
        return None

    # --- producing the new text ---------------------------------------------------------------

    def render(
        self,
        replacements: Sequence[tuple[cst.CSTNode, Replacement]],
        imports: Sequence[ImportNeed | None] = (),
    ) -> str | None:
        """The file with each old node replaced and the needed imports added; None when the result
        would not parse (a codemod bug must never reach the user as broken code)."""
        mapping: dict[int, Replacement] = {id(old): new for old, new in replacements}
        module = self.module.visit(_Replace(mapping))
        assert isinstance(module, cst.Module)
        for need in dict.fromkeys(n for n in imports if n is not None):
            module = add_import(module, need)
        text = module.code
        if text == self.source or not parses(text):
            return None
        return text


class _Replace(cst.CSTTransformer):
    """Swaps nodes by identity: the codemod located them in this very tree."""

    def __init__(self, mapping: dict[int, Replacement]) -> None:
        super().__init__()
        self._mapping = mapping

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> Replacement:
        return self._mapping.get(id(original_node), updated_node)


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return False
    return True


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def add_import(module: cst.Module, need: ImportNeed) -> cst.Module:
    """Insert one import line after the file's leading imports (after the docstring when there
    are none). No blank lines are added and no existing import is merged or reordered."""
    name, obj = need
    text = f"import {name}" if obj is None else f"from {name} import {obj}"
    statement = cst.parse_statement(text + module.default_newline)
    body = list(module.body)
    position = 0
    for index, existing in enumerate(body):
        if (index == 0 and _is_docstring(existing)) or _is_import_line(existing):
            position = index + 1
            continue
        break
    body.insert(position, statement)
    return module.with_changes(body=body)


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
        with warnings.catch_warnings():  # "invalid escape sequence" is the program's business
            warnings.simplefilter("ignore")
            value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def replace_arg_value(call: cst.Call, arg: cst.Arg, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(
        args=[a.with_changes(value=value) if a is arg else a for a in call.args]
    )


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
