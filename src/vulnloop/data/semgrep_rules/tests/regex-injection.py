# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import re

from flask import Flask, request

app = Flask(__name__)


@app.route("/search")
def search():
    pattern = request.args["pattern"]
    # ruleid: vulnloop.regex-injection
    matcher = re.compile(pattern)
    return str(bool(matcher.search("text")))


@app.route("/match")
def match():
    # ruleid: vulnloop.regex-injection
    return str(re.search("^" + request.args["prefix"], "some text"))


@app.route("/escaped")
def escaped():
    # ok: vulnloop.regex-injection
    return str(re.search(re.escape(request.args["word"]), "some text"))


@app.route("/subject")
def subject():
    # ok: vulnloop.regex-injection
    return str(re.fullmatch(r"[a-z]+", request.args["word"]))


@app.route("/count")
def count():
    # ruleid: vulnloop.regex-injection
    return str(len(re.findall(request.args["pattern"], "some text")))


@app.route("/count-int")
def count_int():
    # ok: vulnloop.regex-injection
    return str(re.findall("a" * int(request.args.get("n", "1")), "some text"))


# Library input: a pattern taken from a function's parameters.
def search_pattern(pattern, content):
    # ruleid: vulnloop.regex-injection-from-parameter
    return bool(re.search(pattern, content))


def search_literal(pattern, content):
    # ok: vulnloop.regex-injection-from-parameter
    return bool(re.search(re.escape(pattern), content))
