"""Deterministic libcst codemods, one per module, each answering a few scanner rules.

The repair loop asks ``codemods_for(finding)`` and keeps a codemod's edit only when a re-scan
verifies it; a codemod returns None wherever its rewrite is not known to be safe.

Every codemod's metadata lives in ``catalogue.py``, so that asking about a rule no codemod
answers (most of them), or what a codemod's reviewer must check, imports neither libcst nor any
codemod; a test keeps the catalogue equal to every module's own ``CODEMOD.info``.
"""
from __future__ import annotations

import importlib
from functools import cache, lru_cache

from vulnloop.findings import Finding
from vulnloop.repair.codemods.catalogue import INFOS, info_by_id
from vulnloop.repair.codemods.interface import Codemod, CodemodInfo

__all__ = [
    "MODULES", "RULES", "Codemod", "CodemodInfo", "all_codemods", "build_registry", "codemods_for", "info_by_id", "load",
    "modules_for",
]

# Module -> the rules its codemod answers. Registry order is the order codemods are tried for
# one finding.
RULES: dict[str, tuple[str, ...]] = {module: info.rule_ids for module, info in INFOS.items()}
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
    """The codemods that answer the finding's rule (Bandit test id, CodeQL query id or one of our
    Semgrep rules)."""
    return tuple(load(module) for module in modules_for(finding.rule_id))
