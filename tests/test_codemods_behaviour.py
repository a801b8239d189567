"""What a codemod's output does when it runs: our own small programs, repaired and then run, so
that a repair Bandit accepts is also one that works (no code under review runs here)."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from codemod_helpers import marked_finding, scan

from vulnloop.repair.codemods import load


def _run(code: str, **names: object) -> dict[str, object]:
    """Run our own repaired fixture and return its globals."""
    namespace: dict[str, object] = dict(names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PROTOCOL_TLS: see ssl_protocol.py
        exec(compile(code, "fixture.py", "exec"), namespace)  # noqa: S102 - our own fixture
    return namespace


def _repaired(module: str, rule_id: str, source: str) -> str:
    finding = next(f for f in scan(source) if f.rule_id == rule_id)
    repaired = load(module).apply(source, finding)
    assert repaired is not None
    assert not [f for f in scan(repaired) if f.rule_id == rule_id]
    return repaired


JINJA_PAGE = """\
import jinja2

env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
"""


@pytest.mark.parametrize("template", ["page.html", "page.html.j2", "mail.jinja", "report.txt"])
def test_jinja2_repair_escapes_every_template_name(template: str) -> None:
    pytest.importorskip("jinja2")
    repaired = _repaired("jinja2_autoescape", "B701", JINJA_PAGE)
    env = _run(repaired, TEMPLATES={template: "<p>{{ name }}</p>"})["env"]
    rendered = env.get_template(template).render(name="<script>alert(1)</script>")  # type: ignore[attr-defined]
    assert rendered == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_ssl_context_negotiates_tls_1_2_and_newer() -> None:
    import ssl

    source = "import ssl\n\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # codemod-target\n"
    repaired = load("ssl_protocol").apply(source, marked_finding(source, "B502"))
    assert repaired is not None
    context = _run(repaired)["context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.maximum_version is ssl.TLSVersion.MAXIMUM_SUPPORTED
    assert context.verify_mode is ssl.CERT_NONE  # as SSLContext(PROTOCOL_TLSv1) had it: unchanged


def test_keyed_hash_becomes_a_real_hmac() -> None:
    import hashlib
    import hmac

    source = (
        "import hashlib\n\nSIGNING_KEY = b'k' * 32\n\n\n"
        "def sign(message):\n    return hashlib.sha1(SIGNING_KEY + message).hexdigest()\n"
    )
    repaired = _repaired("weak_hash", "B324", source)
    namespace = _run(repaired)
    expected = hmac.new(b"k" * 32, b"amount=10", hashlib.sha256).hexdigest()
    assert namespace["sign"](b"amount=10") == expected  # type: ignore[operator]


def test_tar_extraction_refuses_a_member_leaving_the_destination(tmp_path: Path) -> None:
    import io
    import tarfile

    if not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python predates the extraction filters")
    archive = tmp_path / "upload.tar"
    with tarfile.open(archive, "w") as tar:
        member = tarfile.TarInfo("../escaped.txt")
        member.size = 3
        tar.addfile(member, io.BytesIO(b"owned"[:3]))
    source = (
        "import tarfile\n\n\ndef unpack(upload, destination):\n"
        "    with tarfile.open(upload) as archive:\n        archive.extractall(destination)\n"
    )
    repaired = _repaired("tarfile_data_filter", "B202", source)
    namespace = _run(repaired)
    (tmp_path / "out").mkdir()
    with pytest.raises(tarfile.FilterError):
        namespace["unpack"](archive, tmp_path / "out")  # type: ignore[operator]
    assert not (tmp_path / "escaped.txt").exists()


SHELL_CAT = """\
import subprocess


def show(path: str) -> str:
    return subprocess.run(f"cat {path}", shell=True, capture_output=True, text=True).stdout


def head(path, count):
    return subprocess.run(f"head -c {count} '{path}'", shell=True, capture_output=True, text=True).stdout
"""


def test_shell_command_with_values_runs_each_value_as_one_argument(tmp_path: Path) -> None:
    notes = tmp_path / "my notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    plain = tmp_path / "plain.txt"
    plain.write_text("plain\n", encoding="utf-8")
    original = _run(SHELL_CAT)
    findings = [f for f in scan(SHELL_CAT) if f.rule_id == "B602"]
    repaired = SHELL_CAT
    for finding in sorted(findings, key=lambda f: -f.start_line):  # bottom up: lines stay put
        edited = load("subprocess_shell_values").apply(repaired, finding)
        assert edited is not None
        repaired = edited
    assert "shell=True" not in repaired
    fixed = _run(repaired)
    show, head = fixed["show"], fixed["head"]
    # Normal input: the same output; a number still works (passed as str(count)).
    assert show(str(plain)) == original["show"](str(plain)) == "plain\n"  # type: ignore[operator]
    assert head(str(plain), 3) == original["head"](str(plain), 3) == "pla"  # type: ignore[operator]
    # A value with a space is one argument now (the shell split it).
    assert show(str(notes)) == "hello\n"  # type: ignore[operator]
    # Hostile input runs nothing: the shell version did.
    hostile = f"{plain}; echo hacked"
    assert "hacked" in original["show"](hostile)  # type: ignore[operator]
    assert show(hostile) == ""  # type: ignore[operator]


XPATH_LOGIN = """\
from lxml import etree


def find(xml_data: str, username: str, password: str):
    root = etree.fromstring(xml_data)
    query = f"//student[username='{username}' and password='{password}']/name/text()"
    return root.xpath(query)
"""
STUDENTS = (
    "<students><student><username>bob</username><password>pw</password><name>Bob</name></student>"
    "<student><username>o'neil</username><password>x\"y</password><name>Ann</name></student></students>"
)


def test_xpath_values_are_compared_as_strings_never_parsed() -> None:
    pytest.importorskip("lxml")
    marked = XPATH_LOGIN.replace("root.xpath(query)", "root.xpath(query)  # codemod-target")
    repaired = load("xpath_variables").apply(marked, marked_finding(marked, "vulnloop.xpath-injection-from-parameter"))
    assert repaired is not None and "$username" in repaired
    original, fixed = _run(XPATH_LOGIN)["find"], _run(repaired)["find"]
    assert fixed(STUDENTS, "bob", "pw") == original(STUDENTS, "bob", "pw") == ["Bob"]  # type: ignore[operator]
    assert fixed(STUDENTS, "bob", "no") == original(STUDENTS, "bob", "no") == []  # type: ignore[operator]
    hostile = "' or 1=1 or '1'='1"
    assert original(STUDENTS, hostile, "x") == ["Bob", "Ann"]  # type: ignore[operator]
    assert fixed(STUDENTS, hostile, "x") == []  # type: ignore[operator]
    # Quotes are plain characters of the value now (the query used to break on them).
    assert fixed(STUDENTS, "o'neil", 'x"y') == ["Ann"]  # type: ignore[operator]
