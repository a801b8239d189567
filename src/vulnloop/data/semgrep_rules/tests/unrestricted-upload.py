# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os

from flask import Flask, abort, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
ALLOWED_EXTENSIONS = {"png", "jpg"}


def allowed_file(name):
    return "." in name and name.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


@app.route("/upload", methods=["POST"])
def upload():
    uploaded = request.files["file"]
    name = secure_filename(uploaded.filename)
    # ruleid: vulnloop.unrestricted-upload
    uploaded.save(os.path.join("/srv/uploads", name))
    return "ok"


@app.route("/upload-checked", methods=["POST"])
def upload_checked():
    uploaded = request.files["file"]
    if not allowed_file(uploaded.filename):
        abort(400)
    # ok: vulnloop.unrestricted-upload
    uploaded.save(os.path.join("/srv/uploads", secure_filename(uploaded.filename)))
    return "ok"


@app.route("/upload-inline", methods=["POST"])
def upload_inline():
    uploaded = request.files.get("file")
    if uploaded and uploaded.mimetype in {"image/png", "image/jpeg"}:
        # ok: vulnloop.unrestricted-upload
        uploaded.save("/srv/uploads/image")
    return "ok"
