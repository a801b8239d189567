import sqlite3


def count_rows(cursor, table, owner):
    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE owner = '{owner}'")
    return cursor.fetchone()[0]


def sorted_rows(cursor, column):
    cursor.execute(f"SELECT * FROM items ORDER BY '{column}'")
    return cursor.fetchall()


def where_clause(cursor, condition):
    cursor.execute(f"SELECT * FROM items WHERE {condition}")
    return cursor.fetchall()


def id_list(cursor, ids):
    cursor.execute(f"SELECT * FROM items WHERE id IN ({ids})")
    return cursor.fetchall()


def two_statements(cursor, name):
    cursor.execute(f"SELECT * FROM items WHERE name = '{name}'; DELETE FROM log")


def commented(cursor, name):
    cursor.execute(f"SELECT * FROM items WHERE name = '{name}' -- newest first")


def formatted(cursor, price):
    cursor.execute(f"SELECT * FROM items WHERE price = {price:.2f}")


def already_parameters(cursor, name, kind):
    cursor.execute(f"SELECT * FROM items WHERE name = '{name}' AND kind = ?", (kind,))


def used_again(cursor, name):
    query = f"SELECT * FROM items WHERE name = '{name}'"
    cursor.execute(query)
    print(query)
