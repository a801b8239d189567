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


SQL_LOGIN = '''\
import sqlite3


def get_user(cursor, username, password):
    query = f"SELECT info FROM users WHERE username = '{username}' AND password = '{password}'"
    cursor.execute(query)
    row = cursor.fetchone()
    return row[0] if row else None
'''


@pytest.mark.parametrize("rule_id", ["B608", "vulnloop.sql-injection-from-parameter"])
def test_sql_parameters_keep_logins_and_refuse_injection(rule_id: str) -> None:
    import sqlite3

    if rule_id == "B608":
        repaired = _repaired("sql_parameters", rule_id, SQL_LOGIN)
    else:
        finding = next(f for f in scan(SQL_LOGIN, rule_id) if f.rule_id == rule_id)
        repaired = load("sql_parameters").apply(SQL_LOGIN, finding)
        assert repaired is not None
    connection = sqlite3.connect(":memory:")
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE users (username TEXT, password TEXT, info TEXT)")
    cursor.executemany(
        "INSERT INTO users VALUES (?, ?, ?)", [("ann", "pw1", "Ann"), ("o'brien", "pw2", "Pat")]
    )
    before = _run(SQL_LOGIN)["get_user"]
    after = _run(repaired)["get_user"]
    assert before(cursor, "ann", "pw1") == after(cursor, "ann", "pw1") == "Ann"  # type: ignore[operator]
    assert before(cursor, "ann", "nope") is after(cursor, "ann", "nope") is None  # type: ignore[operator]
    hostile = ("ann", "' OR '1'='1")
    assert before(cursor, *hostile) == "Ann"  # type: ignore[operator]  # the injection works...
    assert after(cursor, *hostile) is None  # type: ignore[operator]  # ...and no longer does
    assert after(cursor, "o'brien", "pw2") == "Pat"  # type: ignore[operator]  # quotes are values now


def test_sql_parameters_double_a_literal_percent_for_format_drivers() -> None:
    source = (
        "import pymysql\n\n\ndef find(cursor, name):\n"
        "    cursor.execute(f\"SELECT * FROM t WHERE code LIKE 'A%' AND name = '{name}'\")  # codemod-target\n"
    )
    repaired = load("sql_parameters").apply(source, marked_finding(source, "B608"))
    assert repaired is not None
    assert "cursor.execute(\"SELECT * FROM t WHERE code LIKE 'A%%' AND name = %s\", (name,))" in repaired


REGEX_SEARCH = '''\
import re


def search_pattern(pattern, content):
    return bool(re.search(pattern, content))
'''


def test_regex_escape_matches_the_text_literally_and_quickly() -> None:
    repaired = _run(
        load("regex_escape").apply(REGEX_SEARCH, next(
            f for f in scan(REGEX_SEARCH, "vulnloop.regex-injection-from-parameter")
            if f.rule_id == "vulnloop.regex-injection-from-parameter"
        )) or ""
    )["search_pattern"]
    before = _run(REGEX_SEARCH)["search_pattern"]
    assert before("admin", "admin-file.txt") is repaired("admin", "admin-file.txt") is True  # type: ignore[operator]
    assert before("a.c", "abc") is True and repaired("a.c", "abc") is False  # type: ignore[operator]
    assert repaired("a.c", "xa.cx") is True  # type: ignore[operator]
    # Catastrophic backtracking for the original (not run here); text to search for now.
    assert repaired("(a+)+$", "a" * 40 + "!") is False  # type: ignore[operator]
SECRET_WRITERS = {
    "open": (
        "import os\n\n\ndef save_secret(path, content):\n"
        "    with open(path, 'w') as f:  # codemod-target\n        f.write(content)\n"
    ),
    "os.open": (
        "import os\n\n\ndef save_secret(path, content):\n"
        "    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)  # codemod-target\n"
        "    os.write(fd, content.encode())\n    os.close(fd)\n"
    ),
}


@pytest.mark.skipif(not hasattr(__import__("os"), "fchmod"), reason="POSIX permissions")
@pytest.mark.parametrize("writer", sorted(SECRET_WRITERS))
def test_secret_file_is_created_owner_only_and_written_the_same(writer: str, tmp_path: Path) -> None:
    import os

    source = SECRET_WRITERS[writer]
    repaired = load("owner_only_secret_file").apply(
        source, marked_finding(source, "vulnloop.secret-file-default-permissions")
    )
    assert repaired is not None
    old_umask = os.umask(0o022)
    try:
        for name, code in (("before", source), ("after", repaired)):
            _run(code)["save_secret"](str(tmp_path / name), "s3cret\n")  # type: ignore[operator]
        # An existing file keeps its permissions (the guidance says so): only new files change.
        existing = tmp_path / "existing"
        existing.write_text("old")
        existing.chmod(0o644)
        _run(repaired)["save_secret"](str(existing), "new")  # type: ignore[operator]
    finally:
        os.umask(old_umask)
    assert (tmp_path / "before").read_text() == (tmp_path / "after").read_text() == "s3cret\n"
    assert (tmp_path / "before").stat().st_mode & 0o777 in (0o644, 0o755)
    assert (tmp_path / "after").stat().st_mode & 0o777 == 0o600
    assert existing.read_text() == "new" and existing.stat().st_mode & 0o777 == 0o644


def test_chmod_keeps_only_the_owners_bits(tmp_path: Path) -> None:
    source = "import os\n\n\ndef publish(path):\n    os.chmod(path, 0o775)\n"
    target = tmp_path / "report"
    target.write_text("x")
    _run(_repaired("owner_only_permissions", "B103", source))["publish"](str(target))  # type: ignore[operator]
    assert target.stat().st_mode & 0o7777 == 0o700


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("rsa.generate_private_key(public_exponent=65537, key_size=1024)", 2048),
        ("dsa.generate_private_key(1024)", 2048),
        ("ec.generate_private_key(ec.SECP192R1)", 256),
    ],
)
def test_weak_key_becomes_a_working_key_of_safe_size(call: str, expected: int) -> None:
    pytest.importorskip("cryptography")
    source = (
        "from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa\n\n"
        f"key = {call}\n"
    )
    key = _run(_repaired("weak_key_size", "B505", source))["key"]
    assert key.key_size == expected  # type: ignore[attr-defined]
    assert key.public_key().key_size == expected  # type: ignore[attr-defined]
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
