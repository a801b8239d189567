import sqlite3

import psycopg2


def find(cursor, name):
    cursor.execute(f"SELECT * FROM items WHERE name = '{name}'")
    return cursor.fetchall()
