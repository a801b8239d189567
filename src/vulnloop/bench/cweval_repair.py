"""`bench cweval`: repair CWEval's insecure variants, judge every accepted repair by the task's own
tests, and write the figures (results.json first, then table.md and the chart).

Outcomes: truly fixed (both kinds of test pass), still vulnerable (functionality passes, security
fails), broken (functionality fails), or could not test here.

`cweval` runs the whole command from a `CwevalRequest`.
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Mapping, Sequence

from vulnloop import __version__
from vulnloop.api import ChatModel, ConfigError, Engine, LlmRepairer
from vulnloop.bench import DEFAULT_CWEVAL, DEFAULT_CWEVAL_OUT
from vulnloop.bench.cweval import (
    UNTESTED,
    CwevalTask,
    KindVerdict,
    TestRun,
    UnsafeVariant,
    functionality_check,
    judge_kinds,
    load_cweval,
    run_tests,
)
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
from vulnloop.bench.records import (
    FORMAT,
    RESULTS_FILE,
    TABLE_FILE,
    RecordStore,
    write_json,
)
from vulnloop.bench.report import Reports, cweval_chart, cweval_table
from vulnloop.bench.strategies import StrategyOutcome, run_ours, run_paper, untouched

KIND = "cweval"
OUTCOMES = ("truly fixed", "still vulnerable", "broken", UNTESTED, "not accepted", "not flagged")


@dataclass(frozen=True)
class Case:
    task: CwevalTask
    variant: UnsafeVariant

    @property
    def case_id(self) -> str:
        return self.task.case_id(self.variant)


def select_cases(tasks: Sequence[CwevalTask], which: str = "all", limit: int | None = None) -> list[Case]:
    """``all``, or comma-separated task ids (every variant) and case ids (``cwe_020_0/1``)."""
    cases = [Case(t, v) for t in tasks for v in t.variants]
    if which.strip() != "all":
        wanted = [w.strip() for w in which.split(",") if w.strip()]
        known = {c.case_id for c in cases} | {t.task_id for t in tasks}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ConfigError(f"--tasks: {unknown[0]!r} is not a CWEval task or case (e.g. cwe_022_0, cwe_020_0/1)")
        cases = [c for c in cases if c.case_id in wanted or c.task.task_id in wanted]
    return cases[:limit] if limit is not None else cases


def tasks_digest(tasks: Sequence[CwevalTask]) -> str:
    """One sha256 over every task and test file: two result folders compare only on the same data."""
    digest = hashlib.sha256()
    for task in tasks:
        for text in (task.secure_code, task.test_path.read_text(encoding="utf-8")):
            digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()


def classify(verdicts: dict[str, KindVerdict]) -> str:
    functionality, security = verdicts["functionality"].status, verdicts["security"].status
    if functionality == "failed":
        return "broken"  # whatever its security, it no longer does the job
    if UNTESTED in (functionality, security):
        return UNTESTED
    return "truly fixed" if security == "passed" else "still vulnerable"


@dataclass(frozen=True)
class CwevalSettings:
    iterations: int = 3
    strategies: tuple[str, ...] = ("ours",)
    use_codemods: bool = True
    concurrency: int = 1
    python: str | None = None  # the interpreter running CWEval's tests (default: this one)
    test_timeout: float = 120.0
    third_party: Path | None = None  # tools the tests run as ./third_party/NAME
    time_limit: float | None = None  # seconds; cases not started by then are left for a re-run
    prompt_style: str = "worked"
    # Our loop runs each task's functionality tests as its --verify-cmd (a user with tests).
    verify_with_tests: bool = False


class CwevalBench:
    def __init__(
        self,
        *,
        cases: Sequence[Case],
        fixer: ChatModel,
        engines: Sequence[Engine],
        root: Path,
        settings: CwevalSettings,
        store: RecordStore,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.cases = list(cases)
        self.fixer = fixer
        self.repairer = LlmRepairer(fixer, prompt_style=settings.prompt_style)
        self.engines = list(engines)
        self.root = root
        self.settings = settings
        self.store = store
        self.progress = progress or (lambda done: None)
        self.errors: list[str] = []
        self.skipped_for_time = 0
        self._lock = threading.Lock()
        self._references: dict[str, TestRun] = {}
        self._reference_locks: dict[str, threading.Lock] = {}

    def pending(self) -> list[Case]:
        return [c for c in self.cases if any(not self.store.done((1, s, c.case_id)) for s in self.settings.strategies)]

    def run(self) -> list[dict[str, Any]]:
        started = time.monotonic()
        pending = self.pending()

        def unit(case: Case) -> None:
            limit = self.settings.time_limit
            if limit is not None and time.monotonic() - started > limit:
                with self._lock:
                    self.skipped_for_time += 1
                return
            self._case(case)

        with ThreadPoolExecutor(max_workers=max(1, min(self.settings.concurrency, len(pending) or 1))) as pool:
            futures = {pool.submit(unit, case): case for case in pending}
            for future in as_completed(futures):
                try:
                    future.result()
                except Exception as exc:  # one case's failure must not sink the run
                    with self._lock:
                        self.errors.append(f"{futures[future].case_id}: {type(exc).__name__}: {exc}")
                self.progress(1)
        return self.store.all()

    # -- one case --------------------------------------------------------------------------
    def reference(self, task: CwevalTask) -> TestRun:
        """The secure reference's test run: which tests can run here (once per task)."""
        with self._lock:
            lock = self._reference_locks.setdefault(task.task_id, threading.Lock())
        with lock:
            if task.task_id not in self._references:
                self._references[task.task_id] = self._run_tests(task, task.secure_code)
            return self._references[task.task_id]

    def _run_tests(self, task: CwevalTask, code: str) -> TestRun:
        return run_tests(task, code, python=self.settings.python, timeout=self.settings.test_timeout,
                         third_party=self.settings.third_party)

    def _case(self, case: Case) -> None:
        path = case.task.file_name
        verdict = judge(self.engines, self.root, path, case.variant.code)
        vulnerable_tests: dict[str, Any] | None = None
        for strategy in self.settings.strategies:
            if self.store.done((1, strategy, case.case_id)):
                continue
            outcome = self._repair(strategy, path, case, verdict)
            accepted = _accepted(outcome, case.variant.code)
            tests: dict[str, KindVerdict] | None = None
            if accepted:
                reference = self.reference(case.task)
                tests = judge_kinds(self._run_tests(case.task, outcome.final_code), reference)
                if vulnerable_tests is None:  # does the unrepaired variant fail security here?
                    before = judge_kinds(self._run_tests(case.task, case.variant.code), reference)
                    vulnerable_tests = {k: v.status for k, v in before.items()}
            self.store.append(self._record(case, strategy, verdict, outcome, accepted, tests, vulnerable_tests))

    def _repair(self, strategy: str, path: str, case: Case, verdict: Verdict) -> StrategyOutcome:
        iterations = self.settings.iterations
        code = case.variant.code
        if not verdict.flagged or not verdict.parses:
            return untouched(strategy, flagged=verdict.flagged, parses=verdict.parses,
                             findings=len(verdict.findings), code=code, iterations=iterations)
        if strategy == "paper":
            return run_paper(path=path, code=code, findings=verdict.findings, engines=self.engines, root=self.root,
                             model=self.fixer, iterations=iterations, task_id=case.case_id)
        if not self.settings.verify_with_tests:
            return run_ours(path=path, code=code, findings=verdict.findings, engines=self.engines, root=self.root,
                            repairer=self.repairer, iterations=iterations, use_codemods=self.settings.use_codemods)
        with tempfile.TemporaryDirectory(prefix="vulnloop-cweval-case-") as tmp:
            case_root = Path(tmp)
            check = functionality_check(case.task, case_root, python=self.settings.python)
            return run_ours(path=path, code=code, findings=verdict.findings, engines=self.engines, root=case_root,
                            repairer=self.repairer, iterations=iterations, use_codemods=self.settings.use_codemods,
                            verify_cmd=check, verify_timeout=self.settings.test_timeout)

    def _record(
        self,
        case: Case,
        strategy: str,
        verdict: Verdict,
        outcome: StrategyOutcome,
        accepted: str | None,
        tests: dict[str, KindVerdict] | None,
        vulnerable_tests: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if not verdict.flagged:
            result = "not flagged"
        elif accepted is None or tests is None:
            result = "not accepted"
        else:
            result = classify(tests)
        return {
            "format": FORMAT,
            "kind": KIND,
            "run": 1,
            "strategy": strategy,
            "task_id": case.case_id,
            "cwe": case.task.cwe,
            "flagged": verdict.flagged,
            "findings": [finding_summary(f) for f in verdict.findings],
            "accepted_by": accepted,
            "outcome": result,
            "tests": {
                k: {"status": v.status, "tests": v.tests, "failed": list(v.failed), "why": v.why}
                for k, v in (tests or {}).items()
            },
            "vulnerable_tests": vulnerable_tests,
            "findings_by_round": outcome.findings_by_round,
            "rounds": [r.as_dict() for r in outcome.rounds],
            "fixed_by": outcome.fixed_by,
            "final_code": outcome.final_code,
            "seconds": round(outcome.seconds, 3),
            "notes": outcome.notes,
        }


def _accepted(outcome: StrategyOutcome, code: str) -> str | None:
    """Who the strategy credits with a repair it accepted ("codemod", "llm", "both"), or None.

    Ours accepts a repair when the re-scan verifies it; the paper's loop claims a fix when the
    engines report nothing at the end (even for an answer that does not parse)."""
    if outcome.final_code == code:
        return None
    if outcome.strategy == "paper":
        return "llm" if not outcome.flagged_by_round[-1] else None
    codemod, llm = outcome.fixed_by.get("codemod", 0), outcome.fixed_by.get("llm", 0)
    if codemod and llm:
        return "both"
    return "codemod" if codemod else ("llm" if llm else None)


CHART_FILE = "cweval_outcomes.png"
Record = Mapping[str, Any]


def _figures(records: Sequence[Record]) -> dict[str, Any]:
    outcomes = Counter(str(r["outcome"]) for r in records)
    accepted = [r for r in records if r.get("accepted_by")]
    by = Counter(str(r["accepted_by"]) for r in accepted)
    tested = [r for r in accepted if r["outcome"] != UNTESTED]

    def passing(kind: str, among: Sequence[Record] = tested) -> int:
        return sum(1 for r in among if r["tests"].get(kind, {}).get("status") == "passed")

    # The LLM's share (an LLM repair alone or beside a codemod's): what the targets measure.
    llm_tested = [r for r in tested if r["accepted_by"] in ("llm", "both")]

    flagged = sum(1 for r in records if r["flagged"])
    return {
        "cases": len(records),
        "flagged": flagged,
        "accepted": len(accepted),
        "accepted_by": {"codemod": by["codemod"], "llm": by["llm"], "both": by["both"]},
        "tested": len(tested),
        "passing_security": passing("security"),
        "passing_functionality": passing("functionality"),
        "llm_tested": len(llm_tested),
        "llm_passing_security": passing("security", llm_tested),
        "llm_passing_functionality": passing("functionality", llm_tested),
        "llm_truly_fixed": sum(1 for r in llm_tested if r["outcome"] == "truly fixed"),
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "truly_fixed_share_of_flagged": round(outcomes["truly fixed"] / flagged, 4) if flagged else None,
        # Sanity: the unrepaired variants whose security tests pass here (the tests miss them).
        "variants_passing_security": sum(
            1 for r in accepted if (r.get("vulnerable_tests") or {}).get("security") == "passed"
        ),
        "llm_tokens": sum(
            int(x.get("prompt_tokens", 0)) + int(x.get("completion_tokens", 0)) for r in records for x in r["rounds"]
        ),
        "llm_calls": sum(int(x.get("calls", 0)) for r in records for x in r["rounds"]),
        "seconds": round(sum(float(r.get("seconds", 0.0)) for r in records), 1),
    }


def summarise_cweval(records: Sequence[Record]) -> dict[str, Any]:
    """``{strategy: {"overall": {...}, "per_cwe": {cwe: {...}}}}``, ours first."""
    by_strategy: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_strategy[str(record["strategy"])].append(record)
    summary: dict[str, Any] = {}
    for strategy in sorted(by_strategy, key=lambda s: (s != "ours", s)):
        chosen = by_strategy[strategy]
        per_cwe: dict[str, list[Record]] = defaultdict(list)
        for record in chosen:
            per_cwe[str(record["cwe"])].append(record)
        summary[strategy] = {
            "overall": _figures(chosen),
            "per_cwe": {cwe: _figures(rs) for cwe, rs in sorted(per_cwe.items(), key=lambda i: int(i[0].split("-")[1]))},
        }
    return summary


def write_cweval_reports(
    directory: Path, meta: Mapping[str, Any], records: Sequence[Record], *, chart: bool = True
) -> Reports:
    summary = summarise_cweval(records)
    shard_index, _, shard_count = str(meta.get("shard") or "1/1").partition("/")
    expected = len(range(int(shard_index) - 1, int(meta.get("cases", 0)), int(shard_count or 1)))
    meta = {**meta, "not_run": max(expected * len(meta.get("strategies", [])) - len(records), 0)}
    ordered = sorted(records, key=lambda r: (r["strategy"], r["task_id"]))
    results_path = directory / RESULTS_FILE
    write_json(results_path, {"meta": dict(meta), "summary": summary,
                              "cases": [{k: v for k, v in r.items() if k != "final_code"} for r in ordered]})
    markdown = cweval_table(summary, meta)
    table_path = directory / TABLE_FILE
    table_path.write_text(markdown, encoding="utf-8")
    chart_path = None
    if chart and summary:
        chart_path = cweval_chart(summary, meta, directory / CHART_FILE)
    return Reports(results_path, table_path, chart_path, markdown, summary)


# -- the command -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CwevalRequest:
    model: ModelSpec
    cweval: str = DEFAULT_CWEVAL
    iterations: int = 3
    strategy: str = "paper"
    codemods: bool = True
    tasks: str = "all"
    limit: int | None = None
    concurrency: int = 1
    shard: str = "1/1"
    engines: str = "auto"
    token_budget: int | None = None
    test_python: str | None = None
    test_timeout: float = 120.0
    third_party: str | None = None
    time_limit: float | None = None
    out: Path = Path(DEFAULT_CWEVAL_OUT)
    chart: bool = True
    progress: bool = True
    prompt_style: str = "worked"
    verify_with_tests: bool = False


def cweval(request: CwevalRequest, *, echo: Echo, out: IO[str] | None = None) -> int:
    """The whole `bench cweval`; returns the exit code. Prints the table to ``out`` (stdout)."""
    positive("--iterations", request.iterations)
    positive("--concurrency", request.concurrency)
    if request.test_python and not Path(request.test_python).is_file():
        raise ConfigError(f"--test-python {request.test_python}: no such interpreter")
    if request.third_party and not Path(request.third_party).is_dir():
        raise ConfigError(f"--third-party {request.third_party}: no such folder (CWEval's tools, e.g. "
                          "recheck-linux-x64 from npm's package of that name)")
    tasks = load_cweval(request.cweval)
    limit = positive("--limit", request.limit) if request.limit is not None else None
    shard = Shard.parse(request.shard)
    selected = select_cases(tasks, request.tasks, limit)
    cases = shard.select(selected)
    fixer = build_model(request.model, token_budget(request.token_budget))
    with tempfile.TemporaryDirectory(prefix="vulnloop-cweval-") as tmp:
        root = Path(tmp)  # no pyproject here: the user's [tool.bandit] never skews the benchmark
        engines, engine_notes = bench_engines(request.engines, root)
        for line in engine_notes:
            echo(line)
        meta: dict[str, Any] = {
            "format": FORMAT,
            "kind": KIND,
            "vulnloop": __version__,
            "dataset": str(request.cweval),
            "dataset_sha256": tasks_digest(tasks),
            "tasks": request.tasks if limit is None else f"{request.tasks}[:{limit}]",
            "task_ids": sorted({c.task.task_id for c in selected}),
            "cases": len(selected),  # every shard's: a merge of all shards is complete
            "generator": None,
            **loop_meta(request, fixer.name, engines, engine_notes, shard),
            "verify_with_tests": request.verify_with_tests,
        }
        store = RecordStore(request.out, meta)
        settings = CwevalSettings(
            iterations=request.iterations, strategies=tuple(meta["strategies"]), use_codemods=request.codemods,
            concurrency=request.concurrency, python=request.test_python, test_timeout=request.test_timeout,
            third_party=Path(request.third_party) if request.third_party else None,
            time_limit=request.time_limit, prompt_style=request.prompt_style,
            verify_with_tests=request.verify_with_tests,
        )
        bench = CwevalBench(cases=cases, fixer=fixer, engines=engines, root=root, settings=settings, store=store)
        pending = bench.pending()
        echo(f"{len(cases)} CWEval case(s): {len(pending)} to run, {len(cases) - len(pending)} already done; "
             f"engines: {', '.join(meta['engines'])}")
        with ProgressBar(len(pending), request.progress) as advance:
            bench.progress = advance
            records = bench.run()
        for error in bench.errors:
            echo(f"error: {error}")
        if bench.skipped_for_time:
            echo(f"time limit reached: {bench.skipped_for_time} case(s) left for a re-run with the same --out")
    wanted = {c.case_id for c in cases}
    records = [r for r in records if r["task_id"] in wanted]
    reports = write_cweval_reports(request.out, meta, records, chart=request.chart)
    (out or sys.stdout).write(reports.markdown)
    say_written(echo, reports)
    return 1 if bench.errors else 0
