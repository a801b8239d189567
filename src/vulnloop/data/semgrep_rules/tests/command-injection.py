# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the frameworks' APIs, not taken from any dataset.
import os
import shlex
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args["host"]
    # ruleid: vulnloop.command-injection
    os.system("ping -c 1 " + host)
    return "done"


@app.route("/run")
def run():
    # ruleid: vulnloop.command-injection
    output = subprocess.check_output(f"ls {request.args['dir']}", shell=True)
    return output


@app.route("/popen")
def popen():
    # ruleid: vulnloop.command-injection
    return os.popen("cat %s" % request.values["file"]).read()


@app.route("/program")
def program():
    # ruleid: vulnloop.command-injection
    subprocess.run([request.args["program"], "--version"])
    return "ok"


@app.route("/sh-c")
def sh_c():
    # ruleid: vulnloop.command-injection
    subprocess.call(["sh", "-c", "echo " + request.args["text"]])
    return "ok"


@app.route("/quoted")
def quoted():
    host = shlex.quote(request.args["host"])
    # ok: vulnloop.command-injection
    os.system("ping -c 1 " + host)
    return "done"


@app.route("/argument-list")
def argument_list():
    # ok: vulnloop.command-injection
    subprocess.run(["ping", "-c", "1", request.args["host"]], check=True)
    return "done"


@app.route("/allowed")
def allowed():
    tool = request.args["tool"]
    if tool not in ("uptime", "df"):
        return "no"
    # ok: vulnloop.command-injection
    return subprocess.check_output(tool, shell=True)


@app.route("/constant")
def constant():
    # ok: vulnloop.command-injection
    return subprocess.check_output("uptime", shell=True)
