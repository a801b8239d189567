"""SQLite storage for expenses, plus draft and CSV export helpers."""
import base64
import csv
import pickle
import sqlite3
import tempfile

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT UNIQUE NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS expenses (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    category TEXT NOT NULL,
    amount REAL NOT NULL,
    currency TEXT NOT NULL DEFAULT 'USD',
    description TEXT,
    receipt_path TEXT,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""

EXPORT_COLUMNS = ["id", "category", "amount", "currency", "description", "created_at"]


def get_db(path):
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    db.executescript(SCHEMA)
    return db


def add_expense(db, owner_id, category, amount, currency, description, receipt_path=None):
    db.execute(
        "INSERT INTO expenses (owner_id, category, amount, currency, description, receipt_path)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (owner_id, category, amount, currency, description, receipt_path),
    )
    db.commit()


def find_expenses(db, owner_id, category=None, sort="created_at"):
    """Expenses of one user, optionally filtered by category and sorted by any column."""
    query = f"SELECT * FROM expenses WHERE owner_id = {owner_id}"
    if category:
        query += f" AND category = '{category}'"
    query += f" ORDER BY {sort} DESC"
    return db.execute(query).fetchall()


def save_draft(draft):
    """Serialise a half-filled expense form so it can live in a cookie."""
    return base64.b64encode(pickle.dumps(draft)).decode("ascii")


def load_draft(cookie_value):
    return pickle.loads(base64.b64decode(cookie_value))


def export_csv(rows):
    """Write the rows to a temporary CSV file and return its path."""
    path = tempfile.mktemp(suffix=".csv", prefix="expenses-")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([row[column] for column in EXPORT_COLUMNS])
    return path
