# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os

from django.http import HttpResponseForbidden
from flask import Flask, abort, request, session

app = Flask(__name__)


@app.route("/admin")
def admin_panel():
    role = request.cookies.get("role")
    # ruleid: vulnloop.client-controlled-authorization
    if role == "admin":
        return "welcome"
    abort(403)


@app.route("/report")
def report():
    # ruleid: vulnloop.client-controlled-authorization
    if request.headers.get("X-Is-Admin") == "true":
        return "all reports"
    # ok: vulnloop.client-controlled-authorization
    if session.get("role") == "admin":
        return "all reports"
    # ok: vulnloop.client-controlled-authorization
    if request.args.get("page") == "1":
        return "first page"
    return "own reports"


def delete_user(request, user_id):
    # ruleid: vulnloop.client-controlled-authorization
    if not request.GET.get("is_staff"):
        return HttpResponseForbidden()
    # ok: vulnloop.client-controlled-authorization
    if not request.user.is_staff:
        return HttpResponseForbidden()
    return None


@app.route("/profile", methods=["POST"])
def update_profile():
    user = load_user(session["user_id"])
    # ok: vulnloop.privilege-from-client-data
    user.display_name = request.form["display_name"]
    # ruleid: vulnloop.privilege-from-client-data
    user.role = request.form.get("role", "user")
    for field, value in request.json.items():
        # ruleid: vulnloop.privilege-from-client-data
        setattr(user, field, value)
    # ruleid: vulnloop.privilege-from-client-data
    session["is_admin"] = request.form.get("admin")
    return "saved"


@app.route("/invite", methods=["POST"])
def invite():
    role = request.form["role"]
    if role not in {"viewer", "editor"}:
        abort(400)
    user = load_user(request.form["user_id"])
    # ok: vulnloop.privilege-from-client-data
    user.role = role
    return "invited"


def load_user(user_id):
    return user_id


@app.route("/run-as", methods=["POST"])
def run_as():
    # ruleid: vulnloop.privilege-from-client-data
    os.setuid(int(request.form["uid"]))
    return "ok"
