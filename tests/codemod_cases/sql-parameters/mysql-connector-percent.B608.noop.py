import mysql.connector


def find(cursor, name):
    cursor.execute(f"SELECT * FROM items WHERE code LIKE 'A%' AND name = '{name}'")
    return cursor.fetchall()
