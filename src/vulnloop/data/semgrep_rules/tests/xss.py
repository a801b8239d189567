# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import html

from flask import Flask, Response, jsonify, make_response, render_template, request
from markupsafe import Markup, escape

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: vulnloop.reflected-xss
    return "<h1>Hello " + name + "</h1>"


@app.route("/user/<username>")
def profile(username):
    # ruleid: vulnloop.reflected-xss
    return f"<p>{username}</p>"


@app.route("/response")
def response():
    # ruleid: vulnloop.reflected-xss
    return make_response("<b>%s</b>" % request.args["q"])


@app.route("/markup")
def markup():
    # ruleid: vulnloop.reflected-xss
    body = Markup(request.args["body"])
    return render_template("page.html", body=body)


@app.route("/escaped")
def escaped():
    name = escape(request.args.get("name", ""))
    # ok: vulnloop.reflected-xss
    return "<h1>Hello " + name + "</h1>"


@app.route("/html-escaped")
def html_escaped():
    # ok: vulnloop.reflected-xss
    return "<p>" + html.escape(request.args["q"]) + "</p>"


@app.route("/template")
def template():
    # ok: vulnloop.reflected-xss
    return render_template("hello.html", name=request.args["name"])


@app.route("/json")
def json_view():
    # ok: vulnloop.reflected-xss
    return jsonify(query=request.args["q"])


@app.route("/dict")
def dict_view():
    # ok: vulnloop.reflected-xss
    return {"query": request.args["q"]}


@app.route("/plain")
def plain():
    # ok: vulnloop.reflected-xss
    return Response(request.args["q"], mimetype="text/plain")


@app.route("/number")
def number():
    # ok: vulnloop.reflected-xss
    return "<p>%d</p>" % int(request.args["n"])


def django_view(request):
    from django.http import HttpResponse
    # ruleid: vulnloop.reflected-xss
    return HttpResponse("<p>" + request.GET["q"] + "</p>")


from werkzeug.utils import redirect as werkzeug_redirect


@app.route("/go")
def go():
    # ok: vulnloop.reflected-xss
    return werkzeug_redirect("/home?from=" + request.args["from"])
