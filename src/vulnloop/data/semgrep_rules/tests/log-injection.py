# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import logging

from flask import Flask, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.route("/login", methods=["POST"])
def login():
    username = request.form["username"]
    # ruleid: vulnloop.log-injection
    logger.info("login attempt for %s", username)
    return "ok"


@app.route("/search")
def search():
    # ruleid: vulnloop.log-injection
    app.logger.warning("search: " + request.args["q"])
    return "ok"


@app.route("/root")
def root():
    # ruleid: vulnloop.log-injection
    logging.error(f"bad input {request.args.get('x')}")
    return "ok"


@app.route("/cleaned")
def cleaned():
    username = request.args["u"].replace("\n", "").replace("\r", "")
    # ok: vulnloop.log-injection
    logger.info("user %s", username)
    return "ok"


@app.route("/repr")
def with_repr():
    # ok: vulnloop.log-injection
    logger.info("user %s", repr(request.args["u"]))
    return "ok"


@app.route("/constant")
def constant():
    # ok: vulnloop.log-injection
    logger.info("search requested")
    return "ok"
