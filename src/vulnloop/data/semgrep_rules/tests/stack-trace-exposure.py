# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import traceback

from flask import Flask, jsonify

app = Flask(__name__)
logger = app.logger


def work():
    raise ValueError("boom")


@app.route("/trace")
def trace():
    try:
        work()
    except Exception:
        # ruleid: vulnloop.stack-trace-exposure
        return traceback.format_exc(), 500
    return "ok"


@app.route("/message")
def message():
    try:
        work()
    except Exception as error:
        # ruleid: vulnloop.stack-trace-exposure
        return jsonify(error=str(error)), 500
    return "ok"


@app.route("/generic")
def generic():
    try:
        work()
    except Exception:
        logger.exception("work failed")
        # ok: vulnloop.stack-trace-exposure
        return jsonify(error="internal error"), 500
    return "ok"


@app.route("/type-name")
def type_name():
    try:
        work()
    except Exception as error:
        # ok: vulnloop.stack-trace-exposure
        return jsonify(error=type(error).__name__), 500
    return "ok"


def not_a_view():
    try:
        work()
    except Exception as error:
        # ok: vulnloop.stack-trace-exposure
        return str(error)
