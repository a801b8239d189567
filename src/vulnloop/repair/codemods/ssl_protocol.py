"""Broken or unspecified SSL/TLS protocol versions -> a context that negotiates TLS 1.2 or newer.

- ``ctx = ssl.SSLContext(<bad or none>)`` -> ``ssl.SSLContext(ssl.PROTOCOL_TLS)`` followed by
  ``ctx.minimum_version = ssl.TLSVersion.TLSv1_2`` (pyOpenSSL: ``SSL.Context(SSL.TLS_METHOD)``
  and ``ctx.set_min_proto_version(SSL.TLS1_2_VERSION)``): TLS 1.3 stays available, and
  certificate checking stays what it was (PROTOCOL_TLS_CLIENT would switch it on without
  loading any CA, breaking every connection);
- a server's ``ssl.wrap_socket(sock, server_side=True, certfile=..., ...)`` (removed in Python
  3.12) -> a ``PROTOCOL_TLS_SERVER`` context built on the lines before, with the same
  certificate, CA, verification and cipher settings, and ``tls_context.wrap_socket(...)``;
- a client's ``s = ssl.wrap_socket(sock)`` followed by ``s.connect((host, port))``, ``host``
  being a parameter of the function that nothing reassigns -> ``ssl.create_default_context()``
  with ``minimum_version`` and ``wrap_socket(sock, server_hostname=host)``: the server's
  certificate and name are now checked (ssl.wrap_socket checked neither). Any other client
  is declined: checking the server needs its host name, which only the program knows;
- a bad version passed to any other call, or as a function's default, can only be replaced
  by one constant: ``ssl.PROTOCOL_TLSv1_2`` / ``SSL.TLSv1_2_METHOD`` (TLS 1.2 exactly).
"""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ImportNeed,
    ParsedCodemod,
    ParsedSource,
    calls_in,
    has_star_args,
    is_name,
    keyword_arg,
    keyword_names,
    positional_args,
    replace_arg_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

_SAFE = {"ssl": "PROTOCOL_TLSv1_2", "OpenSSL.SSL": "TLSv1_2_METHOD", "pyOpenSSL.SSL": "TLSv1_2_METHOD"}
_BAD: dict[str, str] = {}
for _name in ("PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1"):
    _BAD[f"ssl.{_name}"] = "ssl"
for _package in ("OpenSSL.SSL", "pyOpenSSL.SSL"):
    for _name in ("SSLv2_METHOD", "SSLv3_METHOD", "SSLv23_METHOD", "TLSv1_METHOD", "TLSv1_1_METHOD"):
        _BAD[f"{_package}.{_name}"] = _package
_BAD_NAMES = frozenset(_BAD)
_VERSION_KEYWORDS = ("ssl_version", "method", "protocol")
_CONTEXTS = frozenset({"ssl.SSLContext", "OpenSSL.SSL.Context", "pyOpenSSL.SSL.Context"})
_WRAP_SOCKET = frozenset({"ssl.wrap_socket"})
_WRAP_SOCKET_VERSION_POSITION = 6  # wrap_socket's 6th parameter is ssl_version
# wrap_socket's keywords: those that become the context's settings, and those the new call keeps.
_CONTEXT_SETTINGS = frozenset({"keyfile", "certfile", "cert_reqs", "ssl_version", "ca_certs", "ciphers"})
_CALL_SETTINGS = frozenset({"server_side", "do_handshake_on_connect", "suppress_ragged_eofs"})
CONTEXT_NAME = "tls_context"
# Expressions that may be evaluated a line earlier without changing what they mean.
_PLAIN = (cst.Name, cst.Attribute, cst.SimpleString, cst.ConcatenatedString, cst.Integer)
# Nodes between the call and its line under which the call may not run, or run more than once.
_CONDITIONAL = (
    cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.IfExp, cst.BooleanOperation,
)


class SslProtocol(ParsedCodemod):
    info = INFOS["ssl_protocol"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, lambda c: bool(self._bad_args(parsed, c)) or self._unversioned(parsed, c))
        if call is not None:
            if parsed.resolves_to(call.func, _WRAP_SOCKET):
                return self._server_context(parsed, call)
            context = parsed.resolves_to(call.func, _CONTEXTS)
            if context is not None:
                negotiating = self._negotiating_context(parsed, call, context.rsplit(".", 1)[0])
                if negotiating is not None:
                    return negotiating
            return self._replace_all(parsed, self._bad_args(parsed, call))
        function = parsed.locate(finding, cst.FunctionDef, lambda f: bool(self._bad_defaults(parsed, f)))
        if function is not None:
            return self._replace_all(parsed, self._bad_defaults(parsed, function))
        return None

    def _bad_args(self, parsed: ParsedSource, call: cst.Call) -> list[cst.BaseExpression]:
        values = [a.value for a in call.args if a.keyword is not None and a.keyword.value in _VERSION_KEYWORDS]
        if parsed.resolves_to(call.func, _CONTEXTS):
            values += [a.value for a in positional_args(call)[:1]]
        return [v for v in values if parsed.resolves_to(v, _BAD_NAMES)]

    def _bad_defaults(self, parsed: ParsedSource, function: cst.FunctionDef) -> list[cst.BaseExpression]:
        params = [*function.params.params, *function.params.kwonly_params, *function.params.posonly_params]
        return [p.default for p in params if p.default is not None and parsed.resolves_to(p.default, _BAD_NAMES)]

    def _unversioned(self, parsed: ParsedSource, call: cst.Call) -> bool:
        if has_star_args(call) or any(keyword_arg(call, k) for k in _VERSION_KEYWORDS):
            return False
        if parsed.resolves_to(call.func, _WRAP_SOCKET):
            return len(positional_args(call)) < _WRAP_SOCKET_VERSION_POSITION
        return parsed.resolves_to(call.func, frozenset({"ssl.SSLContext"})) is not None and not call.args

    def _replace_all(self, parsed: ParsedSource, values: list[cst.BaseExpression]) -> str | None:
        replacements: list[tuple[cst.CSTNode, cst.CSTNode]] = []
        imports: list[ImportNeed | None] = []
        for value in values:
            name = parsed.resolves_to(value, _BAD_NAMES)
            assert name is not None
            package = _BAD[name]
            new = parsed.sibling(value, package, _SAFE[package])
            if new is None:
                return None
            replacements.append((value, new[0]))
            imports.append(new[1])
        return parsed.render(replacements, imports) if replacements else None

    # --- contexts -----------------------------------------------------------------------------

    def _negotiating_context(self, parsed: ParsedSource, call: cst.Call, module: str) -> str | None:
        """``target = SSLContext(...)`` on its own line -> any version from TLS 1.2 up."""
        assign = parsed.parent(call)
        line = parsed.parent(assign) if isinstance(assign, cst.Assign) else None
        if not (isinstance(assign, cst.Assign) and isinstance(line, cst.SimpleStatementLine)):
            return None
        if len(line.body) != 1 or len(assign.targets) != 1 or len(call.args) > 1:
            return None
        target = assign.targets[0].target
        if not isinstance(target, (cst.Name, cst.Attribute)) or not isinstance(call.func, (cst.Name, cst.Attribute)):
            return None
        openssl = module != "ssl"
        names = ("TLS_METHOD", "TLS1_2_VERSION") if openssl else ("PROTOCOL_TLS", "TLSVersion")
        found = [parsed.sibling(call.func, module, name) for name in names]
        if None in found:
            return None
        (protocol, protocol_import), (minimum, minimum_import) = (f for f in found if f is not None)
        if call.args:
            new_call = replace_arg_value(call, call.args[0], protocol)
        else:
            new_call = call.with_changes(args=[cst.Arg(protocol)])
        owner = parsed.code(target)
        if openssl:
            setting = f"{owner}.set_min_proto_version({parsed.code(minimum)})"
        else:
            setting = f"{owner}.minimum_version = {parsed.code(minimum)}.TLSv1_2"
        lines = [
            _with_call(line, call, new_call),
            cst.parse_statement(setting + parsed.default_newline),
        ]
        return parsed.render([(line, cst.FlattenSentinel(lines))], [protocol_import, minimum_import])

    def _server_context(self, parsed: ParsedSource, call: cst.Call) -> str | None:
        """A server's ``ssl.wrap_socket(sock, server_side=True, certfile=...)`` -> the same
        settings on a PROTOCOL_TLS_SERVER context made on the lines before."""
        keywords = keyword_names(call)
        positional = positional_args(call)
        if has_star_args(call) or len(positional) != 1 or not keywords <= _CONTEXT_SETTINGS | _CALL_SETTINGS:
            return None
        server_side = keyword_arg(call, "server_side")
        certfile = keyword_arg(call, "certfile")
        if server_side is None and keywords <= {"ssl_version"}:
            return self._client_context(parsed, call)
        if server_side is None or not is_name(server_side.value, "True") or certfile is None:
            return None
        settings = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if not all(isinstance(value, _PLAIN) for value in settings.values()):
            return None
        line = self._own_line(parsed, call)
        if line is None or parsed.has_name(CONTEXT_NAME) or not isinstance(call.func, (cst.Name, cst.Attribute)):
            return None
        found = [parsed.sibling(call.func, "ssl", name) for name in ("SSLContext", "PROTOCOL_TLS_SERVER", "TLSVersion")]
        if None in found:
            return None
        (context, _), (protocol, _), (version, _) = (f for f in found if f is not None)
        code = {name: parsed.code(value) for name, value in settings.items()}
        setup = [
            f"{CONTEXT_NAME} = {parsed.code(context)}({parsed.code(protocol)})",
            f"{CONTEXT_NAME}.minimum_version = {parsed.code(version)}.TLSv1_2",
            f"{CONTEXT_NAME}.load_cert_chain({', '.join(code[k] for k in ('certfile', 'keyfile') if k in code)})",
        ]
        if "ca_certs" in code:
            setup.append(f"{CONTEXT_NAME}.load_verify_locations({code['ca_certs']})")
        if "cert_reqs" in code:
            setup.append(f"{CONTEXT_NAME}.verify_mode = {code['cert_reqs']}")
        if "ciphers" in code:
            setup.append(f"{CONTEXT_NAME}.set_ciphers({code['ciphers']})")
        kept = [a for a in call.args if a.keyword is None or a.keyword.value in _CALL_SETTINGS]
        kept[-1] = kept[-1].with_changes(comma=call.args[-1].comma)  # a trailing comma stays trailing
        new_call = call.with_changes(
            func=cst.Attribute(value=cst.Name(CONTEXT_NAME), attr=cst.Name("wrap_socket")), args=kept
        )
        return _after_setup(parsed, line, setup, call, new_call, [f[1] for f in found if f is not None])

    def _client_context(self, parsed: ParsedSource, call: cst.Call) -> str | None:
        """``s = ssl.wrap_socket(sock)`` connected later with ``s.connect((host, port))``."""
        assign = parsed.parent(call)
        line = parsed.parent(assign) if isinstance(assign, cst.Assign) else None
        if not (isinstance(assign, cst.Assign) and isinstance(line, cst.SimpleStatementLine)):
            return None
        target = assign.targets[0].target
        if len(line.body) != 1 or len(assign.targets) != 1 or not isinstance(target, cst.Name):
            return None
        host = self._connected_host(parsed, target)
        if host is None or parsed.has_name(CONTEXT_NAME) or not isinstance(call.func, (cst.Name, cst.Attribute)):
            return None
        found = [parsed.sibling(call.func, "ssl", name) for name in ("create_default_context", "TLSVersion")]
        if None in found:
            return None
        (factory, _), (version, _) = (f for f in found if f is not None)
        setup = [
            f"{CONTEXT_NAME} = {parsed.code(factory)}()",
            f"{CONTEXT_NAME}.minimum_version = {parsed.code(version)}.TLSv1_2",
        ]
        sock = positional_args(call)[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        hostname = cst.Arg(
            cst.Name(host),
            keyword=cst.Name("server_hostname"),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        new_call = cst.Call(
            func=cst.Attribute(value=cst.Name(CONTEXT_NAME), attr=cst.Name("wrap_socket")), args=[sock, hostname]
        )
        return _after_setup(parsed, line, setup, call, new_call, [f[1] for f in found if f is not None])

    @staticmethod
    def _connected_host(parsed: ParsedSource, socket: cst.Name) -> str | None:
        """The host ``socket`` connects to, when that is a parameter of the function holding
        both, bound nowhere else, and the socket is bound only here."""
        scope = parsed.scope(socket)
        if scope is None or len(scope[socket.value]) != 1:
            return None
        hosts: set[str] = set()
        for statement in parsed.statements_mentioning(frozenset({socket.value})):
            for call in calls_in(statement):
                func = call.func
                if not (isinstance(func, cst.Attribute) and is_name(func.value, socket.value)):
                    continue
                if func.attr.value != "connect" or parsed.scope(func.value) is not scope:
                    continue
                address = call.args[0].value if len(call.args) == 1 else None
                first = address.elements[0].value if isinstance(address, cst.Tuple) and address.elements else None
                if not isinstance(first, cst.Name):
                    return None
                bindings = list(scope[first.value])
                params = [b for b in bindings if isinstance(getattr(b, "node", None), cst.Param)]
                if not bindings or len(params) != len(bindings):
                    return None
                hosts.add(first.value)
        return next(iter(hosts)) if len(hosts) == 1 else None

    @staticmethod
    def _own_line(parsed: ParsedSource, call: cst.Call) -> cst.SimpleStatementLine | None:
        """The line the call runs in exactly once, when the line runs: lines can go before it."""
        node = parsed.parent(call)
        while node is not None and not isinstance(node, cst.SimpleStatementLine):
            if isinstance(node, (_CONDITIONAL, cst.BaseSuite, cst.BaseCompoundStatement)):
                return None
            node = parsed.parent(node)
        if node is None or len(node.body) != 1:
            return None
        return node


def _after_setup(
    parsed: ParsedSource,
    line: cst.SimpleStatementLine,
    setup: list[str],
    call: cst.Call,
    new_call: cst.Call,
    imports: list[ImportNeed | None],
) -> str | None:
    """The file with the ``setup`` lines just before ``line`` (which keeps its comments above
    them) and ``call`` replaced in it."""
    statements = [cst.parse_statement(text + parsed.default_newline) for text in setup]
    statements[0] = statements[0].with_changes(leading_lines=line.leading_lines)
    lines = [*statements, _with_call(line, call, new_call).with_changes(leading_lines=())]
    return parsed.render([(line, cst.FlattenSentinel(lines))], imports)


def _with_call(line: cst.SimpleStatementLine, old: cst.Call, new: cst.Call) -> cst.SimpleStatementLine:
    replaced = line.deep_replace(old, new)
    assert isinstance(replaced, cst.SimpleStatementLine)
    return replaced


CODEMOD = SslProtocol()
