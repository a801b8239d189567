"""Every codemod's metadata, keyed by its module, in registry order: importable without libcst.

The repair loop asks which codemods answer a rule, and every report shows what a codemod did
and what its reviewer must check (``summary``, ``guidance``), in processes that never import
libcst (the pre-commit hook leaves the codemods to a worker). Each codemod module takes its
``info`` from here.
"""
from __future__ import annotations

from vulnloop.repair.codemods.interface import CodemodInfo

# Shared with the codemods that write these values into code.
TIMEOUT_SECONDS = 30
DEFAULT_HOST = "127.0.0.1"
MIN_KEY_BITS = 2048
SECRET_FILE_MODE = 0o600

INFOS: dict[str, CodemodInfo] = {
    "yaml_safe_load": CodemodInfo(
        id="yaml-safe-load",
        summary="Load YAML with yaml.safe_load instead of yaml.load",
        cwes=(502, 20),
        bandit_ids=("B506",),
        codeql_ids=("py/unsafe-deserialization",),
        guidance=(
            "safe_load builds only plain data (dicts, lists, strings, numbers, dates). Documents "
            "that relied on !!python/ tags or custom constructors now raise ConstructorError: "
            "register those types on a SafeLoader subclass instead."
        ),
    ),
    "subprocess_shell_literal": CodemodInfo(
        id="subprocess-shell-literal",
        summary="Run a constant command as an argument list instead of through a shell",
        cwes=(78,),
        bandit_ids=("B602",),
        codeql_ids=(),
        guidance=(
            "Only constant commands without quotes, globs, variables, pipes or redirections are "
            "rewritten, so the program runs with exactly the same arguments. Without a shell, "
            "shell builtins and aliases are unavailable and PATH lookup is done by Python. "
            "Bandit still notes every subprocess call (B603) as a low-severity reminder."
        ),
        residual_rules=("B603", "B607"),
    ),
    "subprocess_shell_values": CodemodInfo(
        id="subprocess-shell-values",
        summary="Run a command built from values as an argument list, each value one argument, instead of through a shell",
        cwes=(78,),
        bandit_ids=("B602",),
        codeql_ids=("py/shell-command-constructed-from-input", "py/command-line-injection"),
        guidance=(
            "Each value is now exactly one argument, whatever it holds: spaces, quotes, ;, |, $ "
            "or * in it no longer reach a shell (that was the injection), and an empty value is "
            "now an empty argument rather than none. A value starting with - is still read as "
            "an option by the program: where the program supports it, put '--' before the "
            "values, or check that they do not start with -. Values that are not known to be "
            "str are passed as str(value), as the shell command formatted them. Only literal "
            "program names, plain literal words and values standing as whole words (or inside "
            "one pair of quotes) are rewritten; values named like several arguments (args, "
            "opts, flags, ' '.join(...)) are refused, since the shell split them."
        ),
        residual_rules=("B603", "B607"),
    ),
    "weak_hash": CodemodInfo(
        id="weak-hash",
        summary=(
            "Replace MD5/SHA-1 with SHA-256 (HMAC-SHA-256 for a keyed hash), or mark a certain "
            "non-security use usedforsecurity=False"
        ),
        cwes=(327, 328),
        bandit_ids=("B324", "B303"),
        codeql_ids=("py/weak-sensitive-data-hashing",),
        guidance=(
            "SHA-256 and HMAC digests differ from MD5/SHA-1 ones (and are longer: 64 hex "
            "characters): stored digests, database columns and peers that compare them must "
            "move too. sha1(key + message) becomes hmac.new(key, message, hashlib.sha256): the "
            "other side must compute the same HMAC, and compare digests with "
            "hmac.compare_digest. usedforsecurity=False (Python 3.9+) is chosen only when names "
            "say cache, etag, checksum, dedup, shard, bucket or partition and no name nearby "
            "says secret, key, token, session, signature or the like. Password hashing, and "
            "keys mixed in any other way, are refused: use a salted key-derivation function "
            "(hashlib.scrypt, pbkdf2_hmac) or hmac."
        ),
    ),
    "requests_verify": CodemodInfo(
        id="requests-verify",
        summary="Turn TLS certificate verification back on (verify=True)",
        cwes=(295,),
        bandit_ids=("B501",),
        codeql_ids=("py/request-without-cert-validation",),
        guidance=(
            "Requests now fail against servers with self-signed or expired certificates. For a "
            "private CA, pass verify='/path/to/ca-bundle.pem' instead of turning checks off."
        ),
    ),
    "requests_timeout": CodemodInfo(
        id="requests-timeout",
        summary=f"Give an HTTP request a timeout ({TIMEOUT_SECONDS} seconds)",
        cwes=(400,),
        bandit_ids=("B113",),
        codeql_ids=(),
        guidance=(
            f"Without a timeout a stalled server blocks the caller forever. {TIMEOUT_SECONDS} "
            "seconds applies to connecting and to each read, not to the whole download; raise "
            "it for slow endpoints or large uploads. Calls passing **kwargs are left alone, "
            "since they may already carry a timeout."
        ),
    ),
    "flask_debug": CodemodInfo(
        id="flask-debug-off",
        summary="Run the Flask app with debug=False",
        cwes=(215, 489, 94),
        bandit_ids=("B201",),
        codeql_ids=("py/flask-debug",),
        guidance=(
            "The Werkzeug debugger lets anyone who reaches the app run Python on the server. "
            "For local development use `flask run --debug` (or FLASK_DEBUG=1) rather than "
            "hard-coding debug=True."
        ),
    ),
    "tempfile_mkstemp": CodemodInfo(
        id="tempfile-mkstemp",
        summary="Create the temporary file with tempfile.mkstemp instead of naming it with mktemp",
        cwes=(377,),
        bandit_ids=("B306",),
        codeql_ids=("py/insecure-temporary-file",),
        guidance=(
            "The file now exists (empty, mode 0600) as soon as the name is chosen, so code that "
            "expected the path to be free (os.mkdir, open(..., 'x'), os.path.exists checks) would "
            "break: those uses are refused. The file is not deleted automatically."
        ),
    ),
    "tarfile_data_filter": CodemodInfo(
        id="tarfile-data-filter",
        summary='Extract tar archives with filter="data" (no paths outside the destination, no devices)',
        cwes=(22,),
        bandit_ids=("B202",),
        codeql_ids=("py/tarslip",),
        guidance=(
            'filter="data" refuses members with absolute paths, ".." or links leading outside '
            "the destination, and device files, and drops set-uid bits: archives that rely on "
            "those now raise tarfile.FilterError. It needs Python 3.12+ or a security release "
            "from 3.8.17, 3.9.17, 3.10.12 or 3.11.4 on; older interpreters raise TypeError "
            "instead of extracting, so set requires-python accordingly."
        ),
    ),
    "secure_random": CodemodInfo(
        id="secure-random",
        summary="Draw random values from the secrets module instead of random",
        cwes=(330, 338),
        bandit_ids=("B311",),
        codeql_ids=(),
        guidance=(
            "secrets uses the operating system's generator: the same distributions, but not "
            "repeatable and somewhat slower. Files that seed random (tests, simulations) are "
            "not changed. For tokens prefer secrets.token_urlsafe / token_hex."
        ),
    ),
    "defused_xml": CodemodInfo(
        id="defused-xml",
        summary="Parse XML with defusedxml (or an lxml parser that resolves no entities)",
        cwes=(611, 776, 827),
        bandit_ids=("B313", "B314", "B315", "B316", "B317", "B318", "B319",
                    "B405", "B406", "B407", "B408", "B409"),
        codeql_ids=("py/xxe", "py/xml-bomb"),
        semgrep_ids=("vulnloop.xxe-lxml-default-parser",),
        guidance=(
            "Adds a dependency on defusedxml (pip install defusedxml). Documents with DTD "
            "entity declarations or external references now raise EntitiesForbidden / "
            "ExternalReferenceForbidden instead of being expanded. Building XML (Element, "
            "SubElement) still uses the standard library, which is safe. lxml parsing gets "
            "an explicit XMLParser(resolve_entities=False, no_network=True) and no new "
            "dependency: entity references, internal ones included, are now left unexpanded "
            "in the tree, and nothing is fetched over the network."
        ),
    ),
    "xpath_variables": CodemodInfo(
        id="xpath-variables",
        summary="Pass values into an lxml XPath query as XPath variables instead of formatting them in",
        cwes=(643,),
        bandit_ids=(),
        codeql_ids=("py/xpath-injection",),
        semgrep_ids=("vulnloop.xpath-injection-from-parameter", "vulnloop.xpath-injection"),
        guidance=(
            "Each value is now an XPath string variable ($name), compared as a string and never "
            "read as XPath, so quotes in it no longer end the literal (that was the injection). "
            "Values not known to be str are passed as str(value), as the query formatted them. "
            "Only values filling a whole quoted literal ('{name}') on lxml trees and elements "
            "are rewritten; values outside quotes (parts of paths, numbers) or sharing their "
            "quotes with other text need a redesign (an allow-list, or concat() of variables)."
        ),
    ),
    "jinja2_autoescape": CodemodInfo(
        id="jinja2-autoescape",
        summary="Turn on Jinja2 autoescaping for every template (autoescape=True)",
        cwes=(79, 116),
        bandit_ids=("B701",),
        codeql_ids=("py/jinja2/autoescape-false",),
        guidance=(
            "Variables rendered into every template are now HTML-escaped, whatever the "
            "template's extension (.html.j2 and .jinja included). Values that are meant to be "
            "markup must be marked safe explicitly (markupsafe.Markup or the |safe filter) after "
            "checking where they come from; templates that are not HTML (plain-text mail) can "
            "be exempted with select_autoescape(disabled_extensions=('txt',), default=True)."
        ),
    ),
    "literal_eval": CodemodInfo(
        id="literal-eval",
        summary="Evaluate literal data with ast.literal_eval instead of eval",
        cwes=(95, 94),
        bandit_ids=("B307",),
        codeql_ids=(),
        guidance=(
            "Applied only where the evaluated text is a constant literal. eval of input that "
            "is meant to be a Python expression needs a redesign (a parser for the small "
            "language actually needed), which no codemod can do safely."
        ),
    ),
    "bind_host": CodemodInfo(
        id="bind-host-from-env",
        summary=(
            f"Listen on {DEFAULT_HOST} unless an environment variable named after the app "
            "(<APP>_HOST) says otherwise"
        ),
        cwes=(605, 200),
        bandit_ids=("B104",),
        codeql_ids=("py/bind-socket-all-network-interfaces",),
        guidance=(
            "The service now listens on the loopback interface by default. The variable is "
            "named after the folder holding the file (the file's own name at the top level), "
            "e.g. EXPENSE_TRACKER_HOST for expense_tracker/app.py, never plain HOST, which many "
            "shells and CI systems set to the machine's name. Deployments that must accept "
            "outside connections (containers, VMs) set it to 0.0.0.0 explicitly, where the "
            "exposure is a visible decision; document it with the app's other settings."
        ),
    ),
    "ssl_protocol": CodemodInfo(
        id="ssl-tls12",
        summary="Negotiate TLS 1.2 or newer instead of a broken or unspecified SSL/TLS protocol version",
        cwes=(327,),
        bandit_ids=("B502", "B503", "B504"),
        codeql_ids=("py/insecure-protocol", "py/insecure-default-protocol"),
        guidance=(
            "Peers that only speak SSL 3, TLS 1.0 or 1.1 can no longer connect. A context gets "
            "minimum_version = TLSVersion.TLSv1_2 (TLS 1.3 stays available) and keeps its "
            "certificate checking as it was: review it (ssl.create_default_context() checks "
            "certificates and host names). A server's ssl.wrap_socket, removed in Python 3.12, "
            "becomes a PROTOCOL_TLS_SERVER context built just before it; a client's becomes "
            "ssl.create_default_context().wrap_socket(sock, server_hostname=host) where the host "
            "it connects to is known, which now checks the server's certificate and name "
            "(servers with self-signed certificates need cafile=...); other clients are left "
            "to the LLM. A version passed to another function or as a default can only be "
            "pinned to TLS 1.2."
        ),
    ),
    "ssl_verified_context": CodemodInfo(
        id="ssl-default-context",
        summary="Create TLS contexts with ssl.create_default_context() so certificates are verified",
        cwes=(295,),
        bandit_ids=("B323",),
        codeql_ids=(),
        guidance=(
            "Connections to servers with self-signed, expired or mismatched certificates now "
            "fail. For a private CA use create_default_context(cafile=...). Only calls "
            "without arguments are rewritten."
        ),
    ),
    "paramiko_reject_policy": CodemodInfo(
        id="paramiko-reject-policy",
        summary="Reject unknown SSH host keys (paramiko.RejectPolicy)",
        cwes=(295,),
        bandit_ids=("B507",),
        codeql_ids=("py/paramiko-missing-host-key-validation",),
        guidance=(
            "Connections to hosts whose keys are not in ~/.ssh/known_hosts now fail. The client "
            "now loads that file (load_system_host_keys) unless it already loads host keys: on "
            "servers and in containers, add each host's key there (ssh-keyscan, checked out of "
            "band) or ship a known_hosts file and load it with client.load_host_keys(path)."
        ),
    ),
    "sql_parameters": CodemodInfo(
        id="sql-parameters",
        summary="Pass the values of an SQL query as parameters instead of formatting them into it",
        cwes=(89,),
        bandit_ids=("B608",),
        codeql_ids=("py/sql-injection",),
        semgrep_ids=("vulnloop.sql-injection-from-parameter",),
        guidance=(
            "The query is now a constant with the driver's own placeholders (? for sqlite3 and "
            "aiosqlite, %s for psycopg, psycopg2, pymysql, MySQLdb, mysql.connector, aiomysql and "
            "aiopg; a literal % is doubled), and the driver quotes each value. Values are passed "
            "as they are, not as their text: None becomes NULL, numbers stay numbers, so a "
            "comparison that relied on str() of a value may match differently. Only whole values "
            "('{x}' or an unquoted {n} after a comparison, LIMIT or OFFSET) are rewritten; table "
            "and column names, LIKE patterns built around a value, IN lists and SQL fragments "
            "are left to a reviewer: build those from an allow-list, and build a LIKE pattern in "
            "Python before passing it as one parameter."
        ),
    ),
    "regex_escape": CodemodInfo(
        id="regex-escape",
        summary="Match a caller's text literally with re.escape instead of as a regular expression",
        cwes=(730, 400, 1333),
        bandit_ids=(),
        codeql_ids=("py/regex-injection",),
        semgrep_ids=("vulnloop.regex-injection-from-parameter",),
        guidance=(
            "The parameter is now matched literally: '.', '*', '[', '|' and the like in it match "
            "themselves. Callers that must pass a real regular expression break: keep those "
            "patterns to an allow-list of your own, or use the regex module with its timeout "
            "argument, and never take the pattern from users."
        ),
    ),
    "weak_key_size": CodemodInfo(
        id="weak-key-size",
        summary=(
            f"Generate RSA and DSA keys of at least {MIN_KEY_BITS} bits, and elliptic-curve keys "
            "on SECP256R1 instead of a curve under 224 bits"
        ),
        cwes=(326,),
        bandit_ids=("B505",),
        codeql_ids=("py/weak-crypto-key",),
        guidance=(
            "Only newly generated keys change: keys already issued, stored or pinned by peers "
            f"keep their old size, so replace them too. {MIN_KEY_BITS} bits is the minimum; keys "
            "meant to last beyond 2030 want 3072. Peers or hardware with a size limit (old "
            "smart cards, HSMs, embedded clients) may refuse the larger key, and generating one "
            "takes longer. The old PyCrypto package makes DSA keys of at most 1024 bits and now "
            "raises ValueError: move to PyCryptodome. Only cryptography's and "
            "PyCryptodome/PyCrypto's generators with a literal size are rewritten."
        ),
    ),
    "owner_only_permissions": CodemodInfo(
        id="owner-only-permissions",
        summary="chmod to the owner's bits only, clearing the group and other bits (0o777 -> 0o700)",
        cwes=(732,),
        bandit_ids=("B103",),
        codeql_ids=(),
        guidance=(
            "Group members and other users (a web server, a backup job, a service running as "
            "another account) lose the access the old mode gave them; check none of them needs "
            "it, and grant read access deliberately (0o640, 0o644) where one does. Only literal "
            "modes of os.chmod, os.lchmod and os.fchmod are rewritten; modes with the setuid, "
            "setgid or sticky bit, or leaving the owner no access, are left alone."
        ),
    ),
    "owner_only_secret_file": CodemodInfo(
        id="owner-only-secret-file",
        summary=(
            f"Create a secret's file readable only by its owner ({SECRET_FILE_MODE:#o}): open() "
            "gets an opener, os.open() a mode"
        ),
        cwes=(732,),
        bandit_ids=(),
        codeql_ids=(),
        semgrep_ids=("vulnloop.secret-file-default-permissions",),
        guidance=(
            f"Only a file the call CREATES gets {SECRET_FILE_MODE:#o}: a file that already exists "
            "keeps its permissions, and the umask can only remove bits. Fix existing files once "
            f"(chmod {SECRET_FILE_MODE:o} <file>), or make the code set them on every write with "
            f"os.fchmod(f.fileno(), {SECRET_FILE_MODE:#o}) after opening. Other users and the "
            "group lose read access to new files; a mode with execute bits keeps only the "
            "owner's."
        ),
    ),
}
_BY_ID = {info.id: info for info in INFOS.values()}


def info_by_id(codemod_id: str) -> CodemodInfo | None:
    """The metadata of the codemod with this id, or None for an unknown id."""
    return _BY_ID.get(codemod_id)
