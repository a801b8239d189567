import sqlite3


def get_user(cursor: sqlite3.Cursor, username: str, password: str) -> str | None:
    # Look the user up by name and password.
    query = "SELECT info FROM users WHERE username = ? AND password = ?"
    cursor.execute(query, (username, password))
    result = cursor.fetchone()
    return result[0] if result else None
