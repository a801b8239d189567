"""Deterministic libcst codemods, one per module, each answering a few scanner rules.

The repair loop asks ``codemods_for(finding)`` and keeps a codemod's edit only when a re-scan
verifies it; a codemod returns None wherever its rewrite is not known to be safe.
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from vulnloop.findings import Finding
from vulnloop.repair.codemods.base import Codemod, CodemodInfo

__all__ = ["MODULES", "Codemod", "CodemodInfo", "all_codemods", "codemods_for"]

# Registry order is the order codemods are tried for one finding.
MODULES: tuple[str, ...] = (
    "yaml_safe_load",
    "subprocess_shell_literal",
    "weak_hash",
    "requests_verify",
    "requests_timeout",
    "flask_debug",
    "tempfile_mkstemp",
    "secure_random",
    "defused_xml",
    "jinja2_autoescape",
    "literal_eval",
    "bind_host",
    "ssl_protocol",
    "ssl_verified_context",
    "paramiko_reject_policy",
)


def build_registry(codemods: tuple[Codemod, ...]) -> tuple[Codemod, ...]:
    """The codemods as given, refusing two with the same id."""
    seen: set[str] = set()
    for codemod in codemods:
        if codemod.info.id in seen:
            raise ValueError(f"two codemods share the id {codemod.info.id!r}")
        seen.add(codemod.info.id)
    return codemods


@lru_cache(maxsize=1)
def all_codemods() -> tuple[Codemod, ...]:
    loaded = tuple(
        importlib.import_module(f"{__name__}.{name}").CODEMOD for name in MODULES
    )
    return build_registry(loaded)


def codemods_for(finding: Finding) -> tuple[Codemod, ...]:
    """The codemods that answer the finding's rule (Bandit test id or CodeQL query id)."""
    return tuple(c for c in all_codemods() if finding.rule_id in c.info.rule_ids)
