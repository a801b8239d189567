# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import shutil
from pathlib import Path

from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/read")
def read():
    name = request.args.get("name")
    # ruleid: vulnloop.path-traversal
    with open(os.path.join(BASE, name)) as handle:
        return handle.read()


@app.route("/download/<path:filename>")
def download(filename):
    # ruleid: vulnloop.path-traversal
    return send_file(BASE + "/" + filename)


@app.route("/delete", methods=["POST"])
def delete():
    target = request.form["target"]
    # ruleid: vulnloop.path-traversal
    os.remove(f"{BASE}/{target}")
    return "deleted"


@app.route("/upload", methods=["POST"])
def upload():
    uploaded = request.files["file"]
    # ruleid: vulnloop.path-traversal
    uploaded.save(os.path.join(BASE, uploaded.filename))
    return "ok"


@app.route("/pathlib")
def pathlib_read():
    path = Path(BASE) / request.args["name"]
    # ruleid: vulnloop.path-traversal
    return path.read_text()


@app.route("/copy")
def copy():
    # ruleid: vulnloop.path-traversal
    shutil.copy("/srv/template.txt", request.args["dest"])
    return "ok"


@app.route("/safe-name")
def safe_name():
    name = secure_filename(request.args["name"])
    # ok: vulnloop.path-traversal
    with open(os.path.join(BASE, name)) as handle:
        return handle.read()


@app.route("/from-directory")
def from_directory():
    # ok: vulnloop.path-traversal
    return send_from_directory(BASE, request.args["name"])


@app.route("/checked")
def checked():
    path = os.path.realpath(os.path.join(BASE, request.args["name"]))
    if not path.startswith(BASE + os.sep):
        return "forbidden", 403
    # ok: vulnloop.path-traversal
    with open(path) as handle:
        return handle.read()


@app.route("/basename")
def basename():
    name = os.path.basename(request.args["name"])
    # ok: vulnloop.path-traversal
    return send_file(os.path.join(BASE, name))


@app.route("/allow-listed")
def allow_listed():
    name = request.args["name"]
    if name not in {"a.txt", "b.txt"}:
        return "no", 404
    # ok: vulnloop.path-traversal
    return open(os.path.join(BASE, name)).read()


def not_a_view(name):
    # ok: vulnloop.path-traversal
    # ruleid: vulnloop.path-traversal-from-parameter
    return open(os.path.join(BASE, name)).read()


def django_view(request):
    # ruleid: vulnloop.path-traversal
    with open(os.path.join(BASE, request.GET["doc"]), "rb") as handle:
        return handle.read()


# Library input: a path joined from a function's parameters.
def read_from_dir(filename, dir_path):
    # ruleid: vulnloop.path-traversal-from-parameter
    with open(os.path.join(dir_path, filename)) as handle:
        return handle.read()


def read_checked(filename: str, dir_path: str) -> str:
    full = os.path.realpath(os.path.join(dir_path, filename))
    if not full.startswith(os.path.realpath(dir_path) + os.sep):
        return ""
    # ok: vulnloop.path-traversal-from-parameter
    return open(full).read()


def read_base_name(filename, dir_path):
    # ok: vulnloop.path-traversal-from-parameter
    return Path(dir_path, os.path.basename(filename)).read_text()


def open_given_path(path):
    # ok: vulnloop.path-traversal-from-parameter
    return open(path).read()


def report_file(day: int):
    # ok: vulnloop.path-traversal-from-parameter
    return open(f"/var/reports/{day}.txt").read()


def user_dir(name):
    # ruleid: vulnloop.path-traversal-from-parameter
    return (Path("/home") / name / "notes.txt").read_text()


def read_config(config_dir):
    # ok: vulnloop.path-traversal-from-parameter
    return open(os.path.join(config_dir, "settings.ini")).read()


def read_note(name):
    # ruleid: vulnloop.path-traversal-from-parameter
    return open(f"/srv/notes/{name}.txt").read()


@app.route("/workspace")
def enter_workspace():
    team = request.args.get("team", "")
    # ruleid: vulnloop.path-traversal
    os.chdir(f"/srv/teams/{team}")
    # ok: vulnloop.path-traversal
    os.chdir(os.path.join("/srv/teams", secure_filename(team)))
    return ",".join(sorted(os.listdir(".")))
