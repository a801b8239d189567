"""Weak hashes (MD4, MD5, SHA-1): SHA-256, HMAC-SHA-256 for a keyed hash, or
``usedforsecurity=False`` only where nothing around the call can protect anything.

Words are read from the names around the call (snake_case and camelCase split): its arguments,
the variable the digest goes to, the enclosing function's name and its parameters.
- a password word (password, passwd, pwd, passphrase, pw) -> refuse: SHA-256 is still too fast
  for passwords, they need a salted key-derivation function (hashlib.scrypt, pbkdf2_hmac);
- the hashed data is ``secret + message`` (a key, secret or pepper first) -> ``hmac.new(secret,
  message, hashlib.sha256)``: SHA-256 of a concatenation is still open to length extension;
  a secret mixed in any other way, or a function or variable named for signing or a MAC with
  the key out of sight (``h.update(key)`` later) -> refuse, and leave it to the LLM;
- a non-security word (cache, etag, checksum, dedup, shard, bucket, partition) and no
  security word anywhere in those names (secret, token, key outside "cache_key" and the like,
  session, auth, signature, nonce, salt, cookie, certificate, ...) -> ``usedforsecurity=False``
  (hashlib only), which keeps every existing digest valid. ``cache_session_token(user,
  secret)`` is not certain, so it gets SHA-256;
- else SHA-256.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ImportNeed,
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    has_star_args,
    keyword_arg,
    positional_args,
    replace_arg_value,
    string_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

_WEAK = ("md4", "md5", "sha1", "sha")
_HASHLIB_WEAK = frozenset(f"hashlib.{name}" for name in ("md5", "sha1"))
_HASHLIB_NEW = frozenset({"hashlib.new"})
_CRYPTOGRAPHY = "cryptography.hazmat.primitives.hashes"
_CRYPTOGRAPHY_WEAK = frozenset({f"{_CRYPTOGRAPHY}.MD5", f"{_CRYPTOGRAPHY}.SHA1"})

_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pw", "pass", "passwords"})
_NON_SECURITY_WORDS = frozenset({"cache", "etag", "checksum", "dedup", "shard", "bucket", "partition"})
# Words that say the digest may protect something: a non-security use is then not certain.
_SECURITY_WORDS = frozenset({
    "secret", "secrets", "token", "tokens", "key", "keys", "session", "auth", "authenticate",
    "login", "sign", "signed", "signature", "signing", "hmac", "mac", "nonce", "salt", "pepper",
    "credential", "credentials", "cred", "creds", "private", "otp", "csrf", "cookie", "jwt", "api",
    "cert", "certificate", "verify", "integrity", "seal", "license", "user", "account",
})
# Words naming a key that makes a hash a MAC, and a name for the result of one.
_KEY_WORDS = frozenset({"key", "secret", "pepper"})
_MAC_WORDS = frozenset({"sign", "signed", "signature", "signing", "hmac", "mac"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(identifier: str) -> set[str]:
    """An identifier's words; "key" in a non-security compound (cache_key) names no secret."""
    words = {w.lower() for w in _WORD.findall(identifier)}
    if words & _NON_SECURITY_WORDS:
        words -= {"key", "keys"}
    return words


def _identifiers(node: cst.CSTNode) -> set[str]:
    """The values ``node`` reads, as dotted names (``self.secret_key``; the method name of
    ``key.encode()`` or ``b"".join(...)`` is not one)."""
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            dotted = _dotted(attribute)
            if dotted is not None:
                found.add(dotted)
            else:
                attribute.value.visit(self)
            return False

        def visit_Call(self, call: cst.Call) -> bool:
            if isinstance(call.func, cst.Attribute):  # a method: its object and arguments
                call.func.value.visit(self)
            elif not isinstance(call.func, cst.Name):
                call.func.visit(self)
            for arg in call.args:
                arg.value.visit(self)
            return False

        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

    node.visit(Collect())
    return found


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _words_of(identifiers: set[str]) -> set[str]:
    return {word for dotted in identifiers for part in dotted.split(".") for word in _words(part)}


def _names_in(node: cst.CSTNode) -> set[str]:
    return _words_of(_identifiers(node))


@dataclass(frozen=True)
class _Context:
    data: frozenset[str]  # words of the hashed data (the call's arguments)
    mixed: bool  # the data combines several values
    purpose: frozenset[str]  # words of the variable the digest goes to and the function's name
    around: frozenset[str]  # words of the enclosing function's parameters

    @property
    def all(self) -> frozenset[str]:
        return self.data | self.purpose | self.around


def _context(parsed: ParsedSource, call: cst.Call) -> _Context:
    identifiers: set[str] = set()
    for arg in call.args:
        identifiers |= _identifiers(arg.value)
    data = _words_of(identifiers)
    purpose: set[str] = set()
    around: set[str] = set()
    node: cst.CSTNode | None = parsed.parent(call)
    while node is not None:
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = node.targets if isinstance(node, cst.Assign) else [node]
            for target in targets:
                purpose |= _names_in(target.target)
        if isinstance(node, cst.FunctionDef):
            purpose |= _words(node.name.value)
            around |= _names_in(node.params)
            break
        node = parsed.parent(node)
    return _Context(frozenset(data), len(identifiers) > 1, frozenset(purpose), frozenset(around))


def _keyed_parts(call: cst.Call) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """(key, message) when the call hashes ``key + message`` with the key named as one."""
    data = positional_args(call)[-1].value if positional_args(call) else None
    if isinstance(data, cst.BinaryOperation) and isinstance(data.operator, cst.Add):
        left, right = data.left, data.right
        if not isinstance(left, cst.BinaryOperation) and _names_in(left) & _KEY_WORDS:
            return left, right
    return None


class WeakHash(ParsedCodemod):
    info = INFOS["weak_hash"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        names = _HASHLIB_WEAK | _HASHLIB_NEW | _CRYPTOGRAPHY_WEAK
        call = parsed.locate(finding, cst.Call, lambda c: self._weak(parsed, c, names))
        if call is None or has_star_args(call) or keyword_arg(call, "usedforsecurity") is not None:
            return None
        context = _context(parsed, call)
        if context.all & _PASSWORD_WORDS:
            return None
        function = parsed.resolves_to(call.func, names)
        if function in _HASHLIB_WEAK | _HASHLIB_NEW and len(call.args) == len(positional_args(call)):
            keyed = _keyed_parts(call)
            if keyed is not None and len(positional_args(call)) == (2 if function in _HASHLIB_NEW else 1):
                return self._hmac(parsed, call, *keyed)
        if (context.mixed and context.data & _KEY_WORDS) or context.purpose & _MAC_WORDS:
            return None  # a keyed hash whose key is mixed in another way: a redesign
        not_security = bool(context.all & _NON_SECURITY_WORDS) and not context.all & _SECURITY_WORDS
        if function in _CRYPTOGRAPHY_WEAK:
            if not_security:  # cryptography has no opt-out: changing the digest is not asked for
                return None
            return self._retarget(parsed, call, _CRYPTOGRAPHY, "SHA256")
        if not_security:
            new_call = append_keyword(call, "usedforsecurity", cst.Name("False"))
            return parsed.render([(call, new_call)])
        if function in _HASHLIB_NEW:
            name_arg = positional_args(call)[0]
            quote = parsed.code(name_arg.value).lstrip("rRuU")[:1]
            new_call = replace_arg_value(call, name_arg, cst.SimpleString(f"{quote}sha256{quote}"))
            return parsed.render([(call, new_call)])
        return self._retarget(parsed, call, "hashlib", "sha256")

    @staticmethod
    def _hmac(
        parsed: ParsedSource, call: cst.Call, key: cst.BaseExpression, message: cst.BaseExpression
    ) -> str | None:
        """``sha1(key + message)`` -> ``hmac.new(key, message, hashlib.sha256)``."""
        hmac = parsed.module_reference("hmac")
        hashlib = parsed.module_reference("hashlib")
        if hmac is None or hashlib is None:
            return None
        digest = cst.Attribute(value=hashlib[0], attr=cst.Name("sha256"))
        new_call = cst.Call(
            func=cst.Attribute(value=hmac[0], attr=cst.Name("new")),
            args=[
                cst.Arg(key, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(message, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(digest),
            ],
        )
        return parsed.render([(call, new_call)], [hmac[1], hashlib[1]])

    @staticmethod
    def _weak(parsed: ParsedSource, call: cst.Call, names: frozenset[str]) -> bool:
        function = parsed.resolves_to(call.func, names)
        if function is None:
            return False
        if function not in _HASHLIB_NEW:
            return True
        positional = positional_args(call)
        name = string_value(positional[0].value) if positional else None
        return name is not None and name.lower() in _WEAK and keyword_arg(call, "name") is None

    @staticmethod
    def _retarget(parsed: ParsedSource, call: cst.Call, module: str, attr: str) -> str | None:
        new_func = parsed.sibling(call.func, module, attr)
        if new_func is None:
            return None
        need: ImportNeed | None = new_func[1]
        return parsed.render([(call, call.with_changes(func=new_func[0]))], [need])


CODEMOD = WeakHash()
