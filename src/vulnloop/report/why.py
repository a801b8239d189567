"""Why a finding matters, said for what the flagged code does.

Bandit tags its tests with broad CWEs (``eval`` with CWE-78, OS command injection; ``yaml.load``
with CWE-20, improper input validation), so the CWE's definition often explains another
weakness. The rules we know get a text of their own; CodeQL queries their own description;
any other rule (our Semgrep rules' messages already say what is wrong) the CWE's definition.
"""
from __future__ import annotations

from vulnloop.cwe import lookup
from vulnloop.engines.codeql_queries import query_by_id
from vulnloop.findings import Finding

_XML = (
    "Parsing XML from an untrusted source with this library can expand entity declarations "
    "without limit (a few hundred bytes become gigabytes: billion laughs) and, in some "
    "versions, read local files or URLs named by external entities."
)
_XML_IMPORT = (
    "This module parses XML unsafely when the input is untrusted: entity expansion can exhaust "
    "memory (billion laughs) and external entities can read local files. defusedxml refuses both."
)
_SHELL = (
    "A command run through a shell is parsed by the shell: if any part of it comes from "
    "outside the program, characters like ; | $() let that input run commands of its own."
)
_HARDCODED = (
    "A password or key written into the source is visible to everyone who can read the code or "
    "its history, cannot be rotated without a release, and is the same in every deployment."
)
_PICKLE = (
    "Unpickling runs code chosen by whoever wrote the data (a pickle can call any function while "
    "it loads): data from a file, socket or request that an attacker can touch gives them code "
    "execution."
)
_WEAK_HASH = (
    "MD4, MD5 and SHA-1 have practical collision attacks: two different inputs with the same "
    "digest can be made, so a digest no longer proves integrity, and fast hashes make stolen "
    "password hashes easy to crack."
)
_SSL_VERSION = (
    "SSL 2/3 and TLS 1.0/1.1 have known attacks (POODLE, BEAST, downgrades) that let a network "
    "attacker read or alter traffic; only TLS 1.2 and newer are considered safe."
)

RULE_REASONS: dict[str, str] = {
    "B101": (
        "assert statements are removed when Python runs with -O, so a check written as an "
        "assert (a permission, a valid state) silently disappears in optimised deployments."
    ),
    "B102": (
        "exec runs any Python text it is given: if any part of that text comes from outside "
        "the program, the sender can run code with the program's rights."
    ),
    "B103": (
        "Permissions this wide let other users on the machine read, change or replace the file, "
        "or run it: a way to tamper with the program or read its secrets."
    ),
    "B104": (
        "Listening on every interface exposes the service to any network the machine is on, "
        "not only to local clients: services meant for localhost become reachable from outside."
    ),
    "B105": _HARDCODED,
    "B106": _HARDCODED,
    "B107": _HARDCODED,
    "B108": (
        "A fixed path in a shared temporary directory can be created first by another user, "
        "as a file or a link to one of your files, which the program then reads or overwrites."
    ),
    "B110": (
        "An exception silently swallowed hides failures, including failed security checks, "
        "and leaves the program running in a state nobody looked at."
    ),
    "B112": "An exception silently skipped hides failures, including failed security checks.",
    "B113": (
        "A request without a timeout waits forever for a server that stops answering, tying up "
        "a worker each time: a slow or hostile server can exhaust them (denial of service)."
    ),
    "B201": (
        "Flask's debug mode serves the Werkzeug debugger: anyone who can reach the app and "
        "trigger an error gets an interactive Python console on the server."
    ),
    "B202": (
        "An archive's member names are chosen by whoever made it: names with .. or absolute "
        "paths, and links, write files outside the destination directory (tar slip)."
    ),
    "B301": _PICKLE,
    "B302": "marshal is not designed for untrusted data: crafted input can crash or mislead the loader.",
    "B303": _WEAK_HASH,
    "B304": (
        "This cipher or mode is broken (DES, RC4, Blowfish, ECB ...): the encrypted data can be "
        "recovered or its patterns seen without the key."
    ),
    "B305": (
        "ECB mode encrypts equal blocks to equal ciphertext, so the data's patterns show "
        "through, and nothing detects tampering."
    ),
    "B306": (
        "mktemp only returns a name: another process can create that file (or a link) before "
        "the program opens it, and make it read or overwrite a file of the attacker's choosing."
    ),
    "B307": (
        "eval runs any Python expression it is given: if any part of the text comes from "
        "outside the program, the sender can run code with the program's rights."
    ),
    "B308": (
        "mark_safe tells the template engine not to escape the text: if it holds user input, "
        "that input's HTML and scripts run in the visitor's browser (cross-site scripting)."
    ),
    "B310": (
        "urlopen also follows file:// and other schemes: a URL from outside the program can read "
        "local files or reach internal services."
    ),
    "B311": (
        "The random module is predictable: after seeing some outputs an attacker can compute the "
        "rest, so tokens, passwords or keys made with it can be guessed."
    ),
    "B312": "Telnet sends everything, passwords included, unencrypted over the network.",
    **{rule: _XML for rule in ("B313", "B314", "B315", "B316", "B317", "B318", "B319")},
    "B321": "FTP sends everything, passwords included, unencrypted over the network.",
    "B323": (
        "An unverified context accepts any certificate, so anyone on the network path can "
        "pretend to be the server and read or change the traffic."
    ),
    "B324": _WEAK_HASH,
    "B401": "Telnet sends everything, passwords included, unencrypted over the network.",
    "B402": "FTP sends everything, passwords included, unencrypted over the network.",
    "B403": _PICKLE,
    "B404": (
        "The subprocess module runs other programs: review each call for commands or arguments "
        "built from outside input."
    ),
    **{rule: _XML_IMPORT for rule in ("B405", "B406", "B407", "B408", "B409", "B411")},
    "B412": (
        "httpoxy: under CGI, a request's Proxy header becomes the HTTP_PROXY variable, so an "
        "attacker can route the program's outgoing requests through their own proxy."
    ),
    "B413": "pycrypto is unmaintained and has known vulnerabilities; pycryptodome replaces it.",
    "B415": "pyghmi speaks IPMI, whose authentication is weak by design: keep it off untrusted networks.",
    "B501": (
        "With certificate verification off, anyone on the network path can pretend to be the "
        "server and read or change the traffic, credentials included."
    ),
    "B502": _SSL_VERSION,
    "B503": _SSL_VERSION,
    "B504": (
        "Without an explicit version the socket may still negotiate TLS 1.0/1.1, which have "
        "known attacks; ssl.wrap_socket also checks no certificate by default."
    ),
    "B505": (
        "Keys this short can be broken with affordable computing power, exposing everything "
        "they protect."
    ),
    "B506": (
        "yaml.load with a full loader builds any Python object a document names (!!python/ "
        "tags), so a document from outside the program can run code when it is loaded."
    ),
    "B507": (
        "Trusting unknown host keys lets anyone on the network path pretend to be the SSH server "
        "(man in the middle) and capture credentials and data."
    ),
    "B508": "SNMP versions 1 and 2 send the community string, their only secret, unencrypted.",
    "B509": "SNMPv3 without authentication and privacy (authPriv) sends data unprotected.",
    "B601": (
        "paramiko's exec_command runs its text through the remote shell: input in it can run "
        "other commands on the remote host."
    ),
    "B602": _SHELL,
    "B603": (
        "A subprocess call without a shell is not open to shell injection, but its program and "
        "arguments still need checking when they come from outside."
    ),
    "B604": _SHELL,
    "B605": _SHELL,
    "B606": "Starting a process: check the program and arguments when they come from outside.",
    "B607": (
        "A program named without its full path is looked up in PATH, which whoever controls the "
        "environment can point at a program of their own."
    ),
    "B608": (
        "SQL built from strings lets input change the query itself (SQL injection): read or "
        "change any data, bypass logins. Pass values as query parameters instead."
    ),
    "B609": (
        "A wildcard in a shell command expands to file names, which can be chosen to look like "
        "options (a file named --checkpoint-action=exec=...)."
    ),
    "B610": "Django's extra() puts its text straight into SQL: input in it is SQL injection.",
    "B611": "Django's RawSQL puts its text straight into SQL: input in it is SQL injection.",
    "B612": (
        "logging.config.listen accepts configuration from the network, and logging "
        "configuration can name code to run."
    ),
    "B613": (
        "Bidirectional control characters make code read differently from how it runs "
        "(Trojan Source): a reviewer sees something other than what executes."
    ),
    "B614": "torch.load unpickles: a model file from elsewhere can run code when it is loaded.",
    "B615": (
        "Downloading from the Hugging Face Hub without a pinned revision takes whatever the "
        "repository holds today, which its owner (or whoever takes it over) can change."
    ),
    "B701": (
        "Without autoescaping, variables rendered into HTML keep their markup: user input becomes "
        "scripts running in the visitor's browser (cross-site scripting)."
    ),
    "B702": (
        "Mako templates do not escape variables by default: user input becomes scripts running "
        "in the visitor's browser (cross-site scripting)."
    ),
    "B703": (
        "mark_safe tells Django not to escape the text: if it holds user input, that input's "
        "HTML and scripts run in the visitor's browser (cross-site scripting)."
    ),
    "B704": (
        "markupsafe.Markup marks text as safe HTML: if it holds user input, that input's HTML and "
        "scripts run in the visitor's browser (cross-site scripting)."
    ),
}


def why_it_matters_text(finding: Finding) -> str:
    """The reason in plain words: the rule's own when we have one, else the CWE's definition."""
    if finding.engine == "bandit" and finding.rule_id in RULE_REASONS:
        return RULE_REASONS[finding.rule_id]
    if finding.engine == "codeql":
        query = query_by_id(finding.rule_id)
        if query is not None and query.description:
            return query.description
    return lookup(finding.cwe).definition if finding.cwe else ""
