# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
from django.http import HttpResponse
from flask import Flask, Response, make_response, request

app = Flask(__name__)


@app.route("/lang")
def lang():
    response = make_response("ok")
    # ruleid: vulnloop.header-injection
    response.headers["Content-Language"] = request.args["lang"]
    return response


@app.route("/custom")
def custom():
    response = Response("ok")
    # ruleid: vulnloop.header-injection
    response.headers.add("X-Trace", request.headers.get("X-Request-Id"))
    return response


@app.route("/ctor")
def ctor():
    # ruleid: vulnloop.header-injection
    return Response("ok", headers={"X-Name": request.args["name"]})


def django_view(request):
    response = HttpResponse("ok")
    # ruleid: vulnloop.header-injection
    response["X-User"] = request.GET["user"]
    return response


@app.route("/stripped")
def stripped():
    response = make_response("ok")
    value = request.args["lang"].replace("\r", "").replace("\n", "")
    # ok: vulnloop.header-injection
    response.headers["Content-Language"] = value
    return response


@app.route("/fixed")
def fixed():
    response = make_response("ok")
    # ok: vulnloop.header-injection
    response.headers["Cache-Control"] = "no-store"
    return response


@app.route("/dict-not-response")
def dict_not_response():
    cache = {}
    # ok: vulnloop.header-injection
    cache["lang"] = request.args["lang"]
    return "ok"


@app.route("/content-type")
def content_type():
    # ruleid: vulnloop.header-injection
    return Response("ok", content_type=request.args["type"])


@app.route("/headers-object")
def headers_object():
    from werkzeug.datastructures import Headers
    headers = Headers()
    # ruleid: vulnloop.header-injection
    headers.add("X-Name", request.args["name"])
    return Response("ok", headers=headers)


@app.route("/fixed-type")
def fixed_type():
    # ok: vulnloop.header-injection
    return Response(request.args["q"], content_type="text/plain")


def with_language(headers, language):
    # ruleid: vulnloop.header-injection-from-parameter
    headers["Content-Language"] = language
    return headers


def with_language_cleaned(headers, language):
    language = language.replace("\r", "").replace("\n", "")
    # ok: vulnloop.header-injection-from-parameter
    headers["Content-Language"] = language
    return headers


def with_language_checked(headers, language):
    if language not in {"en", "fr"}:
        return headers
    # ok: vulnloop.header-injection-from-parameter
    headers["Content-Language"] = language
    return headers


def with_line_breaks_refused(response, name):
    if "\r" in name or "\n" in name:
        raise ValueError("line break in a header value")
    # ok: vulnloop.header-injection-from-parameter
    response.headers["X-Name"] = name


def with_line_feed_refused_by_return(headers, name):
    if "\n" in name:
        return None
    # ok: vulnloop.header-injection-from-parameter
    headers["X-Name"] = name
    return headers


def with_line_breaks_only_logged(headers, name, log):
    if "\n" in name:
        log.warning("line break in %r", name)
    # ruleid: vulnloop.header-injection-from-parameter
    headers["X-Name"] = name
    return headers


def remember(cache, key, value):
    # ok: vulnloop.header-injection-from-parameter
    cache[key] = value
