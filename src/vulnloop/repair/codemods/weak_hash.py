"""Weak hashes (MD4, MD5, SHA-1): SHA-256 where the digest may protect something, or
``usedforsecurity=False`` where the names around the call say it is a cache key or checksum.

The heuristic, over the words of the call's arguments, the assignment target and the enclosing
function's name (snake_case and camelCase split):
- a password word (password, passwd, pwd, passphrase, pw) -> refuse: SHA-256 is still too fast
  for passwords, they need a salted key-derivation function (hashlib.scrypt, pbkdf2_hmac);
- else a non-security word (cache, etag, checksum, dedup, shard, bucket, partition) ->
  ``usedforsecurity=False`` (hashlib only), which keeps every existing digest valid;
- else SHA-256.
"""
from __future__ import annotations

import re

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
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(identifier: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(identifier)}


class _Identifiers(cst.CSTVisitor):
    def __init__(self) -> None:
        self.words: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.words |= _words(node.value)


def _context_words(parsed: ParsedSource, call: cst.Call) -> set[str]:
    collector = _Identifiers()
    for arg in call.args:
        arg.value.visit(collector)
    node: cst.CSTNode | None = parsed.parent(call)
    while node is not None:
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = node.targets if isinstance(node, cst.Assign) else [node]
            for target in targets:
                target.target.visit(collector)
        if isinstance(node, cst.FunctionDef):
            collector.words |= _words(node.name.value)
            break
        node = parsed.parent(node)
    return collector.words


class WeakHash(ParsedCodemod):
    info = INFOS["weak_hash"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        names = _HASHLIB_WEAK | _HASHLIB_NEW | _CRYPTOGRAPHY_WEAK
        call = parsed.locate(finding, cst.Call, lambda c: self._weak(parsed, c, names))
        if call is None or has_star_args(call) or keyword_arg(call, "usedforsecurity") is not None:
            return None
        words = _context_words(parsed, call)
        if words & _PASSWORD_WORDS:
            return None
        function = parsed.resolves_to(call.func, names)
        not_security = bool(words & _NON_SECURITY_WORDS)
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
