"""sql_template: which holes of a query become placeholders, on plain strings."""
from __future__ import annotations

import pytest

from vulnloop.repair.codemods.sql_template import FORMAT, QMARK, placeholder_query


@pytest.mark.parametrize(
    ("texts", "placeholder", "expected"),
    [
        (["SELECT a FROM t WHERE u = '", "' AND p = '", "'"], QMARK, "SELECT a FROM t WHERE u = ? AND p = ?"),
        (["SELECT * FROM t WHERE id = ", " LIMIT ", " OFFSET ", ""], FORMAT, "SELECT * FROM t WHERE id = %s LIMIT %s OFFSET %s"),
        (["UPDATE t SET a = '", "' WHERE id >= ", ";"], QMARK, "UPDATE t SET a = ? WHERE id >= ?;"),
        (["INSERT INTO t (a, b) VALUES ('", "', '", "')"], QMARK, "INSERT INTO t (a, b) VALUES (?, ?)"),
        (["SELECT * FROM t WHERE a LIKE 'x%' AND b = '", "'"], FORMAT, "SELECT * FROM t WHERE a LIKE 'x%%' AND b = %s"),
        (["SELECT * FROM t WHERE a = 'it''s' AND b = '", "'"], QMARK, "SELECT * FROM t WHERE a = 'it''s' AND b = ?"),
        (["SELECT * FROM t WHERE name IN ('", "', '", "')"], QMARK, "SELECT * FROM t WHERE name IN (?, ?)"),
    ],
)
def test_whole_values_become_placeholders(texts: list[str], placeholder: str, expected: str) -> None:
    assert placeholder_query(texts, placeholder) == expected


@pytest.mark.parametrize(
    "texts",
    [
        ["SELECT * FROM t WHERE a LIKE '%", "%'"],  # inside a longer literal
        ["SELECT * FROM ", " WHERE a = 1"],  # a table name
        ["SELECT * FROM t JOIN ", " ON t.a = u.a"],
        ["SELECT * FROM 'x', '", "'"],  # SQLite reads a quoted name after FROM
        ["INSERT INTO t ('", "') VALUES (1)"],  # a column list
        ["UPDATE ", " SET a = 1"],
        ["SELECT * FROM t ORDER BY ", ""],
        ["SELECT * FROM t GROUP BY '", "'"],
        ["SELECT a AS '", "' FROM t"],
        ["SELECT a '", "' FROM t"],  # an alias without AS
        ["SELECT * FROM t WHERE ", ""],  # a fragment
        ["SELECT * FROM t WHERE a = 1 AND ", ""],
        ["SELECT * FROM t WHERE id IN (", ")"],  # a list in one value
        ["SELECT * FROM t WHERE a = ", "_x"],  # part of a name
        ["SELECT * FROM t WHERE a = t.", ""],
        ["SELECT * FROM t WHERE a = \"", "\""],  # a quoted name
        ["SELECT * FROM t WHERE a = '", "'; DROP TABLE t"],  # several statements
        ["SELECT * FROM t WHERE a = '", "' -- note"],  # comments
        ["SELECT * FROM t WHERE a = '", "' /* note */"],
        ["SELECT * FROM t WHERE a = '", "' # note"],
        ["SELECT * FROM t WHERE a = 'x\\' AND b = '", "'"],  # a backslash escape (MySQL)
        ["CREATE TABLE t (a TEXT DEFAULT '", "')"],  # DDL takes no parameters
        ["SELECT * FROM t WHERE a = '", "' AND b = ?"],  # the query's own markers (sqlite3)
        ["SELECT * FROM t WHERE a = '", "' AND b = :b"],
        ["SELECT * FROM t WHERE a = '", ""],  # unterminated
    ],
)
def test_other_holes_are_refused(texts: list[str]) -> None:
    assert placeholder_query(texts, QMARK) is None


def test_a_driver_that_keeps_percent_doubled_refuses_literal_percent() -> None:
    texts = ["SELECT * FROM t WHERE a LIKE 'x%' AND b = '", "'"]
    assert placeholder_query(texts, FORMAT, percent_doubles=False) is None
    assert placeholder_query(["SELECT * FROM t WHERE b = '", "'"], FORMAT, percent_doubles=False) == (
        "SELECT * FROM t WHERE b = %s"
    )
