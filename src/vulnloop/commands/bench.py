"""`vulnloop bench`: the SecurityEval and CWEval benchmarks (generate, detect, cweval, merge) and
the Action's workflow_dispatch entry: arguments in, `vulnloop.bench` runs, an exit code out.
They need the `bench` extra; without it, one line says so."""
from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from vulnloop.bench import DEFAULT_CWEVAL, DEFAULT_CWEVAL_OUT, DEFAULT_OUT, STRATEGY_CHOICES
from vulnloop.commands.options import note
from vulnloop.config import as_int
from vulnloop.errors import ConfigError

if TYPE_CHECKING:  # keep `vulnloop --help` from importing the benchmark
    from vulnloop.bench.generate import GenerateRequest

BENCH_EXTRA = ("matplotlib", "tqdm")  # pyproject.toml's `bench` extra: the chart and the progress bar


def require_bench_extra() -> None:
    """ConfigError (exit 2) naming the install line when a package of the `bench` extra is missing."""
    missing = [name for name in BENCH_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"vulnloop bench needs the bench extra ({', '.join(missing)} not installed): pip install 'vulnloop[bench]'"
        )


def _with_extra(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(run)
    def checked(args: argparse.Namespace) -> int:
        require_bench_extra()
        return run(args)

    return checked


# -- the parser ----------------------------------------------------------------------------------
def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="the SecurityEval benchmark: generate and repair code, score the engines",
        description=(
            "Reproduce Gong et al. (2024) on SecurityEval and compare our loop with theirs: "
            "`generate` has a model write code for each task, scans it and repairs it round by round; "
            "`detect` scores the engines against reviewers' labels; `cweval` repairs CWEval's insecure "
            "variants and judges the repairs by the tasks' own tests; `merge` joins shard folders."
        ),
    )
    commands = parser.add_subparsers(dest="bench_command", metavar="SUBCOMMAND")
    add_generate_parser(commands)
    add_detect_parser(commands)
    add_cweval_parser(commands)
    merge = commands.add_parser(
        "merge", help="merge result folders (shards) and write the reports",
        description="Join the records of several result folders (e.g. the shards of a matrix) and "
        "write results.json, table.md and the chart into --out.",
    )
    merge.add_argument("folders", nargs="+", metavar="DIR", help="result folders to merge")
    merge.add_argument("--out", metavar="DIR", help="folder to write (default: the first DIR)")
    merge.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    merge.set_defaults(run=_with_extra(run_merge))

    def usage(_: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(run=usage)


def add_generate_parser(commands: Any) -> argparse.ArgumentParser:
    gen: argparse.ArgumentParser = commands.add_parser(
        "generate",
        help="generate code for each task, scan it and repair it for up to N rounds",
        description=(
            "For each SecurityEval task and run: ask --model to complete the task's prompt, scan the "
            "code, and repair every finding with our loop (and, with --strategy paper, with the "
            "paper's loop on the same code) for up to --iterations rounds. Results are appended per "
            "task to DIR/records.jsonl (an interrupted run resumes), and DIR gets results.json, "
            "table.md (beside the paper's figures) and flagged_by_round.png. Exit 1 when some task "
            "failed to run."
        ),
    )
    gen.add_argument("--model", required=True, metavar="M",
                     help="model writing the code: a name for an OpenAI-compatible endpoint, or replay:FILE")
    gen.add_argument("--repair-model", metavar="M", help="model repairing it (default: --model)")
    gen.add_argument("--iterations", type=int, default=5, metavar="N", help="repair rounds (default: 5)")
    gen.add_argument("--runs", type=int, default=5, metavar="N", help="independent runs (default: 5)")
    gen.add_argument("--tasks", default="all", metavar="WHICH",
                     help="all (default), codeql-covered (the paper's 67), or comma-separated task ids")
    gen.add_argument("--limit", type=int, metavar="N", help="only the first N selected tasks")
    gen.add_argument("--concurrency", type=int, default=8, metavar="N", help="tasks at once (default: 8)")
    gen.add_argument("--shard", default="1/1", metavar="I/N", help="run the I-th of N disjoint parts")
    gen.add_argument("--strategy", choices=sorted(STRATEGY_CHOICES), default="ours",
                     help="ours (default); paper: ours and the paper's loop side by side; paper-only")
    gen.add_argument("--no-codemods", action="store_true", help="our loop without its codemods (LLM only)")
    gen.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"results folder (default: {DEFAULT_OUT})")
    gen.add_argument("--dataset", default="securityeval", metavar="SRC",
                     help="securityeval (download at the pinned commit, cached) or a path to dataset.jsonl / tasks.jsonl")
    gen.add_argument("--dataset-sha256", metavar="HEX", help="require this sha256 of the dataset file")
    gen.add_argument("--engines", default="paper", metavar="LIST",
                     help="paper (default: Bandit and CodeQL, each when installed), auto, or e.g. bandit,semgrep")
    add_model_arguments(gen)
    gen.add_argument("--replay-generator", metavar="NAME", help="replay: whose generations (default: the first found)")
    gen.add_argument("--replay-fixer", metavar="NAME", help="replay: whose repairs (default: the first found)")
    gen.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    gen.add_argument("--no-progress", action="store_true", help="no progress bar")
    gen.set_defaults(run=_with_extra(run_generate))
    return gen


def add_detect_parser(commands: Any) -> argparse.ArgumentParser:
    det: argparse.ArgumentParser = commands.add_parser(
        "detect",
        help="score each engine and their union against reviewers' labels or CWEval's variants",
        description="Scan labelled code with each engine and report recall, precision and false-positive "
        "rate against the manual labels, overall and per CWE, with the CWEs no engine catches. With "
        "--cweval, also scan CWEval's insecure variants and secure references: recall, false alarms "
        "and pair discrimination (variant flagged, its secure reference not), per CWE.",
    )
    det.add_argument("--labels", metavar="FILE", help="labelled pieces (labeled_code.jsonl)")
    det.add_argument("--cweval", metavar="DIR", help="CWEval's Python tasks (e.g. ../shared/data/cweval)")
    det.add_argument("--stages", default="rq1", metavar="LIST",
                     help="comma-separated stages to score (default: rq1, the first generations; 'all')")
    det.add_argument("--engines", default="auto", metavar="LIST",
                     help="auto (default: every installed engine), paper (Bandit and CodeQL), or e.g. bandit,semgrep")
    det.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"folder for detect.json and detect.md (default: {DEFAULT_OUT})")
    det.set_defaults(run=_with_extra(run_detect))
    return det


def add_cweval_parser(commands: Any) -> argparse.ArgumentParser:
    cw: argparse.ArgumentParser = commands.add_parser(
        "cweval",
        help="repair CWEval's insecure variants, then run the tasks' tests on every accepted repair",
        description=(
            "For each CWEval task's insecure variant: build the vulnerable module, scan it, repair it "
            "with our loop (codemods, then --model; with --strategy paper also with the paper's loop), "
            "and run the task's functionality and security tests on every repair a strategy accepts. "
            "The tests EXECUTE the repaired code: each run is a child process in a temporary folder with "
            "a time limit and a minimal environment (no API keys); nothing else in vulnloop runs code. "
            "Results are appended per case to DIR/records.jsonl (a re-run resumes); DIR gets results.json, "
            "table.md and cweval_outcomes.png. Exit 1 when some case failed to run."
        ),
    )
    cw.add_argument("--cweval", default=DEFAULT_CWEVAL, metavar="DIR",
                    help=f"CWEval's Python tasks (benchmark/core/py; default: {DEFAULT_CWEVAL})")
    cw.add_argument("--model", required=True, metavar="M", help="model repairing the code (OpenAI-compatible name)")
    cw.add_argument("--iterations", type=int, default=3, metavar="N", help="repair rounds (default: 3, as `fix`)")
    cw.add_argument("--strategy", choices=sorted(STRATEGY_CHOICES), default="paper",
                    help="paper (default): ours and the paper's loop side by side; ours; paper-only")
    cw.add_argument("--no-codemods", action="store_true", help="our loop without its codemods (LLM only)")
    cw.add_argument("--tasks", default="all", metavar="WHICH",
                    help="all (default) or comma-separated task ids (cwe_022_0) and case ids (cwe_020_0/1)")
    cw.add_argument("--limit", type=int, metavar="N", help="only the first N selected cases")
    cw.add_argument("--concurrency", type=int, default=1, metavar="N", help="cases at once (default: 1)")
    cw.add_argument("--shard", default="1/1", metavar="I/N", help="run the I-th of N disjoint parts")
    cw.add_argument("--engines", default="auto", metavar="LIST",
                    help="auto (default: every installed engine, as `fix`), paper, or e.g. bandit,semgrep")
    add_model_arguments(cw)
    cw.add_argument("--test-python", metavar="PATH",
                    help="interpreter that runs CWEval's tests, with pytest and the tasks' packages "
                    "(default: this one; tests whose packages are missing are reported as 'could not test')")
    cw.add_argument("--test-timeout", type=float, default=120.0, metavar="S",
                    help="seconds for one run of a task's tests (default: 120)")
    cw.add_argument("--third-party", metavar="DIR",
                    help="CWEval's tools folder, seen by the tests as ./third_party (CWE-1333's security tests "
                    "run third_party/recheck-linux-x64, the binary of npm's recheck-linux-x64 package); "
                    "without it those tests are 'could not test'")
    cw.add_argument("--verify-with-tests", action="store_true",
                    help="our loop runs each task's functionality tests as its --verify-cmd, as a user with "
                    "tests would: a repair that breaks them is refused and the failure fed back; the "
                    "security tests still judge only the result")
    cw.add_argument("--time-limit", type=float, metavar="S",
                    help="start no new case after S seconds (a re-run with the same --out resumes)")
    cw.add_argument("--out", default=DEFAULT_CWEVAL_OUT, metavar="DIR", help=f"results folder (default: {DEFAULT_CWEVAL_OUT})")
    cw.add_argument("--no-chart", action="store_true", help="skip the PNG chart")
    cw.add_argument("--no-progress", action="store_true", help="no progress bar")
    cw.set_defaults(run=_with_extra(run_cweval))
    return cw


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """How to reach the model: the same flags for every benchmark that calls one."""
    parser.add_argument("--base-url", metavar="URL", help="OpenAI-compatible endpoint (default: OpenAI's)")
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY", metavar="VAR",
                        help="environment variable holding the API key (default: OPENAI_API_KEY)")
    parser.add_argument("--temperature", type=float, metavar="T", help="sampling temperature (default: the endpoint's)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="S", help="seconds per LLM call (default: 120)")
    parser.add_argument("--token-budget", type=int, metavar="N", help="stop calling the LLM after N tokens")
    parser.add_argument("--prompt-style", choices=("worked", "plain"), default="worked",
                        help="our loop's repair prompt: worked (examples, marked lines; default) or plain (the earlier one)")


def request_from_args(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> GenerateRequest:
    from vulnloop.bench.generate import GenerateRequest
    from vulnloop.bench.harness import ModelSpec

    environ = os.environ if env is None else env
    key = environ.get(args.api_key_env, "").strip() or None
    common = dict(
        base_url=args.base_url, api_key=key, timeout=args.timeout, temperature=args.temperature,
        replay_generator=args.replay_generator, replay_fixer=args.replay_fixer,
    )
    model = ModelSpec(args.model, **common)
    repair = ModelSpec(args.repair_model, **common) if args.repair_model else None
    return GenerateRequest(
        model=model, repair_model=repair, iterations=args.iterations, runs=args.runs, tasks=args.tasks,
        limit=args.limit, concurrency=args.concurrency, shard=args.shard, strategy=args.strategy,
        codemods=not args.no_codemods, out=Path(args.out), dataset=args.dataset,
        dataset_sha256=args.dataset_sha256, engines=args.engines, token_budget=args.token_budget,
        chart=not args.no_chart, progress=not args.no_progress, prompt_style=args.prompt_style,
    )


# -- generate ----------------------------------------------------------------------------------
def run_generate(args: argparse.Namespace) -> int:
    from vulnloop.bench.generate import generate

    return generate(request_from_args(args), echo=note)


# -- cweval --------------------------------------------------------------------------------------
def run_cweval(args: argparse.Namespace) -> int:
    from vulnloop.bench.cweval_repair import CwevalRequest, cweval
    from vulnloop.bench.harness import ModelSpec

    key = os.environ.get(args.api_key_env, "").strip() or None
    model = ModelSpec(args.model, base_url=args.base_url, api_key=key, timeout=args.timeout,
                      temperature=args.temperature)
    return cweval(CwevalRequest(
        model=model, cweval=args.cweval, iterations=args.iterations, strategy=args.strategy,
        codemods=not args.no_codemods, tasks=args.tasks, limit=args.limit, concurrency=args.concurrency,
        shard=args.shard, engines=args.engines, token_budget=args.token_budget, test_python=args.test_python,
        test_timeout=args.test_timeout, third_party=args.third_party, time_limit=args.time_limit, out=Path(args.out),
        chart=not args.no_chart, progress=not args.no_progress, prompt_style=args.prompt_style,
        verify_with_tests=args.verify_with_tests,
    ), echo=note)


# -- merge and detect ------------------------------------------------------------------------------
def run_merge(args: argparse.Namespace) -> int:
    from vulnloop.bench.records import merge_folders
    from vulnloop.bench.report import write_reports

    folders = [Path(f) for f in args.folders]
    target = Path(args.out) if args.out else folders[0]
    meta, records = merge_folders(folders, target)
    if meta.get("kind") == "cweval":
        from vulnloop.bench.cweval_repair import write_cweval_reports

        reports = write_cweval_reports(target, meta, records, chart=not args.no_chart)
    else:
        reports = write_reports(target, meta, records, chart=not args.no_chart)
    sys.stdout.write(reports.markdown)
    if reports.chart_note:
        note(reports.chart_note)
    note(f"merged {len(folders)} folder(s), {len(records)} record(s) into {target}")
    return 0


def run_detect(args: argparse.Namespace) -> int:
    from vulnloop.bench.harness import bench_detect

    bench_detect(args.labels, args.cweval, args.stages, args.engines, Path(args.out), echo=note)
    return 0


# -- the Action's workflow_dispatch --------------------------------------------------------------
def _int_input(inputs: Mapping[str, str], name: str, default: int) -> int:
    text = (inputs.get(name) or "").strip()
    return as_int(f"input {name}", text, 0) if text else default


def request_from_inputs(inputs: Mapping[str, str], workspace: Path) -> GenerateRequest:
    from vulnloop.bench.generate import GenerateRequest
    from vulnloop.bench.harness import ModelSpec

    def get(name: str, default: str = "") -> str:
        return (inputs.get(name) or "").strip() or default

    strategy = get("bench_strategy", "paper")
    if strategy not in STRATEGY_CHOICES:
        raise ConfigError(f"input bench_strategy: expected one of {', '.join(sorted(STRATEGY_CHOICES))}, got {strategy!r}")
    model = ModelSpec(get("model", "gpt-4o-mini"), base_url=get("openai_base_url") or None,
                      api_key=get("openai_api_key") or None)
    repair_name = get("bench_repair_model")
    dataset = get("bench_dataset", "securityeval")
    if dataset != "securityeval" and not Path(dataset).is_absolute():
        dataset = str(workspace / dataset)
    return GenerateRequest(
        model=model,
        repair_model=replace(model, name=repair_name) if repair_name else None,
        iterations=_int_input(inputs, "bench_iterations", 5),
        runs=_int_input(inputs, "bench_runs", 1),
        tasks=get("bench_tasks", "codeql-covered"),
        concurrency=_int_input(inputs, "bench_concurrency", 8),
        shard=get("bench_shard", "1/1"),
        strategy=strategy,
        out=workspace / get("bench_out", DEFAULT_OUT),
        dataset=dataset,
        progress=False,
    )


def run_from_action(inputs: Mapping[str, str], workspace: Path) -> int:
    """`vulnloop action` on workflow_dispatch: run the benchmark, put the table in the job summary.

    The results and the summary are written before the chart, which is optional: a run that spent
    its tokens keeps what it found even when the chart cannot be drawn.
    """
    from vulnloop.bench.generate import generate
    from vulnloop.bench.records import TABLE_FILE
    from vulnloop.bench.report import chart_from_results
    from vulnloop.report.workflow_commands import append_file

    def echo(line: str) -> None:
        print(f"vulnloop: {line}", flush=True)

    request = replace(request_from_inputs(inputs, workspace), chart=False)
    code = generate(request, echo=echo)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        append_file(Path(summary), (request.out / TABLE_FILE).read_text(encoding="utf-8"))
    chart, chart_note = chart_from_results(request.out)
    echo(f"chart: {chart}" if chart else chart_note or "no chart: no results to draw")
    if summary and chart_note:
        append_file(Path(summary), f"\n_{chart_note}_\n")
    return code
