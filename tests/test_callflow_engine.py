"""The callflow engine: untrusted data crossing function boundaries inside one file, and the
look-alikes it must leave alone (validated, converted, flows inside one function)."""
from __future__ import annotations

from sarif_helpers import assert_valid_sarif

from vulnloop.config import Config
from vulnloop.engines.callflow import CallflowEngine
from vulnloop.engines.sarif_parse import findings_from_sarif
from vulnloop.findings import Level
from vulnloop.pipeline import build_engines
from vulnloop.report.sarif import sarif_log
from vulnloop.sources import SourceFile

VIEWS = '''import os
import subprocess as sp
from flask import Flask, request

app = Flask(__name__)


def run_tool(cmd):
    os.system("tool " + cmd)


def run_checked(cmd):
    os.system("tool " + cmd)


def run_number(cmd):
    os.system("tool " + cmd)


def wrapper(value):
    run_tool(value)


def search_term():
    term = request.args.get("q", "")
    return term.strip()


@app.route("/a")
def view():
    wrapper(request.args["c"])
    sp.call(f"grep {search_term()}", shell=True)
    choice = request.args["mode"]
    if choice not in {"fast", "slow"}:
        return "no"
    run_checked(choice)
    run_number(str(int(request.args["n"])))
    os.system(request.args["inline"])
    return "ok"
'''


def scan(text: str, path: str = "app.py"):
    return CallflowEngine().scan([SourceFile(path, text)])


def test_request_data_through_parameters_returns_and_two_calls_reaches_the_sink() -> None:
    result = scan(VIEWS)
    by_line = {f.start_line: f for f in result.findings}
    # run_tool's sink, reached from view() through wrapper(): the message names the route.
    assert by_line[9].rule_id == "vulnloop.callflow-command-injection" and by_line[9].cwes == (78,)
    assert "view()" in by_line[9].message and "wrapper() parameter value" in by_line[9].message
    assert "run_tool() parameter cmd" in by_line[9].message
    # search_term() returns request data that view() runs through a shell (module alias sp).
    assert "returned by search_term()" in by_line[32].message
    assert by_line[32].confidence == Level.MEDIUM and by_line[32].fingerprint
    # Allow-list checked, converted to int, and the flow inside view() alone: not ours to report.
    assert sorted(by_line) == [9, 32]


def test_methods_keywords_and_handler_attributes() -> None:
    code = '''from http.server import BaseHTTPRequestHandler


class Handler(BaseHTTPRequestHandler):
    def lookup(self, cur, name):
        cur.execute("SELECT * FROM users WHERE name = '%s'" % name)

    def do_GET(self):
        self.lookup(name=self.path[1:], cur=self.server.db)


class Plain:
    def lookup(self, cur, name):
        cur.execute("SELECT * FROM users WHERE name = '%s'" % name)

    def run(self):
        self.lookup(self.server.db, self.path)
'''
    result = scan(code)
    assert [(f.start_line, f.cwes) for f in result.findings] == [(6, (89,))]
    assert "Handler.do_GET()" in result.findings[0].message


def test_datagram_payload_not_its_sender_decides_the_destination() -> None:
    code = '''import socket


def parse(packet):
    host, body = packet.decode().split(":", 1)
    return host, body


def reply(sock, host, body):
    sock.sendto(body.encode(), (host, 9000))


def serve():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    while True:
        packet, sender = sock.recvfrom(2048)
        host, body = parse(packet)
        reply(sock, host, body)
        reply(sock, sender[0], body)
'''
    result = scan(code)
    assert [(f.start_line, f.rule_id) for f in result.findings] == [(10, "vulnloop.callflow-datagram-destination")]
    assert "serve()" in result.findings[0].message


def test_command_line_input_is_low_confidence_and_recursion_settles() -> None:
    code = '''import sys
import requests


def fetch(url, depth):
    if depth:
        return fetch(url, depth - 1)
    return requests.get(url, timeout=5)


fetch(sys.argv[1], 3)
'''
    result = scan(code)
    assert [(f.start_line, f.cwes, f.confidence) for f in result.findings] == [(8, (918,), Level.LOW)]
    assert "at module level" in result.findings[0].message


def test_unparseable_files_are_skipped_and_sarif_carries_the_findings() -> None:
    deep = "def f(x):\n    return " + "+".join(["x"] * 5000) + "\n"
    result = CallflowEngine().scan(
        [SourceFile("bad.py", "def (:\n"), SourceFile("deep.py", deep), SourceFile("app.py", VIEWS)]
    )
    assert [(s.path, s.engine) for s in result.skipped] == [("bad.py", "callflow"), ("deep.py", "callflow")]
    log = sarif_log(result, tool_versions={"callflow": "1"})
    assert_valid_sarif(log)
    back = findings_from_sarif(log, sources={"app.py": VIEWS}, engine=None)
    assert sorted((f.engine, f.rule_id, f.start_line, f.cwes) for f in back) == sorted(
        (f.engine, f.rule_id, f.start_line, f.cwes) for f in result.findings
    )


def test_auto_runs_the_callflow_engine(tmp_path) -> None:
    engines, _ = build_engines(Config(), tmp_path)
    assert "callflow" in [e.name for e in engines]
