"""Codemods answering CodeQL findings, which point at a call's argument (the sink) rather than
at the call. No CodeQL CLI runs here, so the findings are built the way CodeQL's SARIF locates
them: 1-based lines, columns of the flagged expression, end exclusive."""
from __future__ import annotations

import pytest
from codemod_helpers import parses

from vulnloop.findings import Finding, Level
from vulnloop.repair.codemods import codemods_for


def _codeql(rule_id: str, source: str, flagged: str) -> Finding:
    """A CodeQL-style finding on the last appearance of ``flagged`` in ``source`` (the sink)."""
    offset = source.rindex(flagged)
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return Finding(
        engine="codeql", rule_id=rule_id, cwes=(), severity=Level.HIGH, confidence=Level.HIGH,
        path="app.py", start_line=line, end_line=line, start_col=column,
        end_col=column + len(flagged), message="",
    )


def _repair(finding: Finding, source: str) -> str | None:
    codemods = codemods_for(finding)
    assert codemods, f"no codemod answers {finding.rule_id}"
    for codemod in codemods:
        result = codemod.apply(source, finding)
        if result is not None:
            assert parses(result)
            return result
    return None


CASES = [
    (
        "py/unsafe-deserialization",
        "import base64\nimport yaml\n\n\ndef load(payload):\n    return yaml.load(base64.b64decode(payload))\n",
        "base64.b64decode(payload)",
        "import base64\nimport yaml\n\n\ndef load(payload):\n    return yaml.safe_load(base64.b64decode(payload))\n",
    ),
    (
        "py/xxe",
        "from lxml import etree\n\n\ndef parse(xml_data):\n    return etree.fromstring(xml_data)\n",
        "xml_data)",
        (
            "from lxml import etree\n\n\ndef parse(xml_data):\n"
            "    return etree.fromstring(xml_data, parser=etree.XMLParser(resolve_entities=False, no_network=True))\n"
        ),
    ),
    (
        "py/xml-bomb",
        "import xml.etree.ElementTree as ET\n\n\ndef parse(text):\n    return ET.fromstring(text)\n",
        "text)",
        "import defusedxml.ElementTree as ET\n\n\ndef parse(text):\n    return ET.fromstring(text)\n",
    ),
    (
        "py/insecure-default-protocol",
        "import ssl\n\ncontext = ssl.SSLContext()\n",
        "ssl.SSLContext()",
        (
            "import ssl\n\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS)\n"
            "context.minimum_version = ssl.TLSVersion.TLSv1_2\n"
        ),
    ),
    (
        "py/insecure-protocol",
        "import ssl\n\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLSv1)\n",
        "ssl.SSLContext(ssl.PROTOCOL_TLSv1)",
        (
            "import ssl\n\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS)\n"
            "context.minimum_version = ssl.TLSVersion.TLSv1_2\n"
        ),
    ),
    (
        "py/request-without-cert-validation",
        "import requests\n\nsession = requests.Session()\nsession.get(url, verify=False)\n",
        "session.get(url, verify=False)",
        "import requests\n\nsession = requests.Session()\nsession.get(url, verify=True)\n",
    ),
    (
        "py/bind-socket-all-network-interfaces",
        "import socket\n\ns = socket.socket()\ns.bind(('0.0.0.0', 80))\n",
        "s.bind(('0.0.0.0', 80))",
        "import socket\nimport os\n\ns = socket.socket()\ns.bind((os.environ.get('APP_HOST', '127.0.0.1'), 80))\n",
    ),
    (
        "py/weak-sensitive-data-hashing",
        "import hashlib\n\n\ndef fingerprint(certificate):\n    return hashlib.sha1(certificate).hexdigest()\n",
        "certificate)",
        "import hashlib\n\n\ndef fingerprint(certificate):\n    return hashlib.sha256(certificate).hexdigest()\n",
    ),
    (
        "py/insecure-temporary-file",
        (
            "import tempfile\n\n\ndef dump(text):\n    name = tempfile.mktemp()\n    with open(name, 'w') as f:\n"
            "        f.write(text)\n"
        ),
        "tempfile.mktemp()",
        (
            "import tempfile\nimport os\n\n\ndef dump(text):\n    fd, name = tempfile.mkstemp()\n    os.close(fd)\n"
            "    with open(name, 'w') as f:\n        f.write(text)\n"
        ),
    ),
    (
        "py/jinja2/autoescape-false",
        "from jinja2 import Environment\n\nenv = Environment(autoescape=False)\n",
        "Environment(autoescape=False)",
        (
            "from jinja2 import Environment\n\n"
            "env = Environment(autoescape=True)\n"
        ),
    ),
    (
        "py/flask-debug",
        "from flask import Flask\n\napp = Flask(__name__)\napp.run(debug=True)\n",
        "app.run(debug=True)",
        "from flask import Flask\n\napp = Flask(__name__)\napp.run(debug=False)\n",
    ),
    (
        "py/tarslip",
        "import tarfile\n\nwith tarfile.open(path) as archive:\n    archive.extractall(dest)\n",
        "archive",
        "import tarfile\n\nwith tarfile.open(path) as archive:\n    archive.extractall(dest, filter=\"data\")\n",
    ),
    (
        "py/paramiko-missing-host-key-validation",
        "import paramiko\n\nc = paramiko.SSHClient()\nc.set_missing_host_key_policy(paramiko.AutoAddPolicy)\n",
        "paramiko.AutoAddPolicy",
        "import paramiko\n\nc = paramiko.SSHClient()\nc.load_system_host_keys()\nc.set_missing_host_key_policy(paramiko.RejectPolicy)\n",
    ),
]


@pytest.mark.parametrize(("rule_id", "source", "flagged", "expected"), CASES, ids=[c[0] for c in CASES])
def test_codeql_finding_is_repaired(rule_id: str, source: str, flagged: str, expected: str) -> None:
    assert _repair(_codeql(rule_id, source, flagged), source) == expected


REFUSED = [
    (  # a parser of the program's own choosing: defusedxml's protection is its parser
        "py/xxe",
        "from lxml import etree\n\n\ndef parse(data, parser):\n    return etree.fromstring(data, parser)\n",
        "data, parser)",
    ),
    (  # pickle has no safe drop-in: yaml's codemod must not touch it
        "py/unsafe-deserialization",
        "import pickle\n\n\ndef load(blob):\n    return pickle.loads(blob)\n",
        "blob)",
    ),
    (  # passwords need a key-derivation function, not SHA-256
        "py/weak-sensitive-data-hashing",
        "import hashlib\n\n\ndef check(password):\n    return hashlib.sha1(password).hexdigest()\n",
        "password)",
    ),
]


@pytest.mark.parametrize(("rule_id", "source", "flagged"), REFUSED, ids=[c[0] for c in REFUSED])
def test_codeql_finding_without_safe_rewrite_is_refused(rule_id: str, source: str, flagged: str) -> None:
    assert _repair(_codeql(rule_id, source, flagged), source) is None
