"""Deterministic libcst codemods, one per module, each answering a few scanner rules.

The repair loop asks ``codemods_for(finding)`` and keeps a codemod's edit only when a re-scan
verifies it; a codemod returns None wherever its rewrite is not known to be safe.

Which module answers which rule is written down here, so that asking about a rule no codemod
answers (most of them) imports neither libcst nor any codemod; a test keeps this index equal to
every module's own ``CODEMOD.info.rule_ids``.
"""
from __future__ import annotations

import importlib
from functools import cache, lru_cache

from vulnloop.findings import Finding
from vulnloop.repair.codemods.info import Codemod, CodemodInfo

__all__ = [
    "MODULES", "RULES", "Codemod", "CodemodInfo", "all_codemods", "build_registry", "codemods_for", "load", "modules_for",
]

# Module -> the rules its codemod answers. Registry order is the order codemods are tried for
# one finding.
RULES: dict[str, tuple[str, ...]] = {
    "yaml_safe_load": ("B506", "py/unsafe-deserialization"),
    "subprocess_shell_literal": ("B602",),
    "weak_hash": ("B324", "B303", "py/weak-sensitive-data-hashing"),
    "requests_verify": ("B501", "py/request-without-cert-validation"),
    "requests_timeout": ("B113",),
    "flask_debug": ("B201", "py/flask-debug"),
    "tempfile_mkstemp": ("B306", "py/insecure-temporary-file"),
    "secure_random": ("B311",),
    "defused_xml": (
        "B313", "B314", "B315", "B316", "B317", "B318", "B319",
        "B405", "B406", "B407", "B408", "B409", "py/xxe", "py/xml-bomb",
    ),
    "jinja2_autoescape": ("B701", "py/jinja2/autoescape-false"),
    "literal_eval": ("B307",),
    "bind_host": ("B104", "py/bind-socket-all-network-interfaces"),
    "ssl_protocol": ("B502", "B503", "B504", "py/insecure-protocol", "py/insecure-default-protocol"),
    "ssl_verified_context": ("B323",),
    "paramiko_reject_policy": ("B507", "py/paramiko-missing-host-key-validation"),
}
MODULES: tuple[str, ...] = tuple(RULES)


# Rule -> the modules answering it, in registry order.
_BY_RULE: dict[str, tuple[str, ...]] = {
    rule: tuple(module for module, rules in RULES.items() if rule in rules)
    for rule in dict.fromkeys(rule for rules in RULES.values() for rule in rules)
}


def build_registry(codemods: tuple[Codemod, ...]) -> tuple[Codemod, ...]:
    """The codemods as given, refusing two with the same id."""
    seen: set[str] = set()
    for codemod in codemods:
        if codemod.info.id in seen:
            raise ValueError(f"two codemods share the id {codemod.info.id!r}")
        seen.add(codemod.info.id)
    return codemods


@cache
def load(module: str) -> Codemod:
    """The codemod of one module, imported on first use."""
    codemod: Codemod = importlib.import_module(f"{__name__}.{module}").CODEMOD
    return codemod


@lru_cache(maxsize=1)
def all_codemods() -> tuple[Codemod, ...]:
    return build_registry(tuple(load(name) for name in MODULES))


def modules_for(rule_id: str) -> tuple[str, ...]:
    """The modules whose codemods answer this rule, in registry order (imports nothing)."""
    return _BY_RULE.get(rule_id, ())


def codemods_for(finding: Finding) -> tuple[Codemod, ...]:
    """The codemods that answer the finding's rule (Bandit test id or CodeQL query id)."""
    return tuple(load(module) for module in modules_for(finding.rule_id))
