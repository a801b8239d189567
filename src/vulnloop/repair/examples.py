"""Short worked examples of secure rewrites, one per weakness family, for repair prompts.

Written here for vulnloop (no third-party code). Each shows the smallest sound change, including a
change of format or API where the weakness needs one (pickle -> json, a shell string -> arguments),
so that small models see what a good answer looks like and large ones what we accept.
"""
from __future__ import annotations

from typing import Collection, Sequence

_COMMAND = (
    'subprocess.run("convert " + name + " out.png", shell=True)',
    'subprocess.run(["convert", name, "out.png"], check=True)',
)
_CALCULATE_EVAL = '''\
def calculate(expr: str) -> str:
    """The value of an arithmetic expression, or '' when it is not one."""
    try:
        return str(eval(expr))
    except Exception:
        return ""'''
_CALCULATE_SAFELY = '''\
def calculate(expr: str) -> str:
    """The value of an arithmetic expression, or '' when it is not one."""
    # data literals only, no arithmetic: ast.literal_eval(text); arithmetic: compute allowed nodes
    operators = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                 ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg}

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node.value
        if isinstance(node, ast.UnaryOp) and type(node.op) in operators:
            return operators[type(node.op)](value(node.operand))
        if isinstance(node, ast.BinOp) and type(node.op) in operators:
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Pow) and (abs(left) > 1e6 or abs(right) > 100):
                raise ValueError("power too large")
            return operators[type(node.op)](left, right)
        raise ValueError("not arithmetic")

    try:
        return str(value(ast.parse(expr, mode="eval").body))
    except (SyntaxError, ValueError, ArithmeticError, RecursionError):
        return ""'''
_EXAMPLES: dict[tuple[int, ...], tuple[str, str]] = {
    (78, 77, 88): _COMMAND,
    (89,): (
        'cur.execute("SELECT * FROM users WHERE name = \'" + name + "\'")',
        'cur.execute("SELECT * FROM users WHERE name = ?", (name,))  # sqlite3: ?; psycopg/MySQLdb: %s',
    ),
    (502,): ("data = pickle.loads(request.data)", "data = json.loads(request.data)  # a data format, not objects"),
    (94, 95): (_CALCULATE_EVAL, _CALCULATE_SAFELY),
    (22, 23, 36): (
        "def read_note(name: str) -> str:\n"
        "    \"\"\"The note's text, or '' when it cannot be read.\"\"\"\n"
        "    try:\n"
        "        with open(os.path.join(BASE, name)) as f:\n"
        "            return f.read()\n"
        "    except OSError:\n"
        "        return \"\"",
        "def read_note(name: str) -> str:\n"
        "    \"\"\"The note's text, or '' when it cannot be read.\"\"\"\n"
        "    base = os.path.realpath(BASE)\n"
        "    path = os.path.realpath(os.path.join(base, name))\n"
        "    if os.path.commonpath([path, base]) != base:  # '../' or an absolute name leaves the folder\n"
        "        return \"\"  # the answer the function already gives for what it cannot read\n"
        "    try:\n"
        "        with open(path) as f:\n"
        "            return f.read()\n"
        "    except OSError:\n"
        "        return \"\"",
    ),
    (79, 80, 116): (
        'return "<p>Hello " + name + "</p>"',
        'return "<p>Hello " + html.escape(name) + "</p>"',
    ),
    (327, 328, 916): (
        "digest = hashlib.md5(password.encode()).hexdigest()",
        "digest = hashlib.pbkdf2_hmac(\"sha256\", password.encode(), salt, 600_000).hex()  # a random salt, stored",
    ),
    (330, 338): ("token = str(random.random())", "token = secrets.token_urlsafe(32)"),
    (295,): ("requests.get(url, verify=False)", "requests.get(url, timeout=10)  # certificates verified"),
    (611, 776, 827): ("tree = xml.etree.ElementTree.parse(f)", "tree = defusedxml.ElementTree.parse(f)  # if the project has defusedxml"),
    (20,): (
        "if urlparse(url).hostname.endswith(domain):  # evil-example.com passes too\n    return url",
        "host = urlparse(url).hostname or \"\"\n"
        "if host == domain or host.endswith(\".\" + domain):  # the host itself, not a substring\n"
        "    return url",
    ),
    (326,): ("key = rsa.generate_private_key(public_exponent=65537, key_size=1024)",
             "key = rsa.generate_private_key(public_exponent=65537, key_size=3072)"),
    (329, 1204): (
        "iv = b\"\\x00\" * 16\ncipher = AES.new(key, AES.MODE_CBC, iv)",
        "iv = os.urandom(16)  # fresh per message; return or store it with the ciphertext\n"
        "cipher = AES.new(key, AES.MODE_CBC, iv)",
    ),
    (759, 760): (
        "def hash_all(passwords: list[str]) -> list[tuple[bytes, bytes]]:\n"
        "    return [(hashlib.pbkdf2_hmac(\"sha256\", p.encode(), b\"salt\", 600_000), b\"salt\") for p in passwords]",
        "def hash_all(passwords: list[str]) -> list[tuple[bytes, bytes]]:\n"
        "    hashed = []\n"
        "    for p in passwords:\n"
        "        salt = os.urandom(32)  # a new salt for every password, as long as the SHA-256 digest\n"
        "        hashed.append((hashlib.pbkdf2_hmac(\"sha256\", p.encode(), salt, 600_000), salt))\n"
        "    return hashed",
    ),
    (347,): (
        "def read_claims(token: str, key: str) -> dict | None:\n"
        "    \"\"\"The token's claims, or None when it is not valid.\"\"\"\n"
        "    return jwt.decode(token, key, options={\"verify_signature\": False})",
        "def read_claims(token: str, key: str) -> dict | None:\n"
        "    \"\"\"The token's claims, or None when it is not valid.\"\"\"\n"
        "    try:\n"
        "        return jwt.decode(token, key, algorithms=[\"HS256\"])  # verifies the signature\n"
        "    except jwt.InvalidTokenError:\n"
        "        return None  # the docstring's answer for a bad token",
    ),
    (1333, 730): (
        "match = re.match(r\"^(\\w+\\s?)*$\", text)",
        "match = re.match(r\"^[\\w\\s]*$\", text)  # no nested quantifiers to backtrack through; the rest unchanged",
    ),
    (113, 93): (
        "headers[\"X-Name\"] = name\nreturn headers",
        "if \"\\r\" in name or \"\\n\" in name:  # refused the way this function answers bad input\n"
        "    return headers\n"
        "headers[\"X-Name\"] = name\nreturn headers",
    ),
    (377, 379, 108): ('path = "/tmp/report.txt"', 'fd, path = tempfile.mkstemp(suffix=".txt")'),
    (798, 259, 321): ('PASSWORD = "hunter2"', 'PASSWORD = os.environ["APP_PASSWORD"]'),
    (601,): (
        "return redirect(request.args['next'])",
        "target = request.args.get('next', '/')\n"
        "if target not in ALLOWED_PATHS:  # '/\\evil.com' has no netloc, yet browsers leave the site\n"
        "    abort(400)\n"
        "return redirect(target)",
    ),
    (918,): (
        "def profile_url(user: str, domain: str) -> str:\n"
        "    \"\"\"The user's site, or the domain's home page when no valid user is given.\"\"\"\n"
        "    if not user:\n"
        "        return f\"https://{domain}/\"\n"
        "    return f\"https://{user}.{domain}/\"",
        "def profile_url(user: str, domain: str) -> str:\n"
        "    \"\"\"The user's site, or the domain's home page when no valid user is given.\"\"\"\n"
        "    # validate the part: quoting does not make a host safe\n"
        "    if not user or not re.fullmatch(r\"[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\", user):\n"
        "        return f\"https://{domain}/\"  # the answer the function already gives for bad input\n"
        "    return f\"https://{user}.{domain}/\"",
    ),
    (400, 1088): ("requests.get(url)", "requests.get(url, timeout=10)"),
}


# Where the file already imports a better library for the family, its example replaces ours (a
# model shown argon2 for a file without it writes `argon2` without an import we may add).
_WITH_PACKAGE: dict[tuple[int, ...], tuple[str, tuple[str, str]]] = {
    (327, 328, 916): ("argon2", (
        "digest = hashlib.md5(password.encode()).hexdigest()",
        "digest = argon2.PasswordHasher().hash(password)  # argon2-cffi, which this file imports",
    )),
}


def worked_examples(cwes: Sequence[int], limit: int = 2, packages: Collection[str] = ()) -> str:
    """Before/after pairs for these CWEs (at most ``limit``), or '' when we have none; ``packages``
    are those the file imports, which pick a family's variant."""
    chosen: list[tuple[str, str]] = []
    for cwe in cwes:
        family = next((f for f in _EXAMPLES if cwe in f), None)
        if family is None:
            continue
        package, variant = _WITH_PACKAGE.get(family, ("", _EXAMPLES[family]))
        example = variant if package in packages else _EXAMPLES[family]
        if example not in chosen:
            chosen.append(example)
    parts = [f"Before:\n{before}\nAfter:\n{after}" for before, after in chosen[:limit]]
    return "\n\n".join(parts)
