# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
from flask import Flask, make_response

app = Flask(__name__)


@app.route("/set")
def set_cookie():
    response = make_response("ok")
    # ruleid: vulnloop.cookie-without-flags
    response.set_cookie("session_id", "abc123")
    # ruleid: vulnloop.cookie-without-flags
    response.set_cookie("theme", "dark", secure=True)
    # ok: vulnloop.cookie-without-flags
    response.set_cookie("session_id", "abc123", secure=True, httponly=True, samesite="Lax")
    return response



def copy_jar(jar, new_jar):
    for cookie in jar:
        # ok: vulnloop.cookie-without-flags
        new_jar.set_cookie(cookie)


@app.route("/logout")
def logout():
    response = make_response("bye")
    # ok: vulnloop.cookie-without-flags
    response.set_cookie("session", "", expires=0)
    return response
