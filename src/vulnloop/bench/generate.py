"""`bench generate`: for each task and run, generate code, scan it, and repair it with each strategy.

One unit of work is (run, task): the code is generated once and every strategy repairs that same
code, so the strategies are compared on identical inputs. Units run concurrently; each finished
strategy's record is appended at once, so an interrupted run loses at most the units in flight.

`generate` runs the whole command from a `GenerateRequest`: the dataset, models and engines, the
bench, then results.json, table.md and the chart.
"""
from __future__ import annotations

import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Sequence

from vulnloop import __version__
from vulnloop.api import ChatModel, Engine, LlmRepairer, TokenUsage
from vulnloop.bench import DEFAULT_OUT
from vulnloop.bench.agreement import replay_agreement
from vulnloop.bench.dataset import Dataset, Task, load_dataset, select_tasks
from vulnloop.bench.harness import (
    Echo,
    ModelSpec,
    ProgressBar,
    Shard,
    bench_engines,
    build_model,
    loop_meta,
    positive,
    say_written,
    token_budget,
)
from vulnloop.bench.judge import Verdict, finding_summary, judge
from vulnloop.bench.prompts import generated_code, generation_messages
from vulnloop.bench.records import FORMAT, RecordStore
from vulnloop.bench.replay import ReplayModel
from vulnloop.bench.report import write_reports
from vulnloop.bench.strategies import StrategyOutcome, run_ours, run_paper, untouched

STRATEGIES = ("ours", "paper")


@dataclass(frozen=True)
class BenchSettings:
    iterations: int = 5
    runs: int = 5
    strategies: tuple[str, ...] = ("ours",)
    concurrency: int = 8
    shard: Shard = field(default_factory=Shard)
    use_codemods: bool = True
    prompt_style: str = "worked"


@dataclass
class Generation:
    code: str
    error: str | None
    usage: TokenUsage
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "error": self.error,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "seconds": round(self.seconds, 3),
        }


ProgressFn = Callable[[int], None]  # called with the number of units just finished


class GenerateBench:
    def __init__(
        self,
        *,
        tasks: Sequence[Task],
        generator: ChatModel,
        fixer: ChatModel,
        engines: Sequence[Engine],
        root: Path,
        settings: BenchSettings,
        store: RecordStore,
        progress: ProgressFn | None = None,
    ) -> None:
        self.tasks = settings.shard.select(tasks)
        self.generator = generator
        self.fixer = fixer
        self.engines = list(engines)
        self.root = root
        self.settings = settings
        self.store = store
        self.progress = progress or (lambda done: None)
        self.repairer = LlmRepairer(fixer, prompt_style=settings.prompt_style)
        self.errors: list[str] = []
        self._errors_lock = threading.Lock()

    def pending_units(self) -> list[tuple[int, Task]]:
        units = []
        for run in range(1, self.settings.runs + 1):
            for task in self.tasks:
                if any(not self._finished(run, s, task) for s in self.settings.strategies):
                    units.append((run, task))
        return units

    def _finished(self, run: int, strategy: str, task: Task) -> bool:
        record = self.store.get((run, strategy, task.task_id))
        # A generation that failed for want of an answer is tried again on resume.
        return record is not None and not record["generation"].get("error")

    def run(self) -> list[dict[str, Any]]:
        units = self.pending_units()
        workers = max(1, min(self.settings.concurrency, len(units) or 1))
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            futures = {pool.submit(self._unit, run, task): (run, task) for run, task in units}
            for future in as_completed(futures):
                run, task = futures[future]
                try:
                    future.result()
                except Exception as exc:  # one task's failure must not sink the run
                    with self._errors_lock:
                        self.errors.append(f"run {run} {task.task_id}: {type(exc).__name__}: {exc}")
                self.progress(1)
        except KeyboardInterrupt:
            # Stop at once: tasks not started are dropped (a re-run resumes them); those in flight
            # finish their current call and are recorded.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return self.store.all()

    # -- one unit ----------------------------------------------------------------------------
    def _generate(self, run: int, task: Task) -> Generation:
        for strategy in self.settings.strategies:  # reuse the code another strategy already got
            record = self.store.get((run, strategy, task.task_id))
            if record is not None and not record["generation"].get("error"):
                g = record["generation"]
                usage = TokenUsage(g.get("prompt_tokens", 0), g.get("completion_tokens", 0), calls=1)
                return Generation(g["code"], None, usage, g.get("seconds", 0.0))
        started = time.perf_counter()
        context = {"task_id": task.task_id, "path": task.path, "stage": "generate", "run": str(run)}
        completion = self.generator.complete(generation_messages(task.prompt), context=context)
        seconds = time.perf_counter() - started
        if not completion.ok or completion.text is None:
            return Generation("", completion.error or "no answer", completion.usage, seconds)
        return Generation(generated_code(task.prompt, completion.text), None, completion.usage, seconds)

    def _unit(self, run: int, task: Task) -> None:
        generation = self._generate(run, task)
        verdict = judge(self.engines, self.root, task.path, generation.code)
        for strategy in self.settings.strategies:
            if self._finished(run, strategy, task):
                continue
            outcome = self._repair(strategy, task, generation.code, verdict)
            self.store.append(self._record(run, task, generation, verdict, outcome))

    def _repair(self, strategy: str, task: Task, code: str, verdict: Verdict) -> StrategyOutcome:
        iterations = self.settings.iterations
        if not verdict.flagged or not verdict.parses:
            return untouched(
                strategy,
                flagged=verdict.flagged,
                parses=verdict.parses,
                findings=len(verdict.findings),
                code=code,
                iterations=iterations,
            )
        if strategy == "paper":
            return run_paper(
                path=task.path, code=code, findings=verdict.findings, engines=self.engines,
                root=self.root, model=self.fixer, iterations=iterations, task_id=task.task_id,
            )
        return run_ours(
            path=task.path, code=code, findings=verdict.findings, engines=self.engines,
            root=self.root, repairer=self.repairer, iterations=iterations,
            use_codemods=self.settings.use_codemods,
        )

    def _record(
        self, run: int, task: Task, generation: Generation, verdict: Verdict, outcome: StrategyOutcome
    ) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "run": run,
            "strategy": outcome.strategy,
            "task_id": task.task_id,
            "cwe": task.cwe,
            "codeql_covered": task.codeql_covered,
            "generation": {
                **generation.as_dict(),
                "parses": verdict.parses,
                "findings": [finding_summary(f) for f in verdict.findings],
            },
            "flagged_by_round": outcome.flagged_by_round,
            "parses_by_round": outcome.parses_by_round,
            "findings_by_round": outcome.findings_by_round,
            "rounds": [r.as_dict() for r in outcome.rounds],
            "fixed_by": outcome.fixed_by,
            "final_code": outcome.final_code,
            "seconds": round(outcome.seconds, 3),
            "notes": outcome.notes,
        }


# -- the command -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GenerateRequest:
    model: ModelSpec
    repair_model: ModelSpec | None = None
    iterations: int = 5
    runs: int = 5
    tasks: str = "all"
    limit: int | None = None
    concurrency: int = 8
    shard: str = "1/1"
    strategy: str = "ours"
    codemods: bool = True
    out: Path = Path(DEFAULT_OUT)
    dataset: str = "securityeval"
    dataset_sha256: str | None = None
    engines: str = "paper"
    token_budget: int | None = None
    chart: bool = True
    progress: bool = True
    prompt_style: str = "worked"


def generate(request: GenerateRequest, *, echo: Echo, out: IO[str] | None = None) -> int:
    """The whole `bench generate`; returns the exit code. Prints the table to ``out`` (stdout)."""
    positive("--iterations", request.iterations)
    positive("--runs", request.runs)
    positive("--concurrency", request.concurrency)
    shard = Shard.parse(request.shard)
    dataset = load_dataset(request.dataset, sha256=request.dataset_sha256)
    for line in dataset.notes:
        echo(line)
    tasks = select_tasks(dataset.tasks, request.tasks)
    if request.limit is not None:
        tasks = tasks[: positive("--limit", request.limit)]
    generator, fixer = _generator_and_fixer(request)
    with tempfile.TemporaryDirectory(prefix="vulnloop-bench-") as tmp:
        root = Path(tmp)  # no pyproject here: the user's [tool.bandit] never skews the benchmark
        engines, engine_notes = bench_engines(request.engines, root)
        for line in engine_notes:
            echo(line)
        loop = loop_meta(request, fixer.name, engines, engine_notes, shard)
        meta = _meta(request, dataset, tasks, generator.name, loop)
        store = RecordStore(request.out, meta)
        settings = BenchSettings(
            iterations=request.iterations, runs=request.runs, strategies=tuple(meta["strategies"]),
            concurrency=request.concurrency, shard=shard, use_codemods=request.codemods,
            prompt_style=request.prompt_style,
        )
        bench = GenerateBench(
            tasks=tasks, generator=generator, fixer=fixer, engines=engines, root=root,
            settings=settings, store=store,
        )
        pending = bench.pending_units()
        echo(
            f"{len(bench.tasks)} task(s) x {request.runs} run(s) in shard {shard}: "
            f"{len(pending)} to run, {len(bench.tasks) * request.runs - len(pending)} already done; "
            f"engines: {', '.join(meta['engines'])}"
        )
        with ProgressBar(len(pending), request.progress) as advance:
            bench.progress = advance
            records = bench.run()
        for error in bench.errors:
            echo(f"error: {error}")
        if isinstance(generator, ReplayModel) and fixer is generator:
            store.update_meta(replay_agreement=replay_agreement(generator, meta["task_ids"], engines, root))
            meta = store.meta
    reports = write_reports(request.out, meta, records, chart=request.chart)
    (out or sys.stdout).write(reports.markdown)
    say_written(echo, reports)
    if reports.chart_note:
        echo(reports.chart_note)
    return 1 if bench.errors else 0


def _meta(
    request: GenerateRequest, dataset: Dataset, tasks: Sequence[Task], generator: str, loop: dict[str, Any]
) -> dict[str, Any]:
    """The run's meta: what was asked of which model on which tasks (a resumed run must match it)."""
    return {
        "format": FORMAT,
        "kind": "generate",
        "vulnloop": __version__,
        "dataset": dataset.source,
        "dataset_sha256": dataset.sha256,
        "tasks": request.tasks if request.limit is None else f"{request.tasks}[:{request.limit}]",
        "task_ids": [t.task_id for t in tasks],
        "generator": generator,
        "runs": request.runs,
        **loop,
        "notes": list(dataset.notes),
    }


def _generator_and_fixer(request: GenerateRequest) -> tuple[ChatModel, ChatModel]:
    """The model that writes the code and the one that repairs it (the same unless told), one budget."""
    budget = token_budget(request.token_budget)
    generator = build_model(request.model, budget)
    if request.repair_model is not None and request.repair_model.name != request.model.name:
        return generator, build_model(request.repair_model, budget)
    return generator, generator
