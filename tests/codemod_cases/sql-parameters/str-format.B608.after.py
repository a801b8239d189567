import sqlite3


async def delete_note(db: sqlite3.Connection, owner: str, note_id: str) -> None:
    sql = "DELETE FROM notes WHERE owner = ? AND id = ?"
    db.execute(sql, (owner, note_id))
