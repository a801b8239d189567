# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import base64
import os
import pickle
from multiprocessing.connection import Listener

import joblib
import jsonpickle
import torch
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/load", methods=["POST"])
def load():
    # ruleid: vulnloop.unsafe-deserialization
    data = pickle.loads(base64.b64decode(request.form["state"]))
    return str(data)


@app.route("/config", methods=["POST"])
def config():
    # ruleid: vulnloop.unsafe-deserialization, vulnloop.unsafe-deserializer
    return str(yaml.load(request.data, Loader=yaml.Loader))


@app.route("/cookie")
def cookie():
    # ruleid: vulnloop.unsafe-deserialization
    return str(pickle.loads(bytes.fromhex(request.cookies["session"])))


@app.route("/safe-yaml", methods=["POST"])
def safe_yaml():
    # ok: vulnloop.unsafe-deserialization
    return str(yaml.load(request.data, Loader=yaml.SafeLoader))


@app.route("/json", methods=["POST"])
def json_body():
    import json
    # ok: vulnloop.unsafe-deserialization
    return str(json.loads(request.data))


def local_cache(path):
    # ruleid: vulnloop.unsafe-deserializer
    model = torch.load(path)
    # ok: vulnloop.unsafe-deserializer
    weights = torch.load(path, weights_only=True)
    # ruleid: vulnloop.unsafe-deserializer
    obj = jsonpickle.decode(open(path).read())
    # ruleid: vulnloop.unsafe-deserializer
    conf = yaml.load(open(path), Loader=yaml.FullLoader)
    # ok: vulnloop.unsafe-deserializer
    safe = yaml.safe_load(open(path))
    return model, weights, obj, conf, safe


def load_model(path):
    # ruleid: vulnloop.unsafe-deserializer
    return joblib.load(path)


def serve_workers(address):
    # ruleid: vulnloop.unauthenticated-object-channel
    listener = Listener(address)
    # ok: vulnloop.unauthenticated-object-channel
    secure = Listener(address, authkey=os.environ["IPC_KEY"].encode())
    return listener, secure


# ruleid: vulnloop.pickle-serializer-setting
CELERY_ACCEPT_CONTENT = ["json", "pickle"]
# ok: vulnloop.pickle-serializer-setting
CELERY_TASK_SERIALIZER = "json"


def configure(app):
    # ruleid: vulnloop.pickle-serializer-setting
    app.conf.task_serializer = "pickle"
    # ok: vulnloop.pickle-serializer-setting
    app.conf.accept_content = ["json"]


def restore_session(blob):
    import _pickle as fast_pickle
    # ruleid: vulnloop.unsafe-deserializer
    return fast_pickle.loads(blob)


def save_session(state):
    import _pickle as fast_pickle
    # ok: vulnloop.unsafe-deserializer
    return fast_pickle.dumps(state)
