import sqlite3


def find(cursor, names):
    query = f"SELECT * FROM items WHERE name = '{names.pop()}'"
    cursor.execute(query)
    return cursor.fetchall()
