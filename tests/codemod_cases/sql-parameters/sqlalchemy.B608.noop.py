import sqlite3

from sqlalchemy import text


def find(session, name):
    return session.execute(text(f"SELECT * FROM items WHERE name = '{name}'"))


def find_raw(cursor, name):
    cursor.execute(f"SELECT * FROM items WHERE name = '{name}'")
