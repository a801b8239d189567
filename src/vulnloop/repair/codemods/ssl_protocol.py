"""Broken or unspecified SSL/TLS protocol versions -> TLS 1.2.

``ssl.PROTOCOL_SSLv2/SSLv3/TLSv1/TLSv1_1`` -> ``ssl.PROTOCOL_TLSv1_2`` and pyOpenSSL's
``*_METHOD`` equivalents -> ``SSL.TLSv1_2_METHOD``, in calls and in function defaults; and
``ssl.wrap_socket(...)`` / ``ssl.SSLContext()`` with no version get ``PROTOCOL_TLSv1_2``
(the default there negotiates TLS 1.0 and 1.1 too).
"""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import (
    ImportNeed,
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    has_star_args,
    keyword_arg,
    positional_args,
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


class SslProtocol(ParsedCodemod):
    info = INFOS["ssl_protocol"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, lambda c: bool(self._bad_args(parsed, c)) or self._unversioned(parsed, c))
        if call is not None:
            bad = self._bad_args(parsed, call)
            if bad:
                return self._replace_all(parsed, bad)
            return self._add_version(parsed, call)
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
        return parsed.render(replacements, imports)

    def _add_version(self, parsed: ParsedSource, call: cst.Call) -> str | None:
        func = call.func
        if isinstance(func, cst.Attribute) and parsed.qualified_names(func.value) == {"ssl"}:
            ssl_ref: tuple[cst.BaseExpression, ImportNeed | None] | None = (func.value, None)
        else:
            ssl_ref = parsed.module_reference("ssl")
        if ssl_ref is None:
            return None
        version = cst.Attribute(value=ssl_ref[0], attr=cst.Name(_SAFE["ssl"]))
        keyword = "ssl_version" if parsed.resolves_to(func, _WRAP_SOCKET) else "protocol"
        return parsed.render([(call, append_keyword(call, keyword, version))], [ssl_ref[1]])


CODEMOD = SslProtocol()
