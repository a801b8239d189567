"""What every benchmark run shares: its models, its engines, its shard, the repair loop's description
in its meta and the progress bar; and `bench detect` end to end, which needs only the engines."""
from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Protocol, Sequence, TypeVar

from vulnloop.api import (
    ChatModel,
    Config,
    ConfigError,
    Engine,
    OpenAIChatModel,
    TokenBudget,
    as_int,
    build_engines,
    parse_engines,
)
from vulnloop.bench import STRATEGY_CHOICES
from vulnloop.bench.cweval import load_cweval
from vulnloop.bench.cweval_detect import cweval_detect_table, detect_cweval
from vulnloop.bench.detect import detect, detect_table
from vulnloop.bench.labels import load_labels
from vulnloop.bench.replay import REPLAY_PREFIX, ReplayModel
from vulnloop.bench.report import Reports

Echo = Callable[[str], None]
Item = TypeVar("Item")
PAPER_ENGINES = ("bandit", "codeql")


def positive(name: str, value: int) -> int:
    return as_int(name, value, 1)


@dataclass(frozen=True)
class Shard:
    index: int = 1  # 1-based
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index_text, count_text = text.split("/", 1)
            shard = cls(int(index_text), int(count_text))
        except ValueError:
            raise ConfigError(f"--shard {text}: expected i/n, e.g. 2/4") from None
        if not 1 <= shard.index <= shard.count:
            raise ConfigError(f"--shard {text}: i must be between 1 and n")
        return shard

    def select(self, items: Sequence[Item]) -> list[Item]:
        """Every n-th item, starting at the i-th: shards are disjoint and cover every item."""
        return [t for position, t in enumerate(items) if position % self.count == self.index - 1]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


# -- models --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    name: str
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = 120.0
    temperature: float | None = None
    replay_generator: str | None = None
    replay_fixer: str | None = None


def build_model(spec: ModelSpec, budget: TokenBudget | None = None) -> ChatModel:
    if spec.name.startswith(REPLAY_PREFIX):
        return ReplayModel.from_spec(spec.name, generator=spec.replay_generator, fixer=spec.replay_fixer)
    return OpenAIChatModel(
        model=spec.name,
        base_url=spec.base_url,
        api_key=spec.api_key or "",
        timeout=spec.timeout,
        cache=None,  # every run must ask again: runs differ only by the model's sampling
        budget=budget,
        temperature=spec.temperature,
    )


def token_budget(tokens: int | None) -> TokenBudget | None:
    return TokenBudget(tokens) if tokens else None


# -- engines -------------------------------------------------------------------------------------
def bench_engines(spec: str, root: Path) -> tuple[list[Engine], list[str]]:
    """``paper`` (the default): Bandit and CodeQL, the paper's judges, each when it can run here;
    otherwise as ``--engines`` of ``vulnloop scan`` (``auto`` or a list)."""
    if spec == "paper":
        engines: list[Engine] = []
        notes: list[str] = []
        for name in PAPER_ENGINES:
            try:
                found, _ = build_engines(Config(engines=(name,)), root)
            except ConfigError as exc:
                notes.append(_engine_note(name, str(exc).split("cannot run: ", 1)[-1]))
                continue
            engines.extend(found)
        if not engines:
            raise ConfigError("no engine can run here: install Bandit (pip install bandit)")
        return engines, notes
    engines, notes = build_engines(Config(engines=parse_engines("--engines", spec)), root)
    return engines, [_engine_note(n.split(":", 1)[0].split()[0].lower(), n) for n in notes if not n.startswith("engines: ")]


def _engine_note(name: str, reason: str) -> str:
    """'codeql not used: the CodeQL CLI is not installed' (the install hint is for `scan`)."""
    short = reason.split(": install")[0].split(";")[0]
    if short.lower().startswith(f"{name}: "):
        short = short[len(name) + 2:]
    return f"{name} not used: {short}"


# -- the meta and the progress bar ---------------------------------------------------------------
class LoopRequest(Protocol):
    """What a benchmark request says about the repair loop (both requests have it)."""

    @property
    def model(self) -> ModelSpec: ...
    @property
    def iterations(self) -> int: ...
    @property
    def strategy(self) -> str: ...
    @property
    def codemods(self) -> bool: ...
    @property
    def prompt_style(self) -> str: ...


def loop_meta(
    request: LoopRequest, fixer: str, engines: Sequence[Engine], notes: list[str], shard: Shard
) -> dict[str, Any]:
    """What a benchmark run's repair loop was, in its meta: a resumed run must match it."""
    return {
        "fixer": fixer,
        "iterations": request.iterations,
        "strategies": list(STRATEGY_CHOICES[request.strategy]),
        "engines": [e.name for e in engines],
        "engine_notes": notes,
        "codemods": request.codemods,
        "shard": str(shard),
        "temperature": request.model.temperature,
        "prompt_style": request.prompt_style,
    }


class ProgressBar:
    """A tqdm bar on stderr (hidden when stderr is not a terminal or when turned off)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if self.enabled:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            self._bar = tqdm(total=self.total, unit="task", desc="vulnloop bench", file=sys.stderr, disable=None)
        return self.advance

    def advance(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()


def say_written(echo: Echo, reports: Reports) -> None:
    echo(f"results: {reports.results}; table: {reports.table}" + (f"; chart: {reports.chart}" if reports.chart else ""))


# -- detect --------------------------------------------------------------------------------------
def bench_detect(
    labels: str | None, cweval: str | None, stages_text: str, engines_spec: str, out: Path,
    *, echo: Echo, stdout: IO[str] | None = None,
) -> None:
    """The whole `bench detect`: score the engines, write detect.json and detect.md into ``out``."""
    if not labels and not cweval:
        raise ConfigError("bench detect: give --labels FILE, --cweval DIR, or both")
    pieces = load_labels(labels) if labels else []
    stages = () if stages_text.strip() == "all" else tuple(s.strip() for s in stages_text.split(",") if s.strip())
    known = {p.stage for p in pieces}
    unknown = [s for s in stages if s not in known]
    if unknown and labels:
        raise ConfigError(f"--stages: {unknown[0]!r} is not a stage of {labels} ({', '.join(sorted(known))})")
    with tempfile.TemporaryDirectory(prefix="vulnloop-detect-") as tmp:
        engines, engine_notes = bench_engines(engines_spec, Path(tmp))
        for line in engine_notes:
            echo(line)
        report = detect(pieces, engines, Path(tmp), stages=stages) if labels else {}
        on_cweval = detect_cweval(load_cweval(cweval), engines, Path(tmp)) if cweval else None
    report["engine_notes"] = engine_notes
    markdown = detect_table(report, engine_notes) if labels else ""
    if on_cweval is not None:
        report["cweval"] = on_cweval
        markdown += ("\n" if markdown else "") + cweval_detect_table(on_cweval, engine_notes)
    out.mkdir(parents=True, exist_ok=True)
    (out / "detect.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "detect.md").write_text(markdown, encoding="utf-8")
    (stdout or sys.stdout).write(markdown)
    echo(f"detect: {out / 'detect.json'}, {out / 'detect.md'}")
