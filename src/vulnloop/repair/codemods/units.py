"""A Python file cut into units that libcst can parse one at a time, read with ``ast`` only.

A unit is one top-level statement (``a = 1; b = 2`` is one) with the comment and blank lines that
follow it; a top-level class with several members is cut further: its first unit (the "head")
holds the decorators, the header and the first member, and each further member is a unit parsed
inside a one-line stand-in header (``class Name:``). The units' texts concatenate to the file.

For each unit a census tells which names it reads and which it may bind, anywhere inside or in
the scope it runs in ("exported": a module-level unit's globals, leaving out what functions,
lambdas, class bodies and comprehensions inside bind for themselves). "May bind" over-estimates
on purpose: every assignment target, parameter, definition, import, ``global`` name, ``:=``
target and match capture, plus every word of a string that libcst could read as an annotation
holding an import or a definition. A scope question about one unit then needs only the units
exporting the names it reads; "every binding of a name" needs only the units binding it.
"""
from __future__ import annotations

import ast
import bisect
import copy
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from vulnloop.fingerprints import STATEMENT_BODIES
from vulnloop.linediff import common_end, common_start
from vulnloop.quiet_parse import parse_quietly
from vulnloop.text_lines import LINE_BREAK, newline_of

_WORD = re.compile(r"\w+")
# Without one of these, a string annotation cannot bind a name when libcst parses it.
_STRING_BINDING = re.compile(r"import|def|class|type|global|nonlocal|lambda")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_COMPOUND: tuple[type[ast.stmt], ...] = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
    *_DEFINITIONS, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()),
)


def is_compound(statement: ast.stmt) -> bool:
    """A statement with a block, which libcst does not hold in a SimpleStatementLine."""
    return isinstance(statement, _COMPOUND)


class UnitKind(Enum):
    STATEMENT = "statement"  # one top-level statement
    CLASS_HEAD = "class head"  # a class's decorators, header and first member
    MEMBER = "member"  # a further member of that class, parsed inside a stand-in header


@dataclass(frozen=True)
class Census:
    bound: frozenset[str]  # bound anywhere, in any scope
    used: frozenset[str]  # read or written as a plain name anywhere
    exported: frozenset[str]  # may be bound in the scope the statements run in (see below)


@dataclass(eq=False)
class Unit:
    index: int
    kind: UnitKind
    start: int  # first line, 1-based
    text: str
    statements: tuple[ast.stmt, ...]  # what libcst holds as the unit's one statement
    inner: tuple[ast.stmt, ...]  # the statements the unit holds (a class head: its first member)
    prefix: str = ""  # parsed before ``text``: a member's stand-in class header
    owner: int | None = None  # a member's class head
    members: list[int] = field(default_factory=list)  # a class head's further members
    # What is learnt of the unit's text (its libcst tree, ...), shared with the unit's copies in
    # the cut of an edited text where this unit is unchanged; ``key`` names that text.
    memo: dict[str, Any] = field(default_factory=dict)
    key: object = field(default_factory=object)

    @property
    def top(self) -> int:
        """The index of the top-level unit this one belongs to (a member's class head)."""
        return self.index if self.owner is None else self.owner

    def moved(self, index: int, start: int) -> Unit:
        """This unit at another place, sharing what is known of its text."""
        shift = index - self.index
        unit = copy.copy(self)
        unit.index, unit.start = index, start
        unit.owner = None if self.owner is None else self.owner + shift
        unit.members = [m + shift for m in self.members]
        return unit

    def _own_nodes(self) -> list[ast.AST]:
        """The nodes this unit holds (a class head: not its further members)."""
        if self.kind is not UnitKind.CLASS_HEAD:
            return list(self.statements)
        cls = self.statements[0]
        assert isinstance(cls, ast.ClassDef)
        return [*cls.decorator_list, *cls.bases, *cls.keywords, *getattr(cls, "type_params", []), *self.inner]

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of the unit's text (code, strings, comments): wherever a name may be written."""
        return frozenset(_WORD.findall(self.text))

    @cached_property
    def star_import(self) -> bool:
        # Python accepts `import *` only at module level: statement blocks are enough to search.
        if self.kind is not UnitKind.STATEMENT:
            return False
        pending: list[ast.AST] = list(self.statements)
        while pending:
            node = pending.pop()
            if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                return True
            if isinstance(node, _DEFINITIONS):
                continue
            for name in STATEMENT_BODIES:
                children = getattr(node, name, ())
                if isinstance(children, list):
                    pending.extend(children)
        return False

    @cached_property
    def aliasing(self) -> tuple[tuple[tuple[str, str], ...], tuple[frozenset[str], ...]]:
        """(``import ... as name`` as (name, last part of what it imports), the words of each
        string holding "import"): what ``SourceUnits.alias_names`` looks through."""
        aliases: list[tuple[str, str]] = []
        strings: list[frozenset[str]] = []
        for node in (n for root in self._own_nodes() for n in ast.walk(root)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                aliases.extend((a.asname, a.name.rsplit(".", 1)[-1]) for a in node.names if a.asname)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "import" in node.value:
                strings.append(frozenset(_WORD.findall(node.value)))
        return tuple(aliases), tuple(strings)

    @cached_property
    def shell(self) -> Census:
        """What a class head binds and reads outside its members: its name, decorators, bases."""
        if self.kind is not UnitKind.CLASS_HEAD:
            return Census(frozenset(), frozenset(), frozenset())
        cls = self.statements[0]
        assert isinstance(cls, ast.ClassDef)
        outside = [*cls.decorator_list, *cls.bases, *cls.keywords, *getattr(cls, "type_params", [])]
        found = census_of(outside)
        return Census(found.bound | {cls.name}, found.used, found.exported | {cls.name})

    @cached_property
    def member_census(self) -> Census:
        """The unit's statements, without a class head's shell."""
        return census_of(self.inner)

    @cached_property
    def exports(self) -> frozenset[str]:
        """What the unit may bind where it runs (a class head: its name, in its shell, and what
        its first member binds in the class body)."""
        if self.kind is UnitKind.CLASS_HEAD:
            return self.member_census.exported | self.shell.exported
        return self.census.exported

    @cached_property
    def census(self) -> Census:
        shell, inner = self.shell, self.member_census
        return Census(shell.bound | inner.bound, shell.used | inner.used, shell.exported | inner.exported)

    @cached_property
    def imports_only(self) -> bool:
        """A line of imports at module level."""
        return self.kind is UnitKind.STATEMENT and all(
            isinstance(s, (ast.Import, ast.ImportFrom)) for s in self.statements
        )

    @property
    def definition(self) -> bool:
        """A lone function or class statement: a scope analysis that needs only the name it
        binds may leave its body out."""
        return (
            self.kind is UnitKind.STATEMENT
            and len(self.statements) == 1
            and isinstance(self.statements[0], _DEFINITIONS)
        )

    @cached_property
    def body_exported(self) -> frozenset[str]:
        """For a definition: the names its body may bind outside itself (``global``, ...)."""
        statement = self.statements[0]
        assert isinstance(statement, _DEFINITIONS)
        return census_of(statement.body, nested=True).exported


def census_of(nodes: Iterable[ast.AST], *, nested: bool = False) -> Census:
    """Names bound and read in ``nodes``. ``exported`` leaves out what only functions, lambdas,
    class bodies and comprehensions inside bind for themselves, but keeps what they may bind
    outside: ``global`` names, ``:=`` targets (libcst and Python disagree on where those go),
    and the words of strings libcst could parse as annotations holding definitions."""
    bound: set[str] = set()
    used: set[str] = set()
    exported: set[str] = set()
    pending: list[tuple[ast.AST, bool]] = [(node, nested) for node in nodes]
    while pending:
        node, inside = pending.pop()
        names: Iterable[str] = ()
        if isinstance(node, ast.Name):
            used.add(node.id)
            names = () if isinstance(node.ctx, ast.Load) else (node.id,)
        elif isinstance(node, ast.arg):
            names = (node.arg,)
        elif isinstance(node, _DEFINITIONS):
            names = (node.name,)
        elif isinstance(node, ast.alias):
            names = ((node.asname or node.name).split(".")[0],)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names = node.names
        elif isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if _STRING_BINDING.search(text):
                words = _WORD.findall(text)
                bound.update(words)
                exported.update(words)
        else:  # `except E as name`, match captures, PEP 695 type parameters
            names = [
                value for value in (getattr(node, "name", None), getattr(node, "rest", None))
                if isinstance(value, str)
            ]
        bound.update(names)
        if not inside or isinstance(node, ast.Global):
            exported.update(names)
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            exported.add(node.target.id)
        opens_scope = isinstance(node, (*_DEFINITIONS, ast.Lambda, *_COMPREHENSIONS))
        pending.extend((child, inside or opens_scope) for child in ast.iter_child_nodes(node))
    return Census(frozenset(bound), frozenset(used), frozenset(exported))


def _uniform_newlines(source: str, newline: str) -> bool:
    if newline == "\r\n":
        return source.count("\r") == source.count("\r\n") == source.count("\n")
    return (newline == "\n" and "\r" not in source) or (newline == "\r" and "\n" not in source)


def _groups(statements: Sequence[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Statements sharing a logical line (``a = 1; b = 2``), which libcst holds as one."""
    group: list[ast.stmt] = []
    for statement in statements:
        previous = group[-1] if group else None
        if previous is not None and not is_compound(previous) and statement.lineno == previous.end_lineno:
            group.append(statement)
            continue
        if group:
            yield group
        group = [statement]
    if group:
        yield group


def _opening_line(lines: Sequence[str], statement: ast.stmt, *, indented: bool) -> int | None:
    """The line of the statement's first token, when that token opens the line (not, say, a
    decorator expression continued from an ``@`` on an earlier line)."""
    decorators = getattr(statement, "decorator_list", None)
    line = decorators[0].lineno if decorators else statement.lineno
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    code = text.lstrip(" \t\x0c")
    if not code or code.startswith("#") or (decorators and not code.startswith("@")):
        return None
    if bool(text[: len(text) - len(code)].strip("\x0c")) != indented:
        return None
    return line


class SourceUnits:
    """The units of one file; ``cut`` gives None when the file is better parsed whole."""

    def __init__(
        self,
        source: str,
        units: list[Unit],
        newline: str,
        line_count: int,
        *,
        texts: list[str] | None = None,
        starts: list[int] | None = None,
    ) -> None:
        self.source = source
        self.units = units
        self.newline = newline
        self.line_count = line_count
        # Kept as lists of their own so that an edited text's cut makes them by slicing (in C).
        self._texts = [u.text for u in units] if texts is None else texts
        self._starts = [u.start for u in units] if starts is None else starts
        # Where each unit's text starts in the source, and where the last one ends.
        self.offsets = list(itertools.accumulate(map(len, self._texts), initial=0))
        self._word_units: dict[str, frozenset[object]] = {}  # see mentioning

    @classmethod
    def cut(cls, source: str) -> SourceUnits | None:
        newline = newline_of(source)
        if not _uniform_newlines(source, newline) or (newline != "\n" and not source.endswith(newline)):
            return None  # a unit could take another default newline than the file
        try:
            tree = parse_quietly(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        if not tree.body:
            return None
        lines = LINE_BREAK.split(source)
        offsets = [0, *(m.end() for m in LINE_BREAK.finditer(source))]

        def text(start: int, stop: int) -> str:
            return source[offsets[start - 1] : offsets[stop - 1] if stop <= len(offsets) else len(source)]

        groups = list(_groups(tree.body))
        starts = [line for g in groups if (line := _opening_line(lines, g[0], indented=False)) is not None]
        if len(starts) != len(groups):
            return None
        bounds = [1, *starts[1:], len(offsets) + 1]
        units: list[Unit] = []
        for group, start, stop in zip(groups, bounds, bounds[1:]):
            cls_node = group[0]
            members = list(_groups(cls_node.body)) if isinstance(cls_node, ast.ClassDef) else []
            if isinstance(cls_node, ast.ClassDef) and len(group) == 1 and len(members) >= 2:
                member_starts = [
                    line for m in members if (line := _opening_line(lines, m[0], indented=True)) is not None
                ]
                if len(member_starts) != len(members):
                    return None
                member_bounds = [*member_starts[1:], stop]
                head = Unit(
                    len(units), UnitKind.CLASS_HEAD, start,
                    text(start, member_bounds[0]), statements=(cls_node,), inner=tuple(members[0]),
                )
                units.append(head)
                prefix = f"class {cls_node.name}:{newline}"
                for member, m_start, m_stop in zip(members[1:], member_bounds, member_bounds[1:]):
                    head.members.append(len(units))
                    units.append(Unit(
                        len(units), UnitKind.MEMBER, m_start, text(m_start, m_stop),
                        statements=tuple(member), inner=tuple(member), prefix=prefix, owner=head.index,
                    ))
                continue
            units.append(Unit(
                len(units), UnitKind.STATEMENT, start, text(start, stop),
                statements=tuple(group), inner=tuple(group),
            ))
        return cls(source, units, newline, len(offsets))

    def unit_at_line(self, line: int) -> Unit | None:
        if not 0 < line <= self.line_count:
            return None
        return self.units[bisect.bisect_right(self._starts, line) - 1]  # the first unit starts at 1

    @property
    def has_star_import(self) -> bool:
        return bool(self._star_imports)

    @cached_property
    def _star_imports(self) -> frozenset[object]:
        """The keys of the units holding a star import."""
        return frozenset(unit.key for unit in self.units if unit.star_import)

    def alias_names(self, words: frozenset[str]) -> frozenset[str]:
        """Names through which something called one of ``words`` may be reached: what an
        ``import ... as name`` of it binds, and, in case libcst reads it as an annotation, every
        word of a string holding "import" together with one of ``words``."""
        found: set[str] = set()
        for aliases, strings in self._aliasing.values():
            found.update(alias for alias, name in aliases if name in words)
            for in_text in strings:
                if in_text & words:
                    found.update(in_text)
        return frozenset(found)

    @cached_property
    def _aliasing(self) -> dict[object, tuple[tuple[tuple[str, str], ...], tuple[frozenset[str], ...]]]:
        """Each unit's ``aliasing`` by its key, for the units with any."""
        return {unit.key: unit.aliasing for unit in self.units if unit.aliasing != ((), ())}

    def candidates(self, names: frozenset[str]) -> list[Unit]:
        """The import lines, and every unit that may bind one of ``names`` where it runs (a
        class head: in its body or as its name), in file order."""
        keys = set(self._imports)
        for name in names & self._exporters.keys():
            keys |= self._exporters[name]
        return [self.units[index] for index in sorted(self._index_of[key] for key in keys)]

    def mentioning(self, words: frozenset[str]) -> list[Unit]:
        """The units whose text (code, strings, comments) holds one of ``words`` as a whole word,
        in file order. Each word's units are found once per file and kept up to date by ``edited``."""
        keys: set[object] = set()
        for word in words:
            found = self._word_units.get(word)
            if found is None:
                found = self._word_units[word] = frozenset(u.key for u in self.units if word in u.words)
            keys |= found
        return [self.units[index] for index in sorted(self._index_of[key] for key in keys)]

    def binders(self, name: str) -> list[Unit]:
        """Every unit that may bind ``name`` where it runs."""
        return [self.units[self._index_of[key]] for key in self._exporters.get(name, ())]

    @cached_property
    def _imports(self) -> frozenset[object]:
        return frozenset(unit.key for unit in self.units if unit.imports_only)

    @cached_property
    def _exporters(self) -> dict[str, frozenset[object]]:
        """Name -> the keys of the units that may bind it where they run."""
        found: dict[str, set[object]] = {}
        for unit in self.units:
            for name in unit.exports:
                found.setdefault(name, set()).add(unit.key)
        return {name: frozenset(keys) for name, keys in found.items()}

    @cached_property
    def _index_of(self) -> dict[object, int]:
        return {unit.key: unit.index for unit in self.units}

    def edited(self, source: str) -> SourceUnits | None:
        """The cut of ``source``, a text that differs from this cut's in a few top-level
        statements: only those are cut again, the other units are kept (moved when lines were
        added or removed above them) with what is known of them. None when this is not cheaper
        or not possible (then ``cut`` the whole text).

        The statements cut again are parsed on their own; a text whose top-level statements
        each parse has the same statements as a whole, so a region that does not parse means
        the text does not."""
        old, units = self.source, self.units
        if newline_of(source) != self.newline or not _uniform_newlines(source, self.newline):
            return None
        if self.newline != "\n" and not source.endswith(self.newline):
            return None
        head = common_start(old, source)
        tail = common_end(old, source, min(len(old), len(source)) - head)
        # The units holding the changed characters (and their neighbours, should the change
        # sit on a boundary), widened to whole classes: members are cut with their class.
        first = bisect.bisect_right(self.offsets, max(head - 1, 0)) - 1
        last = bisect.bisect_right(self.offsets, min(len(old) - tail, len(old) - 1)) - 1
        first = units[first].top
        last = max([last, *units[units[last].top].members])
        if (last - first + 1) * 4 > len(units) > 8:
            return None  # most of the file: cutting it whole costs as much
        start, stop = self.offsets[first], self.offsets[last + 1] + len(source) - len(old)
        region = SourceUnits.cut(source[start:stop])
        if region is None:
            return None
        line = units[first].start
        fresh = [unit.moved(unit.index + first, unit.start + line - 1) for unit in region.units]
        index_shift = len(region.units) - (last + 1 - first)
        line_shift = source.count(self.newline, start, stop) - old.count(self.newline, self.offsets[first], self.offsets[last + 1])
        later = units[last + 1 :]
        if index_shift or line_shift:
            later = [unit.moved(unit.index + index_shift, unit.start + line_shift) for unit in later]
        later_starts = self._starts[last + 1 :]
        if line_shift:
            later_starts = [start + line_shift for start in later_starts]
        derived = SourceUnits(
            source,
            units[:first] + fresh + later,
            self.newline,
            self.line_count + line_shift,
            texts=self._texts[:first] + [unit.text for unit in fresh] + self._texts[last + 1 :],
            starts=self._starts[:first] + [unit.start for unit in fresh] + later_starts,
        )
        # What is known of the whole file, brought up to date with the units cut again.
        gone = {unit.key for unit in units[first : last + 1]}
        if "_aliasing" in self.__dict__:
            aliasing = {key: value for key, value in self._aliasing.items() if key not in gone}
            aliasing.update((u.key, u.aliasing) for u in fresh if u.aliasing != ((), ()))
            derived.__dict__["_aliasing"] = aliasing
        if "_imports" in self.__dict__:
            derived.__dict__["_imports"] = (self._imports - gone) | {u.key for u in fresh if u.imports_only}
        if "_exporters" in self.__dict__:
            exporters = dict(self._exporters)
            for unit in units[first : last + 1]:
                for name in unit.exports:
                    exporters[name] = exporters[name] - {unit.key}
            for unit in fresh:
                for name in unit.exports:
                    exporters[name] = exporters.get(name, frozenset()) | {unit.key}
            derived.__dict__["_exporters"] = exporters
        if "_index_of" in self.__dict__ and not index_shift:
            index_of = dict(self._index_of)
            for key in gone:
                del index_of[key]
            index_of.update((u.key, u.index) for u in fresh)
            derived.__dict__["_index_of"] = index_of
        for word, keys in self._word_units.items():
            if not gone.isdisjoint(keys) or any(word in u.words for u in fresh):
                keys = (keys - gone) | {u.key for u in fresh if word in u.words}
            derived._word_units[word] = keys
        if "_star_imports" in self.__dict__:
            stars = (self._star_imports - gone) | {u.key for u in fresh if u.star_import}
            derived.__dict__["_star_imports"] = frozenset(stars)
        return derived
