"""What vulnloop offers code that embeds it (the benchmarks, scripts): engines, the repair loop,
the LLM client and the verifier's checks, under one import. Names not listed here are internal.

Importing this module loads the engines and the repair loop, so front doors do not use it.
"""
from __future__ import annotations

from vulnloop.config import Config, as_int, parse_engines
from vulnloop.engines import Engine
from vulnloop.engines.dedupe import dedupe_findings
from vulnloop.errors import ConfigError
from vulnloop.findings import Finding, ScanResult, merge_results
from vulnloop.llm.client import ChatMessage, ChatModel, Completion, OpenAIChatModel, TokenBudget
from vulnloop.llm.usage import TokenUsage
from vulnloop.pipeline import build_engines, build_llm, build_loop, select_targets
from vulnloop.quiet_parse import parse_quietly, quiet_warnings
from vulnloop.repair.answer import code_blocks, tidy_code
from vulnloop.repair.ledger import LoopReport, Status
from vulnloop.repair.llm import LlmRepairer
from vulnloop.repair.loop import LoopOptions, RepairLoop
from vulnloop.repair.proposal import Proposal
from vulnloop.repair.verify import compiles, pair_findings
from vulnloop.sources import SourceFile

__all__ = [
    # configuration and errors
    "Config", "ConfigError", "as_int", "parse_engines",
    # scanning
    "Engine", "Finding", "ScanResult", "SourceFile", "build_engines", "dedupe_findings", "merge_results",
    "select_targets",
    # the LLM
    "ChatMessage", "ChatModel", "Completion", "OpenAIChatModel", "TokenBudget", "TokenUsage", "build_llm",
    # repairing
    "LlmRepairer", "LoopOptions", "LoopReport", "Proposal", "RepairLoop", "Status", "build_loop",
    # the verifier's checks and answer reading
    "code_blocks", "compiles", "pair_findings", "tidy_code",
    # parsing untrusted code without its warnings
    "parse_quietly", "quiet_warnings",
]
