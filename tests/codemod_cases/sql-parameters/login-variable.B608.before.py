import sqlite3


def get_user(cursor: sqlite3.Cursor, username: str, password: str) -> str | None:
    # Look the user up by name and password.
    query = f"SELECT info FROM users WHERE username = '{username}' AND password = '{password}'"
    cursor.execute(query)
    result = cursor.fetchone()
    return result[0] if result else None
