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


# Sources beyond Flask/Django/FastAPI request objects.
import http.server
import socketserver

import strawberry
import tornado.web


class PingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        # ruleid: vulnloop.command-injection
        os.system("ping -c 1 " + self.path)
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length).decode()
        # ruleid: vulnloop.command-injection
        subprocess.run("echo " + body, shell=True)
        # ok: vulnloop.command-injection
        os.system("uptime")


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline().strip()
        # ruleid: vulnloop.command-injection
        os.system(b"echo " + line)


def wsgi_app(environ, start_response):
    name = environ.get("QUERY_STRING", "")
    # ruleid: vulnloop.command-injection
    os.system("finger " + name)
    # ok: vulnloop.command-injection
    os.system("finger " + environ.get("SERVER_NAME", ""))
    start_response("200 OK", [])
    return [b""]


async def aiohttp_handler(request):
    host = request.match_info["host"]
    # ruleid: vulnloop.command-injection
    os.system("ping " + host)
    data = await request.post()
    # ruleid: vulnloop.command-injection
    os.popen("whois " + data["domain"])


class TornadoHandler(tornado.web.RequestHandler):
    def get(self, user_dir):
        # ruleid: vulnloop.command-injection
        os.system("ls " + self.get_argument("path"))
        # ruleid: vulnloop.command-injection
        os.system("du -sh " + user_dir)


class Query:
    def resolve_lookup(root, info, host):
        # ruleid: vulnloop.command-injection
        return os.popen("nslookup " + host).read()


@strawberry.type
class StrawberryQuery:
    @strawberry.field
    def lookup(self, info, host: str) -> str:
        # ruleid: vulnloop.command-injection
        return os.popen("dig " + host).read()


def serve(sock):
    conn, _ = sock.accept()
    command = conn.recv(1024).decode()
    # ruleid: vulnloop.command-injection
    subprocess.run(command, shell=True)


# Library input: a command built from a function's parameters, argv or input().
import sys


def archive(folder):
    # ruleid: vulnloop.command-injection-from-parameter
    os.system(f"tar czf backup.tgz {folder}")


def archive_quoted(folder):
    # ok: vulnloop.command-injection-from-parameter
    os.system(f"tar czf backup.tgz {shlex.quote(folder)}")


def run_given(command_line):
    # ok: vulnloop.command-injection-from-parameter
    subprocess.run(command_line, shell=True)


def archive_list(folder):
    # ok: vulnloop.command-injection-from-parameter
    subprocess.run(["tar", "czf", "backup.tgz", folder], check=True)


def main():
    # ruleid: vulnloop.command-injection-from-parameter
    os.system("grep -r " + sys.argv[1] + " .")
