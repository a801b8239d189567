"""The action's inputs, as the runner hands them to a container: ``INPUT_<NAME>`` variables.

The defaults here are the ones in ``action.yml`` (a test keeps them equal), so a run without the
runner's defaults, e.g. a local test, behaves like one with them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from vulnloop.config import as_bool, as_int, as_level, parse_engines, parse_seconds
from vulnloop.errors import ConfigError
from vulnloop.findings import Level
from vulnloop.llm.client import check_base_url

FAIL_ON = ("high", "medium", "low", "never")

# Input name -> default, exactly as in action.yml ('' means: not set, use [tool.vulnloop] or ours).
DEFAULTS: dict[str, str] = {
    "github_token": "${{ github.token }}",
    "openai_api_key": "",
    "openai_base_url": "",
    "model": "",
    "engines": "auto",
    "max_iterations": "3",
    "severity": "medium",
    "fail_on": "high",
    "only_changed_lines": "true",
    "max_files": "100",
    "max_suggestions": "60",
    "token_budget": "",
    "llm_deadline": "",
    "verify_cmd": "",
    "sarif_file": "vulnloop.sarif",
    # workflow_dispatch: the SecurityEval benchmark (see `vulnloop bench generate --help`)
    "bench_repair_model": "",
    "bench_iterations": "",
    "bench_runs": "",
    "bench_tasks": "",
    "bench_strategy": "",
    "bench_shard": "",
    "bench_dataset": "",
    "bench_out": "",
    "bench_concurrency": "",
}


@dataclass(frozen=True)
class ActionInputs:
    github_token: str
    openai_api_key: str
    openai_base_url: str | None
    model: str | None
    engines: tuple[str, ...]
    max_iterations: int
    severity: Level
    fail_on: Level | None  # None: never fail
    only_changed_lines: bool
    max_files: int
    max_suggestions: int
    token_budget: int | None
    llm_deadline: float | None
    verify_cmd: str | None
    sarif_file: str

    def config_overrides(self) -> dict[str, Any]:
        """Settings for ``Config.with_overrides``; None leaves pyproject's or the default value."""
        return {
            "engines": list(self.engines),
            "severity": self.severity,
            "max_iterations": self.max_iterations,
            "model": self.model,
            "base_url": self.openai_base_url,
            "token_budget": self.token_budget,
            "llm_deadline": self.llm_deadline,
            "verify_cmd": self.verify_cmd,
        }


def raw_input(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(f"INPUT_{name.upper()}")
    if value is None:
        value = DEFAULTS.get(name, "")
        if value.startswith("${{"):
            return ""  # an expression only the runner can evaluate
    return value.strip()


def read_inputs(environ: Mapping[str, str]) -> ActionInputs:
    def get(name: str) -> str:
        return raw_input(environ, name)

    fail_on_text = get("fail_on").lower() or "high"
    if fail_on_text not in FAIL_ON:
        raise ConfigError(f"input fail_on: expected one of {', '.join(FAIL_ON)}, got {fail_on_text!r}")
    token_budget = get("token_budget")
    deadline = get("llm_deadline")
    base_url = get("openai_base_url")
    return ActionInputs(
        github_token=get("github_token"),
        openai_api_key=get("openai_api_key"),
        openai_base_url=check_base_url(base_url, what="input openai_base_url") if base_url else None,
        model=get("model") or None,
        engines=parse_engines("input engines", get("engines") or "auto"),
        max_iterations=as_int("input max_iterations", get("max_iterations") or "3", 1),
        severity=as_level("input severity", get("severity") or "medium"),
        fail_on=None if fail_on_text == "never" else Level.parse(fail_on_text),
        only_changed_lines=as_bool("input only_changed_lines", get("only_changed_lines") or "true"),
        max_files=as_int("input max_files", get("max_files") or "100", 1),
        max_suggestions=as_int("input max_suggestions", get("max_suggestions") or "60", 0),
        token_budget=as_int("input token_budget", token_budget, 0) if token_budget else None,
        llm_deadline=parse_seconds("input llm_deadline", deadline) if deadline else None,
        verify_cmd=get("verify_cmd") or None,
        sarif_file=get("sarif_file") or "vulnloop.sarif",
    )
