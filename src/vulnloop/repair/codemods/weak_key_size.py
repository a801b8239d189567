"""A literal RSA or DSA key size below 2048 bits -> 2048; an elliptic curve under 224 bits
(SECP192R1, SECT163K1, SECT163R2) -> ``SECP256R1()``.

Only the key generators of ``cryptography`` and PyCryptodome / PyCrypto (``Crypto``,
``Cryptodome``) are rewritten, named through the file's imports; a size held in a variable, or
any other library's generator, is left to the LLM.
"""
from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.catalogue import INFOS, MIN_KEY_BITS
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    call_shape_ok,
    keyword_arg,
    positional_args,
    replace_arg_value,
)

_ASYMMETRIC = "cryptography.hazmat.primitives.asymmetric"
_EC = f"{_ASYMMETRIC}.ec"
# Curves Bandit and CodeQL call breakable (fewer than 224 bits), and the one they become.
_WEAK_CURVES = frozenset(f"{_EC}.{name}" for name in ("SECP192R1", "SECT163K1", "SECT163R2"))
_STRONG_CURVE = "SECP256R1"


@dataclass(frozen=True)
class _Generator:
    """Where a key generator takes its size (or curve): a keyword and a position."""

    keyword: str
    position: int
    max_positional: int
    keywords: frozenset[str]


_CRYPTOGRAPHY_RSA = _Generator("key_size", 1, 3, frozenset({"public_exponent", "key_size", "backend"}))
_CRYPTOGRAPHY_DSA = _Generator("key_size", 0, 2, frozenset({"key_size", "backend"}))
_CRYPTOGRAPHY_EC = _Generator("curve", 0, 2, frozenset({"curve", "backend"}))
# PyCryptodome's RSA.generate(bits, randfunc, e), DSA.generate(bits, randfunc, domain) and
# PyCrypto's (bits, randfunc, progress_func[, e]). A DSA domain fixes the size: refused.
_PYCRYPTO_RSA = _Generator("bits", 0, 4, frozenset({"bits", "randfunc", "e", "progress_func"}))
_PYCRYPTO_DSA = _Generator("bits", 0, 3, frozenset({"bits", "randfunc", "progress_func"}))

_GENERATORS: dict[str, _Generator] = {
    f"{_ASYMMETRIC}.rsa.generate_private_key": _CRYPTOGRAPHY_RSA,
    f"{_ASYMMETRIC}.dsa.generate_private_key": _CRYPTOGRAPHY_DSA,
    f"{_EC}.generate_private_key": _CRYPTOGRAPHY_EC,
    **{
        f"{package}.PublicKey.{algorithm}.generate": generator
        for package in ("Crypto", "Cryptodome")
        for algorithm, generator in (("RSA", _PYCRYPTO_RSA), ("DSA", _PYCRYPTO_DSA))
    },
}
_NAMES = frozenset(_GENERATORS)


class WeakKeySize(ParsedCodemod):
    info = INFOS["weak_key_size"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, lambda c: parsed.resolves_to(c.func, _NAMES) is not None)
        if call is None:
            return None
        name = parsed.resolves_to(call.func, _NAMES)
        assert name is not None
        generator = _GENERATORS[name]
        if not call_shape_ok(call, generator.max_positional, generator.keywords):
            return None
        arg = keyword_arg(call, generator.keyword)
        positional = positional_args(call)
        if arg is None and len(positional) > generator.position:
            arg = positional[generator.position]
        elif arg is not None and len(positional) > generator.position:
            return None  # given twice: a TypeError, not ours to guess
        if arg is None:
            return None  # the library's default size
        if generator is _CRYPTOGRAPHY_EC:
            return self._strong_curve(parsed, call, arg)
        if not isinstance(arg.value, cst.Integer) or arg.value.evaluated_value >= MIN_KEY_BITS:
            return None
        new_size = arg.value.with_changes(value=str(MIN_KEY_BITS))
        return parsed.render([(call, replace_arg_value(call, arg, new_size))])

    @staticmethod
    def _strong_curve(parsed: ParsedSource, call: cst.Call, arg: cst.Arg) -> str | None:
        """``ec.SECP192R1`` or ``ec.SECP192R1()`` -> ``ec.SECP256R1()``, spelled as the weak
        curve is (through the module, or imported by name)."""
        curve = arg.value
        if isinstance(curve, cst.Call):
            if curve.args:
                return None
            curve = curve.func
        if parsed.resolves_to(curve, _WEAK_CURVES) is None:
            return None
        strong = parsed.sibling(curve, _EC, _STRONG_CURVE)
        if strong is None:
            return None
        new_curve = cst.Call(func=strong[0])
        return parsed.render([(call, replace_arg_value(call, arg, new_curve))], [strong[1]])


CODEMOD = WeakKeySize()
