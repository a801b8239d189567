# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import ast
import importlib

import jinja2
import sympy
from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/calc")
def calc():
    expression = request.args["expr"]
    # ruleid: vulnloop.code-injection
    return str(eval(expression))


@app.route("/run", methods=["POST"])
def run():
    # ruleid: vulnloop.code-injection, vulnloop.dynamic-code-execution
    exec("result = " + request.form["code"])
    return "ok"


@app.route("/plugin")
def plugin():
    # ruleid: vulnloop.code-injection
    module = importlib.import_module(request.args["name"])
    return module.__name__


@app.route("/literal")
def literal():
    # ok: vulnloop.code-injection
    return str(ast.literal_eval(request.args["value"]))


@app.route("/constant")
def constant():
    # ok: vulnloop.code-injection
    return str(eval("1 + 2"))


@app.route("/greet")
def greet():
    name = request.args.get("name", "")
    # ruleid: vulnloop.template-injection
    return render_template_string("<p>Hello " + name + "</p>")


@app.route("/jinja")
def jinja():
    # ruleid: vulnloop.template-injection
    template = jinja2.Template(request.args["template"])
    return template.render()


@app.route("/env")
def env():
    environment = jinja2.Environment(autoescape=True)
    # ruleid: vulnloop.template-injection
    return environment.from_string(request.form["tpl"]).render()


@app.route("/context")
def context():
    # ok: vulnloop.template-injection
    return render_template_string("<p>Hello {{ name }}</p>", name=request.args["name"])


@app.route("/plot")
def plot():
    # ruleid: vulnloop.code-injection
    return str(sympy.sympify(request.args["expression"]))


def make_getter(field):
    # ruleid: vulnloop.dynamic-code-execution
    return eval(f"lambda record: record.{field}")


def run_step(step_name, context):
    source = "result = handle_" + step_name + "(context)"
    # ruleid: vulnloop.dynamic-code-execution
    exec(source, {"context": context})


def load_constant(text):
    # ok: vulnloop.dynamic-code-execution
    return eval("1 + 2")


def compile_template(generated):
    # ok: vulnloop.dynamic-code-execution
    return compile(generated, "<template>", "exec")


def serve_rpc(server, api):
    # ruleid: vulnloop.xmlrpc-dotted-names
    server.register_instance(api, allow_dotted_names=True)
    # ok: vulnloop.xmlrpc-dotted-names
    server.register_instance(api)
