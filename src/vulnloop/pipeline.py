"""Assemble engines and repairers from the configuration: the one place front doors share."""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from vulnloop.config import AUTO_ENGINES, Config
from vulnloop.engines import Engine
from vulnloop.engines.dedupe import dedupe_findings
from vulnloop.findings import Finding, ScanResult
from vulnloop.engines.bandit import BanditEngine, load_bandit_settings
from vulnloop.errors import ConfigError

if TYPE_CHECKING:
    from vulnloop.repair.chain import CodemodFinder
    from vulnloop.repair.llm import LlmRepairer
    from vulnloop.repair.loop import RepairLoop

ProgressFn = Callable[[str], None]


def _construct(name: str, config: Config, root: Path) -> Engine:
    if name == "bandit":
        return BanditEngine(load_bandit_settings(root))
    if name == "codeql":
        module = importlib.import_module("vulnloop.engines.codeql")
        engine: Engine = module.CodeQLEngine(threads=config.codeql_threads, ram=config.codeql_ram)
        return engine
    if name == "semgrep":
        module = importlib.import_module("vulnloop.engines.semgrep")
        semgrep: Engine = module.SemgrepEngine()
        return semgrep
    if name == "redos":
        module = importlib.import_module("vulnloop.engines.redos")
        redos: Engine = module.RedosEngine()
        return redos
    if name == "callflow":
        module = importlib.import_module("vulnloop.engines.callflow")
        callflow: Engine = module.CallflowEngine()
        return callflow
    raise ConfigError(f"unknown engine {name!r}")


CODEQL_PUBLIC_TERMS = (
    "CodeQL ran because the repository is public: its licence covers open-source repositories on GitHub.com"
)
CODEQL_NAMED_TERMS = (
    "CodeQL ran because `engines` names it: its licence covers open-source repositories on GitHub.com "
    "and academic research only; on other code, leave it out"
)


def select_targets(scan: ScanResult, config: Config) -> tuple[Finding, ...]:
    """What every front door reports and repairs: the findings at or above the thresholds, each
    weakness once (a Semgrep finding that repeats Bandit's or CodeQL's on the same line and CWE is
    left out). The scan itself stays whole: it is the baseline a repair may not add to."""
    distinct = dedupe_findings(scan.findings)
    return tuple(f for f in distinct if f.severity >= config.severity and f.confidence >= config.confidence)


def build_engines(
    config: Config, root: Path, *, public_repository: bool = False
) -> tuple[list[Engine], list[str]]:
    """The engines to run and notes for the user (which ran, which were unavailable and why,
    under which terms CodeQL ran).

    ``auto`` runs Bandit and Semgrep where installed, and CodeQL too when ``public_repository``
    (only the Action knows, from the event); naming an engine that is not installed is an error.
    """
    explicit = config.engines != ("auto",)
    names: Sequence[str] = config.engines if explicit else AUTO_ENGINES
    if not explicit and public_repository:
        names = (*names, "codeql")
    engines: list[Engine] = []
    notes: list[str] = []
    for name in names:
        try:
            engine = _construct(name, config, root)
        except ModuleNotFoundError as exc:  # an optional engine's module or package is absent
            reason: str | None = f"{name} engine is not available: {exc}"
        else:
            reason = engine.unavailable_reason()
        if reason is None:
            engines.append(engine)
        elif explicit:
            raise ConfigError(f"engine {name!r} was requested but cannot run: {reason}")
        else:
            notes.append(reason)
    if not engines:
        raise ConfigError("no engine can run here: install Bandit (pip install bandit)")
    if any(e.name == "codeql" for e in engines):
        notes.append(CODEQL_NAMED_TERMS if explicit else CODEQL_PUBLIC_TERMS)
    notes.insert(0, "engines: " + ", ".join(e.name for e in engines))
    return engines, notes


def build_llm(
    config: Config, env: dict[str, str] | None = None, *, on_off: ProgressFn | None = None
) -> tuple[LlmRepairer | None, str | None]:
    """The LLM repairer when enabled and a key is configured, else None and the reason.
    ``on_off`` hears, once, why the LLM was turned off mid-run (failures in a row, the deadline)."""
    if not config.llm:
        return None, None
    environ = os.environ if env is None else env
    key = environ.get(config.api_key_env, "").strip()
    if not key:
        return None, (
            f"no LLM configured (set {config.api_key_env}, and --base-url for a non-OpenAI endpoint): "
            "codemods only; an LLM would handle the findings they cannot fix"
        )
    from vulnloop.llm.cache import ResponseCache
    from vulnloop.llm.client import CircuitBreaker, OpenAIChatModel, TokenBudget
    from vulnloop.repair.llm import LlmRepairer
    from vulnloop.repair.prompt import secret_environment
    from vulnloop.secret_env import MIN_SECRET_LENGTH

    model = OpenAIChatModel(
        model=config.model,
        base_url=config.base_url,
        api_key=key,
        timeout=config.llm_timeout,
        cache=ResponseCache(Path(config.cache_dir) if config.cache_dir else None),
        budget=TokenBudget(config.token_budget or None),
        breaker=CircuitBreaker(deadline=config.llm_deadline or None, on_open=on_off),
    )
    # The key and every secret-looking environment value are masked in prompts and refused in
    # answers; a short placeholder key ("x", "none": what local servers take) is no secret, and
    # masking it would shred every prompt's code.
    long_key = (key,) if len(key) >= MIN_SECRET_LENGTH else ()
    secrets = (*long_key, *secret_environment(dict(environ)).values())
    return LlmRepairer(model, secrets=secrets, prompt_style=config.prompt_style), None


def build_loop(
    config: Config,
    root: Path,
    *,
    progress: ProgressFn | None = None,
    env: dict[str, str] | None = None,
    codemods: CodemodFinder | None = None,
    announce: ProgressFn | None = None,
    public_repository: bool = False,
) -> RepairLoop:
    """Engines, codemods and (when configured) the LLM, wired into one repair loop.

    When the LLM is turned off mid-run, the reason is said once to ``announce`` (default:
    ``progress``) and becomes one of the run's notes."""
    from vulnloop.repair.loop import LoopOptions, RepairLoop

    engines, notes = build_engines(config, root, public_repository=public_repository)
    say = announce or progress

    def llm_off(reason: str) -> None:
        loop.notes.append(reason)
        if say is not None:
            say(reason)

    llm, llm_note = build_llm(config, env, on_off=llm_off)
    if llm_note:
        notes.append(llm_note)
    options = LoopOptions(
        max_iterations=config.max_iterations,
        concurrency=config.concurrency,
        verify_cmd=config.verify_cmd,
        retry_temperature=config.retry_temperature,
    )
    loop = RepairLoop(
        engines=engines,
        root=root,
        options=options,
        llm=llm,
        progress=progress,
        notes=notes,
        codemods=codemods,
    )
    return loop
