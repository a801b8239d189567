"""``cursor.execute(f"... WHERE name = '{name}'")`` ->
``cursor.execute("... WHERE name = ?", (name,))``: the values go to the driver as parameters.

The query may be an f-string, ``"..." % (a, b)`` with ``%s`` only, or ``"...".format(...)``
without conversions or format specs, written in the call or assigned to a local name in the
statement just before and used only there. The placeholder style is the driver's the file
imports (sqlite3 ``?``, the MySQL and PostgreSQL drivers ``%s``); a file importing several
drivers, or none we know, is declined, and so is every query ``sql_template`` cannot read as
plain values in value places.
"""
from __future__ import annotations

import ast
import string
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, FunctionScope

from vulnloop.findings import Finding
from vulnloop.quiet_parse import quiet_warnings
from vulnloop.repair.codemods.catalogue import INFOS
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    calls_in,
    positional_args,
    string_value,
)
from vulnloop.repair.codemods.sql_template import FORMAT, QMARK, placeholder_query

# Driver module -> its placeholder. Every %s driver here but mysql.connector turns %% back to %.
_DRIVERS = {
    "sqlite3": QMARK, "aiosqlite": QMARK,
    "psycopg2": FORMAT, "psycopg": FORMAT, "pymysql": FORMAT, "MySQLdb": FORMAT,
    "mysql.connector": FORMAT, "aiomysql": FORMAT, "aiopg": FORMAT,
}
_NO_PERCENT_DOUBLING = frozenset({"mysql.connector"})
# Database libraries with another placeholder style, or their own query API: a file using one
# of them may be executing through it.
_OTHER_DATABASES = frozenset({
    "sqlalchemy", "django", "asyncpg", "pyodbc", "cx_Oracle", "oracledb", "pandas", "peewee",
    "databases", "records", "duckdb", "pymssql", "pg8000", "apsw", "sqlite", "mysql", "snowflake",
    "ibm_db", "clickhouse_driver", "tortoise", "pony", "sqlmodel", "dataset", "psycopg2cffi",
})
_MODULE_WORDS = frozenset(name.split(".")[0] for name in (*_DRIVERS, *_OTHER_DATABASES))


@dataclass(frozen=True)
class _Query:
    """A query built in Python: its literal parts around the values put into it."""

    node: cst.BaseExpression
    literal: cst.SimpleString | cst.FormattedString  # whose quotes the new literal keeps
    texts: tuple[str, ...]
    values: tuple[cst.BaseExpression, ...]


def _fstring_query(node: cst.FormattedString) -> _Query | None:
    """The parts of an f-string without conversions or format specs, read by ``ast`` (which
    undoes escapes and ``{{``) beside libcst's expressions, in the same order."""
    expressions = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
    if any(p.conversion or p.format_spec or p.equal for p in expressions):
        return None
    try:
        with quiet_warnings():
            tree = ast.parse(cst.Module(body=[]).code_for_node(node), mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(tree, ast.JoinedStr):
        return None
    texts = [""]
    for value in tree.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            texts[-1] += value.value
        elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
            texts.append("")
        else:
            return None
    if len(texts) != len(expressions) + 1:
        return None
    return _Query(node, node, tuple(texts), tuple(p.expression for p in expressions))


def _percent_query(node: cst.BinaryOperation) -> _Query | None:
    """``"... %s ..." % (a, b)``: ``%s`` and ``%%`` only, a tuple of as many values."""
    template = string_value(node.left)
    if not isinstance(node.left, cst.SimpleString) or template is None:
        return None
    if not isinstance(node.right, cst.Tuple) or any(isinstance(e, cst.StarredElement) for e in node.right.elements):
        return None
    texts = [""]
    pieces = template.split("%")
    texts[-1] += pieces[0]
    index = 1
    while index < len(pieces):
        piece = pieces[index]
        if piece == "" and index + 1 < len(pieces):  # %%
            texts[-1] += "%" + pieces[index + 1]
            index += 2
        elif piece.startswith("s"):
            texts.append(piece[1:])
            index += 1
        else:
            return None
    values = tuple(e.value for e in node.right.elements)
    if len(values) != len(texts) - 1:
        return None
    return _Query(node, node.left, tuple(texts), values)


def _format_query(node: cst.Call) -> _Query | None:
    """``"... {} ... {name}".format(a, name=b)``: plain fields only, every argument used."""
    assert isinstance(node.func, cst.Attribute)
    literal = node.func.value
    template = string_value(literal)
    if not isinstance(literal, cst.SimpleString) or template is None:
        return None
    if any(arg.star for arg in node.args):
        return None
    positional = [arg.value for arg in node.args if arg.keyword is None]
    keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
    texts, values, used, automatic = [""], [], set(), 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for text, field, spec, conversion in fields:
        texts[-1] += text
        if field is None:
            continue
        if spec or conversion:
            return None
        if field == "":
            field, automatic = str(automatic), automatic + 1
        key: int | str = int(field) if field.isdigit() else field
        if isinstance(key, int) and key < len(positional):
            values.append(positional[key])
        elif isinstance(key, str) and key in keywords:
            values.append(keywords[key])
        else:
            return None  # `{0.name}`, `{x[1]}`, a missing argument
        used.add(key)
        texts.append("")
    if used != set(range(len(positional))) | set(keywords):
        return None
    return _Query(node, literal, tuple(texts), tuple(values))


def _query(node: cst.BaseExpression) -> _Query | None:
    if isinstance(node, cst.FormattedString):
        return _fstring_query(node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        return _percent_query(node)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "format"
        and isinstance(node.func.value, cst.SimpleString)
    ):
        return _format_query(node)
    return None


def _render_literal(literal: cst.SimpleString | cst.FormattedString, text: str) -> cst.SimpleString | None:
    """``text`` as a plain string literal with the original's quotes (its f, r and u prefixes
    dropped: every escape needed is written here)."""
    if isinstance(literal, cst.FormattedString):
        quote = literal.end
    else:
        quote = literal.quote
    body = []
    for char in text:
        if char == quote[0] or (char in "\r\t" if len(quote) == 3 else char in "\n\r\t"):
            body.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, "\\" + char))
        elif not char.isprintable() and char != "\n":
            return None
        else:
            body.append(char)
    return cst.SimpleString(quote + "".join(body) + quote)


def _is_execute(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "execute"


def _execute_shape_ok(call: cst.Call) -> bool:
    """Only the query: a call that already passes parameters (or keywords) is someone's design."""
    return len(call.args) == 1 and len(positional_args(call)) == 1


@dataclass(frozen=True)
class _Site:
    call: cst.Call
    query: _Query
    moved: bool  # the query is assigned in the statement before: its values move to the call


class SqlParameters(ParsedCodemod):
    info = INFOS["sql_parameters"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        placeholder = self._placeholder(parsed)
        site = self._site(parsed, finding)
        if placeholder is None or site is None:
            return None
        if site.moved and not all(_is_plain_value(v) for v in site.query.values):
            return None  # evaluated one statement later now: only values reading names
        sql = placeholder_query(
            site.query.texts, placeholder[0], percent_doubles=placeholder[1] not in _NO_PERCENT_DOUBLING
        )
        if sql is None:
            return None
        literal = _render_literal(site.query.literal, sql)
        if literal is None:
            return None
        new_call = self._with_parameters(site.call, site.query, literal if not site.moved else None)
        replacements: list[tuple[cst.CSTNode, cst.CSTNode]] = [(site.call, new_call)]
        if site.moved:
            replacements.append((site.query.node, literal))
        return parsed.render(replacements)

    @staticmethod
    def _with_parameters(call: cst.Call, query: _Query, literal: cst.SimpleString | None) -> cst.Call:
        first = call.args[0]
        elements = [
            cst.Element(value=v, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            for v in query.values
        ]
        last = len(elements) - 1
        elements[last] = elements[last].with_changes(
            comma=cst.Comma() if last == 0 else cst.MaybeSentinel.DEFAULT
        )
        parameters = cst.Arg(
            value=cst.Tuple(elements=elements), comma=first.comma, whitespace_after_arg=first.whitespace_after_arg
        )
        new_first = first.with_changes(
            value=literal if literal is not None else first.value,
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        return call.with_changes(args=[new_first, parameters])

    @staticmethod
    def _placeholder(parsed: ParsedSource) -> tuple[str, str] | None:
        """The placeholder of the one driver the file imports, and that driver."""
        found: set[str] = set()
        for statement in parsed.statements_mentioning(_MODULE_WORDS):
            for module in _imported_modules(statement, parsed):
                driver = next((d for d in _DRIVERS if module == d or module.startswith(d + ".")), None)
                if driver is not None:
                    found.add(driver)
                elif module.split(".")[0] in _OTHER_DATABASES:
                    found.add(module)
        if len(found) != 1:
            return None
        [driver] = found
        return (_DRIVERS[driver], driver) if driver in _DRIVERS else None

    def _site(self, parsed: ParsedSource, finding: Finding) -> _Site | None:
        """The execute call and its query, from a finding on the call (CodeQL, Semgrep) or on
        the string built (Bandit)."""
        call = parsed.locate(finding, cst.Call, _is_execute)
        if call is not None:
            if not _execute_shape_ok(call):
                return None
            argument = call.args[0].value
            if not isinstance(argument, cst.Name):
                query = _query(argument)
                return None if query is None else _Site(call, query, moved=False)
            statement = _statement_of(parsed, call)
            previous = _sibling(parsed, statement, -1) if statement is not None else None
            value = _assigned_value(previous, argument.value)
            query = _query(value) if value is not None else None
            if query is None or not _used_once(parsed, previous, argument):
                return None
            return _Site(call, query, moved=True)
        built = parsed.locate(finding, cst.BaseExpression, lambda n: _query(n) is not None)  # type: ignore[type-abstract]
        if built is None:
            return None
        query = _query(built)
        assert query is not None
        holder = parsed.parent(built)
        if isinstance(holder, cst.Arg):
            execute = parsed.parent(holder)
            if isinstance(execute, cst.Call) and _is_execute(execute) and _execute_shape_ok(execute):
                return _Site(execute, query, moved=False) if execute.args[0] is holder else None
            return None
        assign = holder
        line = parsed.parent(assign) if assign is not None else None
        if not (isinstance(assign, cst.Assign) and isinstance(line, cst.SimpleStatementLine)):
            return None
        target = assign.targets[0].target
        following = _sibling(parsed, line, 1)
        if len(assign.targets) != 1 or not isinstance(target, cst.Name) or following is None:
            return None
        for call in calls_in(following):
            if _is_execute(call) and _execute_shape_ok(call) and isinstance(call.args[0].value, cst.Name):
                argument = call.args[0].value
                if argument.value == target.value and _statement_of(parsed, call) is following:
                    return _Site(call, query, moved=True) if _used_once(parsed, line, argument) else None
        return None


def _imported_modules(statement: cst.CSTNode, parsed: ParsedSource) -> list[str]:
    """The modules a statement imports (``from mysql import connector`` counts as
    ``mysql.connector``)."""
    found: list[str] = []

    class Imports(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.extend(parsed.code(alias.name) for alias in node.names)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if node.relative or node.module is None:
                return
            module = parsed.code(node.module)
            found.append(module)
            if not isinstance(node.names, cst.ImportStar):
                found.extend(f"{module}.{parsed.code(alias.name)}" for alias in node.names)

    statement.visit(Imports())
    return found


def _is_plain_value(node: cst.BaseExpression) -> bool:
    """A name, an attribute of one, or one subscripted by a constant: nothing a statement's
    delay could change by itself."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _is_plain_value(node.value)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        return (
            isinstance(index, cst.Index)
            and isinstance(index.value, (cst.Integer, cst.SimpleString))
            and _is_plain_value(node.value)
        )
    return False


def _statement_of(parsed: ParsedSource, node: cst.CSTNode) -> cst.BaseStatement | None:
    """The statement of a function body holding ``node``, provided ``node`` runs once when it
    runs: not inside a nested block, loop condition, lambda or comprehension."""
    current = parsed.parent(node)
    child: cst.CSTNode = node
    while current is not None:
        if isinstance(current, cst.IndentedBlock):
            return child if isinstance(child, cst.BaseStatement) else None
        if isinstance(current, (cst.While, cst.Lambda, cst.SimpleStatementSuite, cst.BaseComp, cst.FunctionDef)):
            return None
        if isinstance(current, cst.BaseCompoundStatement) and not isinstance(child, cst.BaseExpression):
            return None  # inside the body of an if/for/with, not its header
        child, current = current, parsed.parent(current)
    return None


def _sibling(parsed: ParsedSource, statement: cst.CSTNode, step: int) -> cst.BaseStatement | None:
    block = parsed.parent(statement)
    if not isinstance(block, cst.IndentedBlock):
        return None
    body = list(block.body)
    index = next(i for i, s in enumerate(body) if s is statement) + step
    return body[index] if 0 <= index < len(body) else None


def _assigned_value(statement: cst.BaseStatement | None, name: str) -> cst.BaseExpression | None:
    """The value of ``statement`` when it is exactly ``name = <value>``."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target = assign.targets[0].target
    return assign.value if isinstance(target, cst.Name) and target.value == name else None


def _used_once(parsed: ParsedSource, line: cst.BaseStatement | None, argument: cst.Name) -> bool:
    """The function-local name is bound by ``line`` only and read by ``argument`` only."""
    scope = parsed.scope(argument)
    if line is None or not isinstance(scope, FunctionScope):
        return False
    assignments = list(scope[argument.value])
    if len(assignments) != 1 or assignments[0].scope is not scope or not isinstance(assignments[0], Assignment):
        return False
    references = list(assignments[0].references)
    return (
        len(references) == 1
        and references[0].node is argument
        and _statement_of(parsed, assignments[0].node) is line
    )


CODEMOD = SqlParameters()
