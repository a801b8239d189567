"""One file as the codemods see it: libcst trees parsed a unit at a time, on demand.

The codemods ask where the flagged node is, what a name refers to and what else a name is bound
to. libcst answers those for a whole module at a time (positions, parents, scopes), which costs
far more than one codemod's edit. Here each question is answered from the few units of the file
(see ``units.py``) it depends on: the flagged node's position from its own unit, a name's
meaning from the unit using it plus the units that may bind that name, "every use of a name"
from the units whose text holds it. Answers are libcst's own, computed on those units, and the
edited file is the untouched units' text around the edited units' code. A name that only the
import lines above bind (``hashlib.md5``, a builtin) is resolved by those lines' analysis, which
every text of the file shares, not by one of the unit's own.

Files the cut cannot handle (no ``ast`` parse, mixed newlines, odd decorator layouts) are parsed
whole, as one unit, and so is any file where a unit does not parse as part of the file would.
"""
from __future__ import annotations

import ast
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from functools import cached_property, lru_cache
from typing import TypeAlias, TypeVar, cast

import libcst as cst
from libcst._batched_visitor import BatchableCSTVisitor
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    BaseAssignment,
    CodeRange,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from vulnloop.findings import Finding
from vulnloop.quiet_parse import parse_quietly
from vulnloop.repair.codemods.units import (
    SourceUnits,
    Unit,
    UnitKind,
    is_compound,
)
from vulnloop.text_lines import LINE_BREAK


def _visitor_names(visitor_type: type) -> tuple[str, ...]:
    """The visit_/leave_ methods a visitor class defines, no-op stubs left out."""
    names = _VISITOR_NAMES.get(visitor_type)
    if names is None:  # not setdefault: its default would be computed on every call
        names = _VISITOR_NAMES[visitor_type] = tuple(
            name
            for name, member in inspect.getmembers(visitor_type, inspect.isfunction)
            if name.startswith(("visit_", "leave_")) and not getattr(member, "_is_no_op", False)
        )
    return names


_VISITOR_NAMES: dict[type, tuple[str, ...]] = {}


def _cached_get_visitors(self: BatchableCSTVisitor) -> dict[str, Callable[..., object]]:
    return {name: getattr(self, name) for name in _visitor_names(type(self))}


# libcst finds a metadata provider's visitor methods with inspect.getmembers on every instance,
# once per analysis: a quarter of a codemod's time per finding. The methods are the class's, so
# they are looked up once per class (the same mapping libcst builds).
BatchableCSTVisitor.get_visitors = _cached_get_visitors  # type: ignore[method-assign,assignment]

NodeT = TypeVar("NodeT", bound=cst.CSTNode)
# An import a rewrite needs: ("secrets", None) is `import secrets`,
# ("jinja2", "select_autoescape") is `from jinja2 import select_autoescape`.
ImportNeed = tuple[str, str | None]
# What a located node may be replaced by: another node, or several statements for one.
Replacement: TypeAlias = "cst.CSTNode | cst.FlattenSentinel[cst.BaseStatement]"
# What a module body holds.
Statement: TypeAlias = "cst.SimpleStatementLine | cst.BaseCompoundStatement"

_CACHE_SIZE = 16


class UnitsUnusable(Exception):
    """A unit did not parse the way the whole file does: parse the file whole instead."""


class _Part(Enum):
    ALL = "all"
    SHELL = "shell"  # a class head without its first member
    STUB = "stub"  # a function or class without its body


# Which units (and which part of each) a scope analysis covers, in a hashable form.
Selection = tuple[tuple[int, _Part], ...]


@dataclass
class _UnitTree:
    module: cst.Module
    statements: tuple[Statement, ...]  # the unit's own statements, without a stand-in
    positions: Mapping[cst.CSTNode, CodeRange] | None = None

    @cached_property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        """Each node's parent (the module has none), found once per tree and reused by every text
        of the file that holds the unit unchanged."""
        found: dict[cst.CSTNode, cst.CSTNode] = {}
        stack: list[cst.CSTNode] = [self.module]
        while stack:
            node = stack.pop()
            for child in _children(node):
                found[child] = node
                stack.append(child)
        return found


@dataclass
class _Analysis:
    scope_of: Mapping[cst.CSTNode, Scope | None]
    scopes: tuple[Scope, ...]


class _ScopeProvider(ScopeProvider):
    """libcst's ScopeProvider, telling the batched traversal its one visitor method up front
    (the inherited ``get_visitors`` inspects every attribute of the class, each time: ~1.5 ms
    per analysis)."""

    def get_visitors(self) -> Mapping[str, Callable[[cst.CSTNode], None]]:
        if not _scope_provider_visits_module_only():
            return super().get_visitors()
        return {"visit_Module": cast(Callable[[cst.CSTNode], None], self.visit_Module)}


@lru_cache(maxsize=1)
def _scope_provider_visits_module_only() -> bool:
    """True for every libcst release so far; checked once in case one adds visitor methods."""
    return set(ScopeProvider().get_visitors()) == {"visit_Module"}


@lru_cache(maxsize=1)
def _builtins_only() -> GlobalScope:
    """The global scope of an empty module: it knows the builtins and nothing else."""
    scopes = MetadataWrapper(cst.Module(body=[])).resolve(ScopeProvider)
    [scope] = [s for s in scopes.values() if isinstance(s, GlobalScope)]
    return scope


_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in fields(kind))
    return names


def _children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if isinstance(item, cst.CSTNode))


def _walk(roots: Iterable[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    stack = list(roots)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(_children(node))


def _stub(statement: Statement) -> Statement:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.with_changes(body=cst.IndentedBlock(body=[]))
    return statement


def _char_columns(line: str, column: int) -> set[int]:
    """A 1-based engine column as the 0-based character columns it may mean: characters
    (libcst), UTF-8 bytes (Python's ast, so Bandit) and UTF-16 code units (SARIF's default)."""
    found = {column - 1}
    for encoding, unit in (("utf-8", 1), ("utf-16-le", 2)):
        width = 0
        for index, char in enumerate(line):
            if width == (column - 1) * unit:
                found.add(index)
                break
            width += len(char.encode(encoding))
    return found


def _column_variants(line: str, char_col: int) -> set[int]:
    """A 0-based character column as the 1-based columns engines may mean (see above)."""
    prefix = line[:char_col]
    return {
        char_col + 1,
        len(prefix.encode("utf-8")) + 1,
        len(prefix.encode("utf-16-le")) // 2 + 1,
    }


def _encloses(outer: CodeRange, inner: CodeRange) -> bool:
    return (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column) and (
        inner.end.line,
        inner.end.column,
    ) <= (outer.end.line, outer.end.column)


def _shifted(where: CodeRange, lines: int) -> CodeRange:
    if not lines:
        return where
    return CodeRange(
        (where.start.line + lines, where.start.column), (where.end.line + lines, where.end.column)
    )


class ParsedSource:
    """One file's text and, on demand, the libcst trees and metadata of its units."""

    def __init__(self, source: str, units: SourceUnits | None, whole: cst.Module | None = None) -> None:
        self.source = source
        self._cut = units
        self._lock = threading.RLock()
        self._trees: dict[int, _UnitTree] = {}
        self._parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._unit_of: dict[cst.CSTNode, int] = {}
        self._selections: dict[int, Selection] = {}
        self._matching: dict[frozenset[str], tuple[Unit, ...]] = {}  # see _units_mentioning
        self._analyses: dict[Selection, _Analysis] = {}  # in the order they were made
        if units is None:
            assert whole is not None
            self._units = [Unit(0, UnitKind.STATEMENT, 1, source, (), ())]
            self.default_newline = whole.default_newline
            self._code_module = whole
            self._add_tree(self._units[0], whole, tuple(whole.body))
        else:
            self._units = units.units
            self.default_newline = units.newline
            self._code_module = cst.Module(body=[], default_newline=units.newline)

    @classmethod
    def parse(cls, source: str, *, whole: bool = False) -> ParsedSource | None:
        """The file's parse, shared by every codemod asking about the same text; None when
        libcst cannot parse it. ``whole`` parses it as one unit."""
        with _CACHE_LOCK:
            if source in _CACHE:
                cached = _CACHE[source]
                # A cut parse does not answer a request for a whole one; anything else does.
                if not whole or cached is None or cached.whole:
                    _CACHE.move_to_end(source)
                    return cached
        units = None if whole else SourceUnits.cut(source)
        parsed: ParsedSource | None
        if units is None:
            try:
                parsed = cls(source, None, cst.parse_module(source))
            except (cst.ParserSyntaxError, RecursionError, ValueError):
                parsed = None
        else:
            parsed = cls(source, units)
        _remember(source, parsed)
        return parsed

    @cached_property
    def lines(self) -> list[str]:
        # Line breaks as Python counts them: str.splitlines would also split at form feeds.
        return LINE_BREAK.split(self.source)

    def _line(self, number: int) -> str:
        """Line ``number`` (1-based) of the file, '' past its end; from the unit holding it, so
        that a large file is not split into lines for each text a codemod meets."""
        if self._cut is None:
            return self.lines[number - 1] if 0 < number <= len(self.lines) else ""
        unit = self._cut.unit_at_line(number)
        if unit is None:
            return ""
        lines = LINE_BREAK.split(unit.text, maxsplit=number - unit.start + 1)
        return lines[number - unit.start] if number - unit.start < len(lines) else ""

    @property
    def whole(self) -> bool:
        """Parsed as one unit (not cut)."""
        return self._cut is None

    # --- unit trees ---------------------------------------------------------------------------

    def _tree(self, index: int) -> _UnitTree:
        tree = self._trees.get(index)
        if tree is None:
            with self._lock:
                tree = self._trees.get(index)
                if tree is None:
                    tree = self._parse_unit(self._units[index])
        return tree

    def _parse_unit(self, unit: Unit) -> _UnitTree:
        known = unit.memo.get("tree")
        if isinstance(known, _UnitTree):  # the same text, met in the text before an edit
            return self._add_tree(unit, known.module, known.statements, known)
        try:
            module = cst.parse_module(unit.prefix + unit.text)
        except (cst.ParserSyntaxError, RecursionError, ValueError) as exc:
            raise UnitsUnusable(f"unit at line {unit.start} does not parse alone") from exc
        if module.default_newline != self.default_newline:
            raise UnitsUnusable(f"unit at line {unit.start} takes another default newline")
        statements = _unit_statements(unit, module)
        if statements is None:
            raise UnitsUnusable(f"unit at line {unit.start} parses differently alone")
        tree = self._add_tree(unit, module, statements)
        if self._cut is not None:
            unit.memo["tree"] = tree
        return tree

    def _add_tree(
        self, unit: Unit, module: cst.Module, statements: tuple[Statement, ...], tree: _UnitTree | None = None
    ) -> _UnitTree:
        tree = self._trees[unit.index] = tree or _UnitTree(module, statements)
        self._parents.update(tree.parents)
        self._unit_of.update(dict.fromkeys(tree.parents, unit.index))
        self._unit_of[module] = unit.index
        return tree

    def _unit_of_node(self, node: cst.CSTNode) -> Unit | None:
        index = self._unit_of.get(node)
        return None if index is None else self._units[index]

    def _unit_at_line(self, line: int) -> Unit | None:
        if self._cut is None:
            return self._units[0] if 0 < line <= len(self.lines) else None
        return self._cut.unit_at_line(line)

    def _top_level(self) -> Iterator[Unit]:
        return (u for u in self._units if u.kind is not UnitKind.MEMBER)

    @property
    def module(self) -> cst.Module:
        """Every statement of the file in one module (for tests and debugging: it parses every
        unit; its code is not the file's)."""
        if self._cut is None:
            return self._tree(0).module
        return self._assemble(tuple((u.index, _Part.ALL) for u in self._units))

    # --- nodes ----------------------------------------------------------------------------------

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def code(self, node: cst.CSTNode) -> str:
        """The code of an expression or a simple statement, as the file writes it."""
        return self._code_module.code_for_node(node)

    def _unit_roots(self, unit: Unit) -> tuple[cst.CSTNode, ...]:
        """The nodes the file itself holds: a member's stand-in class header left out."""
        tree = self._tree(unit.index)
        return tree.statements if unit.kind is UnitKind.MEMBER else (tree.module,)

    def _units_mentioning(self, words: frozenset[str]) -> tuple[Unit, ...]:
        """The units whose text (code, strings or comments) holds one of ``words`` as a whole
        word (see ``SourceUnits.mentioning``)."""
        found = self._matching.get(words)
        if found is None:
            if self._cut is not None:
                found = tuple(self._cut.mentioning(words))
            else:
                found = tuple(u for u in self._units if not words.isdisjoint(u.words))
            self._matching[words] = found
        return found

    def _names(self, value: str) -> Iterator[cst.Name]:
        """The ``Name`` nodes anywhere in the file that spell ``value``, parsing only the units
        whose text holds the word."""
        for unit in self._units_mentioning(frozenset({value})):
            for node in _walk(self._unit_roots(unit)):
                if isinstance(node, cst.Name) and node.value == value:
                    yield node

    def name_count(self, value: str) -> int:
        """How many ``Name`` nodes anywhere in the file spell ``value``."""
        return sum(1 for _ in self._names(value))

    def has_name(self, value: str) -> bool:
        return next(self._names(value), None) is not None

    def statements_mentioning(self, names: frozenset[str]) -> Iterator[Statement]:
        """Every statement (class members one by one) that could hold a call to something called
        one of ``names``: its text holds the name or a name imported ``as`` another for it."""
        words = names if self._cut is None else names | self._cut.alias_names(names)
        for unit in self._units_mentioning(words):
            yield from self._tree(unit.index).statements

    # --- finding the flagged node -------------------------------------------------------------

    def _positions(self, unit: Unit) -> Mapping[cst.CSTNode, CodeRange]:
        tree = self._tree(unit.index)
        if tree.positions is None:
            with self._lock:
                if tree.positions is None:
                    wrapper = MetadataWrapper(tree.module, unsafe_skip_copy=True)
                    tree.positions = wrapper.resolve(PositionProvider)
        return tree.positions

    def positioned_nodes(self) -> Iterator[tuple[cst.CSTNode, CodeRange]]:
        """Every node of the file with its position in the file (for tests and debugging: it
        parses every unit)."""
        for unit in self._units:
            yield from self._file_positions(unit, cst.CSTNode)  # type: ignore[type-abstract]  # every node

    def _file_positions(self, unit: Unit, kind: type[NodeT]) -> Iterator[tuple[NodeT, CodeRange]]:
        """The unit's nodes of ``kind`` with their positions in the file (a member's stand-in
        class header left out)."""
        shift = unit.start - 1 - unit.prefix.count(self.default_newline)
        for node, relative in self._positions(unit).items():
            if isinstance(node, kind) and relative.start.line + shift >= unit.start:
                yield node, _shifted(relative, shift)

    def locate(
        self, finding: Finding, kind: type[NodeT], accept: Callable[[NodeT], bool] = lambda _: True
    ) -> NodeT | None:
        """The node of ``kind`` the finding points at and ``accept`` approves.

        Engines differ on what they point at: Bandit gives the node itself (sometimes starting on
        the line of a keyword inside it), CodeQL often an argument inside the call. So: a node
        whose range matches the finding exactly wins; else, among accepted nodes holding the
        finding's lines (preferring those holding its start point), the innermost, provided the
        others all enclose it. Anything else is ambiguous and gives None.

        Only the unit holding the finding's first line is searched: a node holding that line
        lies in it.
        """
        unit = self._unit_at_line(finding.start_line)
        if unit is None:
            return None
        holding: list[tuple[int, CodeRange, NodeT]] = []
        exact: list[NodeT] = []
        end_line = max(finding.end_line, finding.start_line)
        for node, where in self._file_positions(unit, kind):
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
        line = self._line(finding.start_line)
        start = (where.start.line, where.start.column)
        end = (where.end.line, where.end.column)
        return any(start <= (finding.start_line, c) < end for c in _char_columns(line, finding.start_col))

    def _matches_exactly(self, where: CodeRange, finding: Finding) -> bool:
        if (where.start.line, where.end.line) != (finding.start_line, max(finding.end_line, finding.start_line)):
            return False
        start_line, end_line = self._line(where.start.line), self._line(where.end.line)
        return finding.start_col in _column_variants(start_line, where.start.column) and (
            finding.end_col in _column_variants(end_line, where.end.column)
        )

    def _size(self, where: CodeRange) -> int:
        if where.start.line == where.end.line:
            return where.end.column - where.start.column
        inner = sum(len(self._line(line)) + 1 for line in range(where.start.line + 1, where.end.line))
        first = len(self._line(where.start.line)) - where.start.column + 1
        return first + inner + where.end.column

    # --- scopes -------------------------------------------------------------------------------

    def _assemble(self, selection: Selection) -> cst.Module:
        """One module of the selected units, in file order; a class head carries the members
        selected with it."""
        chosen = dict(selection)
        body: list[Statement] = []
        # The top-level units of the selection (a selected member's class head among them), in
        # file order: not every unit of the file.
        for unit in (self._units[i] for i in sorted({self._units[i].top for i in chosen})):
            part = chosen.get(unit.index)
            if unit.kind is UnitKind.CLASS_HEAD:
                members = [m for m in unit.members if m in chosen]
                if part is None and not members:
                    continue
                cls = self._tree(unit.index).statements[0]
                assert isinstance(cls, cst.ClassDef) and isinstance(cls.body, cst.IndentedBlock)
                inner = list(cls.body.body) if part is _Part.ALL else []
                for member in members:
                    inner.extend(self._tree(member).statements)
                body.append(cls.with_changes(body=cls.body.with_changes(body=inner)))
            elif part is not None:
                statements = self._tree(unit.index).statements
                body.extend(_stub(s) for s in statements) if part is _Part.STUB else body.extend(statements)
        return cst.Module(body=body)

    def _analysis(self, selection: Selection) -> _Analysis:
        """libcst's scope analysis of the selected units, or of any larger selection already
        analysed: units beyond those a question needs bind none of the names it is about."""
        with self._lock:
            for done, analysis in self._analyses.items():
                if _covers(done, selection):
                    return analysis
            # The same units (the same texts) in another text of the file: the same analysis.
            key = None if self._cut is None else tuple((self._units[i].key, part) for i, part in selection)
            known = _ANALYSES.get(key) if key is not None else None
            if known is not None:
                self._analyses[selection] = known
                return known
            if self._cut is None:
                module = self._tree(0).module
            else:
                module = self._assemble(selection)
            scope_of = MetadataWrapper(module, unsafe_skip_copy=True).resolve(_ScopeProvider)
            unique: dict[int, Scope] = {}
            for scope in scope_of.values():
                if scope is not None:
                    unique.setdefault(id(scope), scope)
            analysis = self._analyses[selection] = _Analysis(scope_of, tuple(unique.values()))
            if key is not None:
                _remember_analysis(key, analysis)
            return analysis

    def _resolution_selection(self, unit: Unit) -> Selection:
        """The unit, and every unit that may bind a name it reads: enough for libcst to give
        each name in the unit the meaning it has in the whole file. A function or class needed
        only for the name it defines comes without its body."""
        selection = self._selections.get(unit.index)
        if selection is not None:
            return selection
        if self._cut is None:
            selection = ((0, _Part.ALL),)
        else:
            relevant = unit.census.used
            chosen: dict[int, _Part] = {unit.index: _Part.ALL}
            if unit.owner is not None:
                chosen.setdefault(unit.owner, _Part.SHELL)
            # Only import lines and the units that may bind one of the names can be chosen.
            for other in self._cut.candidates(relevant):
                if chosen.get(other.index) is _Part.ALL:
                    continue
                if other.imports_only:
                    # Cheap to analyse, and what a codemod asks next ("is `os` imported?").
                    chosen[other.index] = _Part.ALL
                    continue
                # What the unit may bind first (known, and a set operation), its text after.
                part: _Part | None = None
                if other.kind is UnitKind.CLASS_HEAD:
                    if other.member_census.exported & relevant:
                        part = _Part.ALL
                    elif other.shell.exported & relevant:
                        part = _Part.SHELL
                elif other.census.exported & relevant:
                    stub = other.definition and not other.body_exported & relevant
                    part = _Part.STUB if stub else _Part.ALL
                if part is not None and not relevant.isdisjoint(other.words):
                    _choose(chosen, other, part)
            selection = tuple(sorted(chosen.items(), key=lambda item: item[0]))
        self._selections[unit.index] = selection
        return selection

    def _binding_selection(self, name: str, *, readers: bool) -> Selection:
        """Every unit that may bind ``name`` (with ``readers``: every unit whose text holds it,
        so that every read of it is seen too)."""
        if self._cut is None:
            return ((0, _Part.ALL),)
        chosen: dict[int, _Part] = {}
        for unit in self._units_mentioning(frozenset({name})):
            part: _Part | None = _Part.ALL if readers else None
            if part is None and unit.kind is UnitKind.CLASS_HEAD:
                if name in unit.member_census.bound:
                    part = _Part.ALL
                elif name in unit.shell.bound:
                    part = _Part.SHELL
            elif part is None and name in unit.census.bound:
                part = _Part.ALL
            if part is not None:
                _choose(chosen, unit, part)
        return tuple(sorted(chosen.items(), key=lambda item: item[0]))

    def scope(self, node: cst.CSTNode) -> Scope | None:
        unit = self._unit_of_node(node)
        if unit is None:
            return None
        return self._analysis(self._resolution_selection(unit)).scope_of.get(node)

    def qualified_names(self, node: cst.CSTNode) -> frozenset[str]:
        imported = self._imported_qualified_names(node)
        if imported is not None:
            return imported
        scope = self.scope(node)
        if scope is None:
            return frozenset()
        return frozenset(q.name for q in scope.get_qualified_names_for(node))

    def _imported_qualified_names(self, node: cst.CSTNode) -> frozenset[str] | None:
        """libcst's answer for a name that only earlier module-level import lines bind, asked
        of those lines' own analysis (shared by every text of the file) instead of one of the
        node's unit: the question the codemods ask of every call near a finding. None when
        anything else may bind the name, or the node is one libcst gives no scope."""
        if self._cut is None or self._cut.has_star_import:
            return None
        if isinstance(node, cst.Name):
            parent = self.parent(node)
            if (isinstance(parent, cst.Attribute) and parent.attr is node) or (
                isinstance(parent, cst.Arg) and parent.keyword is node
            ):
                return None
        elif not isinstance(node, cst.Attribute):
            return None
        if isinstance(self.parent(node), (cst.ImportFrom, cst.ImportAlias)):
            return None  # a name an import statement spells: the scope analysis answers
        full_name = get_full_name_for_node(node)
        if full_name is None:  # `"".join`, `f().x`: libcst names only what a name starts
            return frozenset()
        unit = self._unit_of_node(node)
        if unit is None or unit.kind is not UnitKind.STATEMENT:
            return None
        root = full_name.split(".")[0]
        if root in unit.census.bound:
            return None
        binders = self._cut.binders(root)
        if any(not b.imports_only or b.index > unit.index for b in binders):
            return None
        if binders:
            analysis = self._analysis(tuple((b.index, _Part.ALL) for b in binders))
            [scope] = [s for s in analysis.scopes if isinstance(s, GlobalScope)]
        else:
            scope = _builtins_only()  # nothing in the file binds it: a builtin, or nothing
        return frozenset(q.name for q in scope.get_qualified_names_for(full_name))

    def resolves_to(self, node: cst.CSTNode, names: frozenset[str] | set[str]) -> str | None:
        """The one qualified name ``node`` refers to when it is among ``names``; None when it refers
        to something else or could refer to several things."""
        found = self.qualified_names(node)
        if len(found) == 1 and next(iter(found)) in names:
            return next(iter(found))
        return None

    def assignments(self, name: str, *, with_references: bool = False) -> list[BaseAssignment]:
        """Every assignment of ``name`` in every scope of the file. ``with_references`` makes each
        one's ``references`` complete too (analysing every unit that mentions the name)."""
        root = name if with_references else name.split(".")[0]
        selection = self._binding_selection(root, readers=with_references)
        if not selection:
            return []  # no unit can bind it
        analysis = self._analysis(selection)
        return [a for scope in analysis.scopes for a in scope.assignments if a.name == name]

    @property
    def has_star_import(self) -> bool:
        if self._cut is not None:
            return self._cut.has_star_import
        return any(
            isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar)
            for node in self._parents
        )

    # --- names and imports --------------------------------------------------------------------

    def _name_free_except(self, name: str, allowed: Callable[[cst.CSTNode], bool]) -> bool:
        if self.has_star_import:
            return False
        for assignment in self.assignments(name):
            if not (isinstance(assignment, ImportAssignment) and allowed(assignment.node)):
                return False
        return True

    def _global_import(self, name: str, allowed: Callable[[cst.CSTNode], bool]) -> bool:
        return any(
            isinstance(a, ImportAssignment) and isinstance(a.scope, GlobalScope) and allowed(a.node)
            for a in self.assignments(name)
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
        grouped: dict[int, dict[int, tuple[cst.CSTNode, Replacement]]] = {}
        for old, new in replacements:
            unit = self._unit_of_node(old)
            if unit is not None:  # a node of another tree has nothing to replace here
                grouped.setdefault(unit.index, {})[id(old)] = (old, new)
        edited: dict[int, cst.Module] = {}
        for index, pairs in grouped.items():
            ancestors: set[int] = set()
            for old, _ in pairs.values():
                node = self.parent(old)
                while node is not None and id(node) not in ancestors:
                    ancestors.add(id(node))
                    node = self.parent(node)
            mapping = {key: new for key, (_, new) in pairs.items()}
            module = _rebuild(self._tree(index).module, mapping, ancestors)
            assert isinstance(module, cst.Module)
            edited[index] = module
        for need in dict.fromkeys(n for n in imports if n is not None):
            self._add_import(edited, need)
        # The edited units' code in place of their text; the text between them as it is.
        parts: list[str] = []
        offsets = self._cut.offsets if self._cut is not None else (0, len(self.source))
        done = 0
        for index in sorted(edited):
            unit = self._units[index]
            code = edited[index].code
            if not code.startswith(unit.prefix):
                raise UnitsUnusable(f"unit at line {unit.start} lost its stand-in header")
            parts += [self.source[done : offsets[index]], code[len(unit.prefix) :]]
            done = offsets[index + 1]
        parts.append(self.source[done:])
        text = "".join(parts)
        if text == self.source:
            return None
        derived = self._cut.edited(text) if self._cut is not None else None
        if derived is None:
            return text if parses(text) else None
        # The edited statements parse (``edited`` parsed them): the text's cut is known, and
        # the next codemod asking about this text starts from it.
        _remember(text, ParsedSource(text, derived))
        return text

    def _add_import(self, edited: dict[int, cst.Module], need: ImportNeed) -> None:
        """Insert one import line after the file's leading imports (after the docstring when
        there are none), exactly where ``add_import`` puts it in a whole module."""
        name, obj = need
        text = f"import {name}" if obj is None else f"from {name} import {obj}"
        statement = cst.parse_statement(text + self.default_newline)
        place = (next(self._top_level()).index, 0)  # (unit, index in its module's body)
        seen = 0  # top-level statements passed: all of them imports, or a docstring first
        for unit in self._top_level():
            body = self._edited_module(edited, unit.index).body
            for index, existing in enumerate(body):
                if not ((seen == 0 and _is_docstring(existing)) or _is_import_line(existing)):
                    break
                place = (unit.index, index + 1)
                seen += 1
            else:
                continue
            break
        unit_index, position = place
        module = self._edited_module(edited, unit_index)
        body = list(module.body)
        body.insert(position, statement)
        edited[unit_index] = module.with_changes(body=body)

    def _edited_module(self, edited: dict[int, cst.Module], index: int) -> cst.Module:
        module = edited.get(index)
        return self._tree(index).module if module is None else module


def _covers(done: Selection, wanted: Selection) -> bool:
    have = dict(done)
    return all(have.get(unit) in (_Part.ALL, part) for unit, part in wanted)


def _choose(chosen: dict[int, _Part], unit: Unit, part: _Part) -> None:
    current = chosen.get(unit.index)
    chosen[unit.index] = _Part.ALL if _Part.ALL in (current, part) else part
    if unit.owner is not None:
        chosen.setdefault(unit.owner, _Part.SHELL)


def _unit_statements(unit: Unit, module: cst.Module) -> tuple[Statement, ...] | None:
    """The unit's own statements, when the tree has the shape the ``ast`` cut expects."""
    if len(module.body) != 1:
        return None
    statement = module.body[0]
    if unit.kind is UnitKind.STATEMENT:
        return (statement,) if _same_shape(statement, unit.statements) else None
    if not isinstance(statement, cst.ClassDef) or not isinstance(statement.body, cst.IndentedBlock):
        return None
    if len(statement.body.body) != 1:
        return None
    if unit.kind is UnitKind.CLASS_HEAD:
        return (statement,) if _same_shape(statement.body.body[0], unit.inner) else None
    member = statement.body.body[0]
    if not isinstance(member, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return None
    return (member,) if _same_shape(member, unit.statements) else None


def _same_shape(statement: cst.BaseStatement, group: Sequence[ast.stmt]) -> bool:
    if len(group) > 1 or not is_compound(group[0]):
        return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == len(group)
    if isinstance(group[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return isinstance(statement, cst.FunctionDef)
    if isinstance(group[0], ast.ClassDef):
        return isinstance(statement, cst.ClassDef)
    return isinstance(statement, cst.BaseCompoundStatement)


def _rebuild(node: cst.CSTNode, mapping: dict[int, Replacement], ancestors: set[int]) -> Replacement:
    """``node`` with the mapped descendants replaced: only their ancestors are rebuilt."""
    replacement = mapping.get(id(node))
    if replacement is not None:
        return replacement
    if id(node) not in ancestors:
        return node
    changes: dict[str, object] = {}
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            new = _rebuild(value, mapping, ancestors)
            if new is not value:
                changes[name] = new
        elif isinstance(value, (list, tuple)):
            items: list[object] = []
            changed = False
            for item in value:
                new_item = _rebuild(item, mapping, ancestors) if isinstance(item, cst.CSTNode) else item
                if isinstance(new_item, cst.FlattenSentinel):
                    items.extend(new_item.nodes)
                    changed = True
                elif isinstance(new_item, cst.RemovalSentinel):
                    changed = True
                else:
                    items.append(new_item)
                    changed = changed or new_item is not item
            if changed:
                changes[name] = tuple(items)
    return node.with_changes(**changes) if changes else node


def parses(text: str) -> bool:
    try:
        parse_quietly(text)
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


def apply_parsed(source: str, edit: Callable[[ParsedSource], str | None]) -> str | None:
    """``edit`` on the shared parse of ``source`` (None when libcst cannot parse it), again on a
    whole-file parse if the file turns out not to parse unit by unit."""
    parsed = ParsedSource.parse(source)
    if parsed is None:
        return None
    try:
        return edit(parsed)
    except UnitsUnusable:
        parsed = ParsedSource.parse(source, whole=True)
        return None if parsed is None else edit(parsed)


_CACHE: OrderedDict[str, ParsedSource | None] = OrderedDict()
_CACHE_LOCK = threading.Lock()
# Scope analyses by the units they cover (their ``key``s and parts), shared by the texts of a
# file as codemods edit it one finding after another.
_ANALYSES: OrderedDict[tuple[tuple[object, _Part], ...], _Analysis] = OrderedDict()
_ANALYSES_SIZE = 64


def _remember(source: str, parsed: ParsedSource | None) -> None:
    with _CACHE_LOCK:
        _CACHE[source] = parsed
        _CACHE.move_to_end(source)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _remember_analysis(key: tuple[tuple[object, _Part], ...], analysis: _Analysis) -> None:
    with _CACHE_LOCK:
        _ANALYSES[key] = analysis
        _ANALYSES.move_to_end(key)
        while len(_ANALYSES) > _ANALYSES_SIZE:
            _ANALYSES.popitem(last=False)
