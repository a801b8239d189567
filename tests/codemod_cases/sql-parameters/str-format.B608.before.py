import sqlite3


async def delete_note(db: sqlite3.Connection, owner: str, note_id: str) -> None:
    sql = "DELETE FROM notes WHERE owner = '{}' AND id = {}".format(owner, note_id)
    db.execute(sql)
