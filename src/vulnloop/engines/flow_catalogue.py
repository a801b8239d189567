"""What the `callflow` engine knows: where untrusted data starts, what cleans it, where it does harm.

One table for each, read by engines/callflow.py. The Semgrep rules (data/semgrep_rules) carry the
same knowledge for flows inside one function; this catalogue only needs the sinks and sources a
value can cross a function boundary to reach, named by the dotted path the code imports.
"""
from __future__ import annotations

from dataclasses import dataclass

from vulnloop.findings import Level


@dataclass(frozen=True)
class Sink:
    kind: str  # the rule's slug: vulnloop.callflow-<kind>
    cwe: int
    harm: str  # what an attacker gets, for the message
    argument: int  # the position of the dangerous argument
    keyword: str = ""  # the same argument passed by name
    severity: Level = Level.HIGH
    # A call is a sink only with this keyword set to True (subprocess's shell=True).
    needs_true_keyword: str = ""


_COMMAND = "runs a shell command an attacker can extend"
_CODE = "evaluates code an attacker writes"
_PATH = "opens a path an attacker can point outside the intended folder"
_URL = "fetches a URL an attacker chooses (server-side request forgery)"
_PICKLE = "deserialises attacker bytes, which can run code"


def _each(names: str, sink: Sink) -> dict[str, Sink]:
    return {name: sink for name in names.split()}


# Calls by their full dotted name (after import aliases are resolved).
SINKS_BY_NAME: dict[str, Sink] = {
    **_each("os.system os.popen subprocess.getoutput subprocess.getstatusoutput",
            Sink("command-injection", 78, _COMMAND, 0)),
    **_each("subprocess.run subprocess.call subprocess.check_call subprocess.check_output subprocess.Popen",
            Sink("command-injection", 78, _COMMAND, 0, "args", needs_true_keyword="shell")),
    **_each("eval exec", Sink("code-injection", 95, _CODE, 0)),
    **_each("flask.render_template_string jinja2.Template",
            Sink("template-injection", 1336, "renders a template an attacker writes, which can run code", 0)),
    **_each("open io.open os.remove os.unlink os.rmdir os.chdir os.listdir os.makedirs shutil.rmtree "
            "flask.send_file pathlib.Path",
            Sink("path-traversal", 22, _PATH, 0, "file", severity=Level.MEDIUM)),
    **_each("requests.get requests.post requests.put requests.patch requests.delete requests.head "
            "requests.options httpx.get httpx.post httpx.put httpx.patch httpx.delete httpx.head "
            "httpx.stream urllib.request.urlopen urllib.request.Request urllib.urlopen",
            Sink("ssrf", 918, _URL, 0, "url", severity=Level.MEDIUM)),
    **_each("requests.request httpx.request", Sink("ssrf", 918, _URL, 1, "url", severity=Level.MEDIUM)),
    **_each("flask.redirect django.shortcuts.redirect django.http.HttpResponseRedirect",
            Sink("open-redirect", 601, "sends users to a site an attacker chooses", 0, "location",
                 severity=Level.MEDIUM)),
    **_each("pickle.loads pickle.load _pickle.loads _pickle.load cPickle.loads cPickle.load marshal.loads "
            "dill.loads jsonpickle.decode shelve.open",
            Sink("deserialization", 502, _PICKLE, 0)),
    **_each("re.compile re.match re.search re.fullmatch re.findall re.sub re.split",
            Sink("regex-injection", 730, "compiles a pattern an attacker writes (catastrophic backtracking)",
                 0, "pattern", severity=Level.MEDIUM)),
}

# Methods on any receiver, by method name: the receiver's type is not known without running.
SINKS_BY_METHOD: dict[str, Sink] = {
    "execute": Sink("sql-injection", 89, "runs SQL an attacker can extend", 0, "operation"),
    "executemany": Sink("sql-injection", 89, "runs SQL an attacker can extend", 0),
    "executescript": Sink("sql-injection", 89, "runs SQL an attacker can extend", 0),
    "xpath": Sink("xpath-injection", 643, "runs an XPath query an attacker can extend", 0, severity=Level.MEDIUM),
    "search_s": Sink("ldap-injection", 90, "runs an LDAP filter an attacker can extend", 2, "filterstr",
                     severity=Level.MEDIUM),
    "sendto": Sink("datagram-destination", 941,
                   "sends a datagram to an address an attacker chose, reflecting traffic at a third party",
                   -1, severity=Level.MEDIUM),  # -1: the last positional argument (flags may come between)
}


@dataclass(frozen=True)
class SourceKind:
    label: str
    confidence: Level


REQUEST = SourceKind("request data", Level.MEDIUM)
NETWORK = SourceKind("data received from the network", Level.MEDIUM)
LOCAL_INPUT = SourceKind("command-line or environment input", Level.LOW)

# Attributes of a web framework's request object (Flask, Django, Starlette/FastAPI, aiohttp,
# Tornado) that carry what the client sent.
REQUEST_OBJECTS = {"request", "self.request", "req", "flask.request", "bottle.request", "quart.request"}
REQUEST_ATTRIBUTES = {
    "args", "form", "values", "json", "data", "files", "cookies", "headers", "GET", "POST", "body",
    "query_params", "path_params", "get_json", "get_data", "query_string", "query", "match_info",
    "get_argument", "get_arguments", "get_body_argument", "get_query_argument", "full_path", "url", "path",
    "post", "text", "read", "stream",
}
# http.server's BaseHTTPRequestHandler: the request line, headers and body, as self.<attribute>.
HANDLER_ATTRIBUTES = {"path", "headers", "rfile", "requestline"}
SOURCE_CALLS: dict[str, SourceKind] = {
    "input": LOCAL_INPUT,
    "os.getenv": LOCAL_INPUT,
    "os.environ.get": LOCAL_INPUT,
}
SOURCE_NAMES: dict[str, SourceKind] = {"sys.argv": LOCAL_INPUT, "os.environ": LOCAL_INPUT}
# Socket reads: the payload is attacker data (recvfrom's sender address is not: see callflow).
SOURCE_METHODS: dict[str, SourceKind] = {"recv": NETWORK, "recvfrom": NETWORK, "recv_into": NETWORK}

# Calls whose result no longer carries the attacker's text in a dangerous form.
SANITIZERS = {
    "int", "float", "bool", "len", "hash", "id", "isinstance", "html.escape", "markupsafe.escape", "escape",
    "shlex.quote", "pipes.quote", "urllib.parse.quote", "urllib.parse.quote_plus", "quote", "quote_plus",
    "re.escape", "os.path.basename", "secure_filename", "werkzeug.utils.secure_filename", "bleach.clean",
    "uuid.UUID", "json.dumps", "hashlib.sha256", "hashlib.md5", "hashlib.sha1", "hmac.new",
    "url_has_allowed_host_and_scheme", "is_safe_url",
}
# Checks that, once made on a variable, stand for validation (allow-list, full match, digits).
VALIDATING_METHODS = {"isdigit", "isalnum", "isidentifier", "isdecimal", "isnumeric", "fullmatch"}
VALIDATING_CALLS = {"re.fullmatch", "re.match"}
