"""Honest but weak answers: repairs that silence the scanner while breaking the code or keeping the
weakness are refused by the gate (pyflakes and the sinks' contracts), with the reason the model
gets back. Each case is the before/after a small model really wrote, reduced."""
from __future__ import annotations

import ast
import textwrap

import pytest

from llm_helpers import finding
from vulnloop.repair.gate import check_untrusted


def _case(before: str, after: str, line: int, rule: str = "B602") -> tuple[str | None, str]:
    result = check_untrusted(textwrap.dedent(before), textwrap.dedent(after), [finding(line, rule_id=rule)])
    return result.text, result.reason


SHELL = '''\
import subprocess


def run(command):
    return subprocess.run(command, shell=True, check=True)
'''

TAR = '''\
import tarfile


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            tar.extract(member, dest)
'''

UPLOAD = '''\
import os

UPLOADS = "/tmp/uploads"


def save(name, data):
    with open(os.path.join(UPLOADS, name), "wb") as out:
        out.write(data)
'''

SQLITE = '''\
import sqlite3


def login(db, user, password):
    cur = db.cursor()
    cur.execute("SELECT id FROM users WHERE name = '" + user + "' AND pw = '" + password + "'")
    return cur.fetchone()
'''

PICKLE = '''\
import pickle


def load(blob):
    return pickle.loads(blob)
'''

HASH = '''\
import hashlib

SALT = b"per-install salt"


def store(password):
    return hashlib.md5(password.encode()).hexdigest()
'''

CIPHER = '''\
from Crypto.Cipher import AES, DES
from Crypto.Random import get_random_bytes
from Crypto.Util.Padding import pad


def encrypt(key, data):
    iv = get_random_bytes(8)
    cipher = DES.new(key[:8], DES.MODE_CBC, iv)
    return cipher.encrypt(pad(data, DES.block_size)), iv
'''
DES_CALL = "cipher = DES.new(key[:8], DES.MODE_CBC, iv)"

EMAIL = '''\
import re
from typing import Tuple


def check_email(email: str) -> Tuple[bool, str]:
    pattern = r"^([a-z0-9]+\\.?)+@example\\.com$"
    return bool(re.match(pattern, email)), pattern
'''
# The 1.5B model's answer to CWEval's cwe_1333_0: a sound pattern, but a bool for the declared pair.
EMAIL_BOOL = EMAIL.replace(
    "    return bool(re.match(pattern, email)), pattern",
    "    pattern = r\"^[a-z0-9.]+@example\\.com$\"\n    return re.match(pattern, email) is not None",
).replace('    pattern = r"^([a-z0-9]+\\.?)+@example\\.com$"\n', "")
EMAIL_PAIR = EMAIL.replace("([a-z0-9]+\\.?)+", "[a-z0-9.]+")

# CWEval's cwe_760_0 shapes: a salt derived from the user name (32 bytes, SHA-256's digest size).
SALTED = '''\
import hashlib
import os


def hash_passwords(usernames, passwords):
    hashed = []
    for i, password in enumerate(passwords):
        salt = hashlib.sha256(usernames[i].encode()).digest()
        hashed.append((hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10000), salt))
    return hashed
'''
SALT_LINE = "salt = hashlib.sha256(usernames[i].encode()).digest()"
ZERO_SALTED = SALTED.replace(SALT_LINE, 'salt = b"\\x00" * 32')

# CWEval's cwe_022_0 shape: errors answered with ''.
READ = '''\
import os


def read(name, folder):
    path = os.path.join(folder, name)
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""
'''
READ_TRY = "    try:\n        with open(path) as f:\n            return f.read()\n    except OSError:\n        return \"\"\n"
SAFE_PATH = (
    "    base = os.path.realpath(folder)\n    path = os.path.realpath(os.path.join(base, name))\n"
    "    if os.path.commonpath([path, base]) != base:\n        return \"\"\n"
)
ERROR_TEXT = '''\
def describe(text):
    try:
        return str(int(text))
    except ValueError as error:
        return str(error)
'''

REDIRECT = '''\
from urllib.parse import urlparse


def target_for(target, domain):
    if urlparse(target).netloc.endswith(domain):
        return target
    return f"https://{domain}"
'''
PARSED_REDIRECT = REDIRECT.replace(
    "    if urlparse(target).netloc.endswith(domain):", "    target_url = urlparse(target)\n    if target_url.netloc.endswith(domain):"
)
# The 1.5B model's answer to CWEval's cwe_020_0: it parses the target, then checks the domain it
# built itself, so every target passes (and the scanners see a complete host check).
REDIRECT_WRONG_VALUE = REDIRECT.replace(
    '    if urlparse(target).netloc.endswith(domain):',
    "    target_url = urlparse(target)\n    domain_url = urlparse(f'https://{domain}')\n"
    '    if domain_url.netloc == domain or domain_url.netloc.endswith("." + domain):',
)
REDIRECT_RIGHT_VALUE = REDIRECT.replace(
    '    if urlparse(target).netloc.endswith(domain):',
    "    host = urlparse(target).hostname or ''\n"
    '    if host == domain or host.endswith("." + domain):',
)

# A function that answers bad input with an early return (CWEval's cwe_918_0 shape).
SITE = '''\
def site_url(domain: str, team: str) -> str:
    if not team:
        return f"https://{domain}"
    return f"https://{team}.{domain}"
'''
SITE_CHECK = "    return f\"https://{team}.{domain}\""
SITE_RAISES = SITE.replace(SITE_CHECK, "    if not re.fullmatch(r\"[a-z0-9-]+\", team):\n        raise ValueError(\"bad team\")\n" + SITE_CHECK)
SITE_ANSWERS = SITE.replace(SITE_CHECK, "    if not re.fullmatch(r\"[a-z0-9-]+\", team):\n        return f\"https://{domain}\"\n" + SITE_CHECK)

CALC = '''\
def work_out(text: str) -> str:
    """The value of the arithmetic in text, or '' when it has none."""
    try:
        return str(eval(text))
    except Exception:
        return ""
'''
SETTINGS = CALC.replace("work_out", "read_settings").replace("The value of the arithmetic in text", "The settings dict written in text")


@pytest.mark.parametrize(
    "before, after, line, rule, words",
    [
        (SHELL, SHELL.replace("shell=True", "shell=False"), 5, "B602", "without a shell"),
        (SHELL, SHELL.replace(", shell=True", ""), 5, "B602", "one command string"),
        (TAR, TAR.replace("tar.extract(member, dest)", "tar.extract(member, os.path.dirname(member.name))")
         .replace("import tarfile", "import os\nimport tarfile"), 7, "B202", "taken from the archive member"),
        (UPLOAD, UPLOAD.replace('"/tmp/uploads"', 'os.path.expanduser("~/.ssh/uploads")'), 3, "B108", "sensitive location"),
        (UPLOAD, UPLOAD.replace('"/tmp/uploads"', '"/etc/app/uploads"'), 3, "B108", "sensitive location"),
        (SQLITE, SQLITE.replace(
            """cur.execute("SELECT id FROM users WHERE name = '" + user + "' AND pw = '" + password + "'")""",
            'cur.execute("SELECT id FROM users WHERE name = %s AND pw = %s", (user, password))'), 6, "B608", "placeholders"),
        (SQLITE, SQLITE.replace("    cur = db.cursor()\n", "    with db.cursor() as cur:\n").replace(
            "    cur.execute(", "        cur.execute(").replace("    return cur.fetchone()", "        return cur.fetchone()")
         .replace(
            """cur.execute("SELECT id FROM users WHERE name = '" + user + "' AND pw = '" + password + "'")""",
            'cur.execute("SELECT id FROM users WHERE name = ? AND pw = ?", (user, password))'), 6, "B608", "context manager"),
        (PICKLE, PICKLE.replace("import pickle", "import yaml").replace("pickle.loads(blob)", "yaml.safe_load(blob)"),
         5, "B301", "standard library"),
        (PICKLE, PICKLE.replace("pickle.loads(blob)", "loads(blob)"), 5, "B301", "without importing or defining"),
        (HASH, HASH.replace("hashlib.md5(password.encode()).hexdigest()", "hashlib.pbkdf2(password.encode(), SALT).hex()"),
         7, "B324", "`hashlib` has no `pbkdf2`"),
        (HASH, HASH.replace("hashlib.md5(password.encode()).hexdigest()", "os.path.hash_password(password)")
         .replace("import hashlib", "import hashlib\nimport os"), 7, "B324", "`os.path` has no `hash_password`"),
        # DES -> AES keeping DES's 8-byte key and IV (a 1.5B model's answer to CWEval's cwe_327_2)
        (CIPHER, CIPHER.replace(DES_CALL, "cipher = AES.new(key[:8], AES.MODE_CBC, iv)").replace("DES.block_size", "AES.block_size"),
         8, "B304", "8-byte key"),
        (CIPHER, CIPHER.replace(DES_CALL, "cipher = AES.new(key[:16], AES.MODE_CBC, iv)").replace("DES.block_size", "AES.block_size"),
         8, "B304", "8-byte IV"),
        # the 1.5B model's answer: a fresh salt, but half as long as the one stored before
        (SALTED, SALTED.replace(SALT_LINE, "salt = os.urandom(16)"), 8, "vulnloop.constant-salt", "from 32 to 16 bytes"),
        (ZERO_SALTED, ZERO_SALTED.replace('b"\\x00" * 32', "os.urandom(16)"), 8, "vulnloop.constant-salt", "from 32 to 16 bytes"),
        (SALTED.replace("salt = hashlib.sha256(usernames[i].encode()).digest()\n", "").replace("(usernames, passwords)", "(usernames, passwords, salt)"),
         SALTED.replace(SALT_LINE, "salt = os.urandom(8)").replace("(usernames, passwords)", "(usernames, passwords, salt)"),
         8, "vulnloop.constant-salt", "8-byte salt"),
        # the 1.5B model's first answer to cwe_020_0: equality only, so every subdomain is now refused
        (PARSED_REDIRECT, PARSED_REDIRECT.replace(".netloc.endswith(domain)", ".netloc == domain"), 6,
         "vulnloop.incomplete-host-check",
         "drops the flagged check `target_url.netloc.endswith(domain)` instead of correcting it, which changes what the "
         "code accepts: keep a check of that kind and make it sound (for a host and its domain: "
         "`target_url.netloc == domain or target_url.netloc.endswith(\".\" + domain)`)"),
        # the 1.5B model's answer to cwe_022_0: a check, but the error answer gone (a missing file raises)
        (READ, READ.replace(READ_TRY, "    if '..' in path:\n        return ''\n    with open(path) as f:\n        return f.read()\n"),
         5, "vulnloop.path-traversal-from-parameter", "drops `return ''` from the error handling of `read`"),
        (REDIRECT, REDIRECT_WRONG_VALUE, 5, "vulnloop.incomplete-host-check",
         "assigns `target_url` but never uses it (is a check testing the wrong value? check `target_url` itself)"),
        (EMAIL, EMAIL_BOOL, 6, "vulnloop.redos", "returns a bool"),
        # the 1.5B model's second answer to cwe_918_0: the check answers bad input, and the URL's
        # return is gone, so valid input gets None
        ("import re\n" + SITE, "import re\n" + SITE_ANSWERS.replace(SITE_CHECK + "\n", ""), 5,
         "vulnloop.ssrf-from-parameter", "lets `site_url` run off its end"),
        # literals only where the docstring asks for arithmetic (the 1.5B model's answer to cwe_095_0)
        (CALC, "import ast\n" + CALC.replace("eval(text)", "ast.literal_eval(text)"), 4, "B307",
         "`ast.literal_eval`, which reads literals only (`1 + 2` raises), but `work_out` is documented to work out arithmetic"),
        # the 1.5B model's answer to cwe_918_0: the check is sound, the new exception is not the answer
        ("import re\n" + SITE, "import re\n" + SITE_RAISES, 5, "vulnloop.ssrf-from-parameter",
         "answers bad input with `return f'https://{domain}'`"),
        (EMAIL, EMAIL.replace("    return bool(re.match(pattern, email)), pattern", "    return f\"{email}: checked\""),
         6, "vulnloop.redos", "declares `Tuple[bool, str]`"),
    ],
    ids=["shell-false-same-string", "no-shell-string", "tar-member-dirname", "upload-to-ssh", "upload-to-etc",
         "sqlite-percent-s", "sqlite-cursor-with", "new-third-party", "undefined-name",
         "invented-stdlib-function", "invented-stdlib-submodule-function", "aes-with-des-key", "aes-with-des-iv",
         "salt-shortened", "zero-salt-shortened", "salt-too-short",
         "host-check-narrowed-to-equality", "error-answer-dropped",
         "host-check-on-the-wrong-value", "bool-for-a-declared-pair", "str-for-a-declared-pair",
         "new-exception-for-bad-input", "return-deleted", "literal-eval-for-arithmetic"],
)
def test_weak_repairs_are_refused_with_the_reason(before: str, after: str, line: int, rule: str, words: str) -> None:
    text, reason = _case(before, after, line, rule)
    assert text is None
    assert words in reason


@pytest.mark.parametrize(
    "before, after, line, rule",
    [
        (SHELL, SHELL.replace("command, shell=True", "shlex.split(command)").replace("import subprocess", "import shlex\nimport subprocess"), 5, "B602"),
        (TAR, TAR.replace("tar.extract(member, dest)", 'tar.extract(member, dest, filter="data")'), 7, "B202"),
        (UPLOAD, UPLOAD.replace('"/tmp/uploads"', 'tempfile.mkdtemp(prefix="uploads-")').replace("import os", "import os\nimport tempfile"), 3, "B108"),
        (SQLITE, SQLITE.replace(
            """cur.execute("SELECT id FROM users WHERE name = '" + user + "' AND pw = '" + password + "'")""",
            'cur.execute("SELECT id FROM users WHERE name = ? AND pw = ?", (user, password))'), 6, "B608"),
        # pickle -> json: a change of format the weakness needs; the unused pickle import goes with it
        (PICKLE, PICKLE.replace("import pickle", "import json").replace("pickle.loads(blob)", "json.loads(blob)"), 5, "B301"),
        (HASH, HASH.replace("hashlib.md5(password.encode()).hexdigest()",
                            'hashlib.pbkdf2_hmac("sha256", password.encode(), SALT, 600_000).hex()'), 7, "B324"),
        (CIPHER, CIPHER.replace(DES_CALL, "cipher = AES.new(key[:32], AES.MODE_CBC, iv)").replace("DES.block_size", "AES.block_size")
         .replace("get_random_bytes(8)", "get_random_bytes(16)"), 8, "B304"),
        (SALTED, SALTED.replace(SALT_LINE, "salt = os.urandom(32)"), 8, "vulnloop.constant-salt"),
        (ZERO_SALTED, ZERO_SALTED.replace('b"\\x00" * 32', "secrets.token_bytes(64)").replace("import os", "import os\nimport secrets"),
         8, "vulnloop.constant-salt"),
        (READ, READ.replace("    path = os.path.join(folder, name)\n", SAFE_PATH).replace("except OSError", "except (OSError, UnicodeDecodeError)"),
         5, "vulnloop.path-traversal-from-parameter"),
        # only literal answers are kept: a message built from the error is what a CWE-209 repair may replace
        (ERROR_TEXT, ERROR_TEXT.replace("except ValueError as error:\n        return str(error)", "except ValueError:\n        return 'not a number'")
         .replace("str(int(text))", "str(int(text, 10))"), 3, "vulnloop.stack-trace-exposure"),
        (REDIRECT, REDIRECT_RIGHT_VALUE, 5, "vulnloop.incomplete-host-check"),
        (EMAIL, EMAIL_PAIR, 6, "vulnloop.redos"),
        # Optional admits None; a bool is an int; a call's value is not judged by its form
        (EMAIL.replace("-> Tuple[bool, str]", "-> Optional[Tuple[bool, str]]").replace("from typing import Tuple", "from typing import Optional, Tuple"),
         EMAIL.replace("-> Tuple[bool, str]", "-> Optional[Tuple[bool, str]]").replace("from typing import Tuple", "from typing import Optional, Tuple")
         .replace("    return bool(re.match(pattern, email)), pattern", "    if len(email) > 254:\n        return None\n    return bool(re.match(pattern, email)), pattern"),
         6, "vulnloop.redos"),
        (EMAIL.replace("-> Tuple[bool, str]", "-> int").replace("    return bool(re.match(pattern, email)), pattern", "    return 1"),
         EMAIL.replace("-> Tuple[bool, str]", "-> int").replace("    return bool(re.match(pattern, email)), pattern", "    return email.count('@') == 1"),
         6, "vulnloop.redos"),
        (EMAIL, EMAIL.replace("    return bool(re.match(pattern, email)), pattern", "    return tuple(re.findall(pattern, email))"),
         6, "vulnloop.redos"),
        # the same check answered as the function answers bad input; a raise its own try catches;
        # a function that raised before may raise again; one without an early answer may raise
        ("import re\n" + SITE, "import re\n" + SITE_ANSWERS, 5, "vulnloop.ssrf-from-parameter"),
        ("import re\n" + SITE, "import re\n" + SITE_RAISES.replace("    if not re", "    try:\n        if not re").replace(
            "        raise ValueError(\"bad team\")\n", "            raise ValueError(\"bad team\")\n    except ValueError:\n        return f\"https://{domain}\"\n"),
         5, "vulnloop.ssrf-from-parameter"),
        ("import re\n" + SITE.replace("        return f\"https://{domain}\"", "        raise ValueError(\"no team\")"),
         "import re\n" + SITE_RAISES.replace("        return f\"https://{domain}\"", "        raise ValueError(\"no team\")"),
         5, "vulnloop.ssrf-from-parameter"),
        ("import re\n" + SITE.replace("    if not team:\n        return f\"https://{domain}\"\n", ""),
         "import re\n" + SITE_RAISES.replace("    if not team:\n        return f\"https://{domain}\"\n", ""),
         3, "vulnloop.ssrf-from-parameter"),
        # literal_eval is the fix where the text holds data, not arithmetic
        (SETTINGS, "import ast\n" + SETTINGS.replace("eval(text)", "ast.literal_eval(text)"), 4, "B307"),
        # an exception named and ignored is style, not a check on the wrong value
        (REDIRECT, REDIRECT_RIGHT_VALUE.replace(
            "    host = urlparse(target).hostname or ''\n",
            "    try:\n        host = urlparse(target).hostname or ''\n    except ValueError as error:\n        host = ''\n",
        ), 5, "vulnloop.incomplete-host-check"),
    ],
    ids=["shlex-split", "tar-data-filter", "mkdtemp", "sqlite-qmark", "pickle-to-json", "pbkdf2-hmac", "aes-256",
         "salt-as-long", "salt-longer", "error-answer-kept", "error-text-replaced",
         "host-check-on-the-target", "pair-kept", "optional-none", "bool-is-an-int", "call-not-judged",
         "answered-as-before", "raise-caught-inside", "raised-before", "no-early-answer",
         "literal-eval-for-data", "unused-exception-name"],
)
def test_sound_repairs_pass(before: str, after: str, line: int, rule: str) -> None:
    text, reason = _case(before, after, line, rule)
    assert text is not None, reason


def test_a_bare_return_in_an_except_is_the_same_answer_as_return_none() -> None:
    bare = "def parse(x):\n    try:\n        return int(x)\n    except ValueError:\n        return\n"
    explicit = bare.replace("int(x)", "int(x, 10)").replace("        return\n", "        return None\n")
    assert _case(bare, explicit, 3, "B101")[0] is not None
    dropped = "def parse(x):\n    return int(x, 10)\n"
    assert "drops `return`" in _case(bare, dropped, 3, "B101")[1]


def test_an_import_the_answer_adds_and_never_uses_is_left_out() -> None:
    answer = PICKLE.replace("import pickle", "import json\nimport pickle\nimport csv").replace("pickle.loads(blob)", "json.loads(blob)")
    text, reason = _case(PICKLE, answer, 5, "B301")
    assert text is not None, reason
    assert "import json" in text and "csv" not in text


def test_a_dropped_extension_check_gets_no_host_advice() -> None:
    before = "def accept(name, save):\n    if name.endswith('.png'):\n        save(name)\n"
    after = "def accept(name, save):\n    if name == 'x.png':\n        pass\n"
    text, reason = _case(before, after, 2, "B101")
    assert text is None
    assert "drops the flagged check `name.endswith('.png')`" in reason
    assert "host" not in reason


@pytest.mark.parametrize(
    "repaired, refused",
    [
        ("def pick(x):\n    if not x.isalnum():\n        return ''\n    if x:\n        return 'a'\n    else:\n        return 'b'\n", False),
        ("def pick(x):\n    try:\n        return str(int(x))\n    except ValueError:\n        return ''\n", False),
        ("def pick(x):\n    with lock:\n        return x\n", False),
        ("def pick(x):\n    while True:\n        return x\n", False),
        ("def pick(x):\n    if x:\n        return 'a'\n", True),
        ("def pick(x):\n    try:\n        return str(int(x))\n    except ValueError:\n        log(x)\n", True),
    ],
    ids=["if-else", "try-except", "with", "loop-not-judged", "if-only", "except-falls-through"],
)
def test_a_function_that_always_returned_must_still_return(repaired: str, refused: bool) -> None:
    from vulnloop.repair.sanity import return_problem

    original = "def pick(x):\n    if x:\n        return 'a'\n    return 'b'\n"
    problem = return_problem(ast.parse(original).body, ast.parse(repaired).body)
    assert (problem is not None and "run off its end" in problem) is refused, problem


def test_a_function_that_could_run_off_its_end_may_still() -> None:
    from vulnloop.repair.sanity import return_problem

    original = "def note(x):\n    if x:\n        return 'a'\n"
    assert return_problem(ast.parse(original).body, ast.parse(original.replace("'a'", "'b'")).body) is None
