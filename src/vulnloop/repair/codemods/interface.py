"""A codemod's metadata record and protocol: importable without libcst, so that asking which
codemods answer a rule costs nothing when none does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vulnloop.findings import Finding


@dataclass(frozen=True)
class CodemodInfo:
    """What a codemod fixes and how a reviewer should judge its edit.

    ``semgrep_ids`` are our own Semgrep rules (``vulnloop.<name>``), answered like Bandit's and
    CodeQL's. ``residual_rules`` names rules the rewritten node is still expected to raise, on purpose and at
    lower severity (shell=True -> an argument list still draws Bandit's B603 reminder). The repair
    loop may accept those at the rewritten node; every other new finding rejects the repair.
    """

    id: str
    summary: str
    cwes: tuple[int, ...]
    bandit_ids: tuple[str, ...]
    codeql_ids: tuple[str, ...]
    guidance: str
    residual_rules: tuple[str, ...] = ()
    semgrep_ids: tuple[str, ...] = ()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (*self.bandit_ids, *self.codeql_ids, *self.semgrep_ids)


class Codemod(Protocol):
    @property
    def info(self) -> CodemodInfo: ...

    def apply(self, source: str, finding: Finding) -> str | None:
        """The whole file's new text with only the flagged node rewritten, or None when the rewrite
        is not known to be safe here (or the node is not found)."""
