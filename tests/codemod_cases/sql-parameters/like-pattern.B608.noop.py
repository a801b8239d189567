import sqlite3


def search(cursor, term):
    cursor.execute(f"SELECT name FROM items WHERE name LIKE '%{term}%'")
    return cursor.fetchall()
