# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import shutil

from fastapi import FastAPI, UploadFile
from flask import Flask, abort, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
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


def django_upload(request):
    uploaded = request.FILES["document"]
    with open(os.path.join("/srv/media", uploaded.name), "wb") as destination:
        # ruleid: vulnloop.unrestricted-upload
        for chunk in uploaded.chunks():
            destination.write(chunk)
    return None


def django_upload_checked(request):
    uploaded = request.FILES["document"]
    if not allowed_file(uploaded.name):
        return None
    with open(os.path.join("/srv/media", "document.png"), "wb") as destination:
        # ok: vulnloop.unrestricted-upload
        destination.write(uploaded.read())
    return None


@api.post("/files")
async def fastapi_upload(file: UploadFile):
    with open(os.path.join("/srv/files", file.filename), "wb") as destination:
        # ruleid: vulnloop.unrestricted-upload
        shutil.copyfileobj(file.file, destination)
    return {"ok": True}


@api.post("/images")
async def fastapi_upload_checked(file: UploadFile):
    if file.content_type not in {"image/png", "image/jpeg"}:
        return {"ok": False}
    with open("/srv/files/image", "wb") as destination:
        # ok: vulnloop.unrestricted-upload
        destination.write(await file.read())
    return {"ok": True}
