# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import sqlite3

from flask import Flask, request
from sqlalchemy import text

app = Flask(__name__)


@app.route("/user")
def user():
    conn = sqlite3.connect("app.db")
    cursor = conn.cursor()
    name = request.args["name"]
    # ruleid: vulnloop.sql-injection
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return str(cursor.fetchall())


@app.route("/order")
def order():
    conn = sqlite3.connect("app.db")
    # ruleid: vulnloop.sql-injection
    rows = conn.execute(f"SELECT * FROM items ORDER BY {request.args['sort']}").fetchall()
    return str(rows)


@app.route("/alchemy")
def alchemy(session=None):
    query = "DELETE FROM posts WHERE id = " + request.form["id"]
    # ruleid: vulnloop.sql-injection
    session.execute(text(query))
    return "ok"


def django_view(request):
    from myapp.models import User
    # ruleid: vulnloop.sql-injection
    users = User.objects.raw("SELECT * FROM auth_user WHERE username = '" + request.GET["u"] + "'")
    return list(users)


@app.route("/param")
def param():
    conn = sqlite3.connect("app.db")
    # ok: vulnloop.sql-injection
    rows = conn.execute("SELECT * FROM users WHERE name = ?", (request.args["name"],)).fetchall()
    return str(rows)


@app.route("/int")
def int_id():
    conn = sqlite3.connect("app.db")
    # ok: vulnloop.sql-injection
    rows = conn.execute("SELECT * FROM users WHERE id = %d" % int(request.args["id"])).fetchall()
    return str(rows)


@app.route("/allow")
def allow():
    column = request.args["sort"]
    if column not in ("name", "created"):
        return "bad", 400
    conn = sqlite3.connect("app.db")
    # ok: vulnloop.sql-injection
    return str(conn.execute("SELECT * FROM items ORDER BY " + column).fetchall())


# Library input: SQL built from a function's parameters.
def find_user(connection, username):
    cursor = connection.cursor()
    # ruleid: vulnloop.sql-injection-from-parameter
    cursor.execute(f"SELECT * FROM users WHERE name = '{username}'")
    return cursor.fetchone()


def find_user_safely(connection, username):
    cursor = connection.cursor()
    # ok: vulnloop.sql-injection-from-parameter
    cursor.execute("SELECT * FROM users WHERE name = ?", (username,))
    return cursor.fetchone()


def count_rows(connection, limit: int):
    # ok: vulnloop.sql-injection-from-parameter
    return connection.execute("SELECT count(*) FROM t LIMIT %d" % limit).fetchone()
