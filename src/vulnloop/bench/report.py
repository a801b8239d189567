"""A results folder's reports: the figures (summary), the Markdown table beside the paper's, and
the chart (matplotlib, drawn last: a chart that fails never costs the results).

Two judges are counted. The paper's: a file is fixed at round k when no engine reports anything
(so code that does not parse counts as fixed). Ours: fixed only when, in addition, it parses.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from vulnloop.api import ConfigError
from vulnloop.bench.records import CHART_FILE, RESULTS_FILE, TABLE_FILE, write_json

Record = Mapping[str, Any]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round_totals(records: Sequence[Record]) -> defaultdict[str, int]:
    """Every repair round's counters (calls, answers, tokens, ...) summed over the records."""
    stats: defaultdict[str, int] = defaultdict(int)
    for record in records:
        for round_stats in record["rounds"]:
            for key, value in round_stats.items():
                if key not in ("round", "seconds"):
                    stats[key] += int(value)
    return stats


def aggregate(records: Sequence[Record], iterations: int) -> dict[str, Any]:
    rounds = range(iterations + 1)
    generated = [r for r in records if not r["generation"].get("error")]
    parsed = [r for r in records if r["generation"]["parses"]]
    flagged0 = [r for r in records if r["flagged_by_round"][0] and r["generation"]["parses"]]
    fixed = [sum(1 for r in flagged0 if not r["flagged_by_round"][k]) for k in rounds]
    honest = [
        sum(1 for r in flagged0 if not r["flagged_by_round"][k] and r["parses_by_round"][k]) for k in rounds
    ]
    stats = _round_totals(records)
    findings0 = sum(r["findings_by_round"][0] for r in flagged0)
    findings_fixed = sum(
        max(r["findings_by_round"][0] - r["findings_by_round"][-1], 0)
        for r in flagged0
        if r["parses_by_round"][-1]
    )
    repair_tokens = stats["prompt_tokens"] + stats["completion_tokens"]
    fixed_by: dict[str, int] = defaultdict(int)
    for record in records:
        for key, value in record.get("fixed_by", {}).items():
            fixed_by[key] += int(value)
    return {
        "tasks": len(records),
        "generated": len(generated),
        "generated_parse": len(parsed),
        "generated_parse_share": _share(len(parsed), len(records)),
        "flagged_after_generation": len(flagged0),
        "flagged_by_round": [sum(1 for r in records if r["flagged_by_round"][k]) for k in rounds],
        "insecure_by_round": [
            sum(1 for r in records if r["flagged_by_round"][k] or not r["parses_by_round"][k]) for k in rounds
        ],
        "fixed_by_round": fixed,
        "fixed_and_parsing_by_round": honest,
        "success_by_round": [_share(n, len(flagged0)) for n in fixed],
        "honest_success_by_round": [_share(n, len(flagged0)) for n in honest],
        "final_unparseable": sum(1 for r in flagged0 if not r["parses_by_round"][-1]),
        "repair_calls": stats["calls"],
        "repair_answers": stats["answered"],
        "repair_unanswered": stats["unanswered"],
        "repair_answers_unparseable": stats["unparseable"],
        "repair_answers_unusable": stats["unusable"],
        "repair_answer_parse_share": _share(stats["answered"] - stats["unparseable"], stats["answered"]),
        "new_findings_introduced": stats["new_findings"],
        "accepted_repairs": stats["accepted"],
        "accepted_unparseable": stats["accepted_unparseable"],
        "findings_after_generation": findings0,
        "findings_fixed": findings_fixed,
        "fixed_by": dict(fixed_by),
        "generation_tokens": sum(
            r["generation"].get("prompt_tokens", 0) + r["generation"].get("completion_tokens", 0) for r in records
        ),
        "repair_tokens": repair_tokens,
        "tokens_per_fixed_finding": round(repair_tokens / findings_fixed, 1) if findings_fixed else None,
        "generation_seconds": round(sum(r["generation"].get("seconds", 0.0) for r in records), 2),
        "repair_seconds": round(sum(r.get("seconds", 0.0) for r in records), 2),
    }


def summarise(records: Sequence[Record], iterations: int) -> dict[str, Any]:
    """``{strategy: {"pooled": {...}, "runs": {"1": {...}, ...}}}``."""
    by_strategy: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_strategy[str(record["strategy"])].append(record)
    out: dict[str, Any] = {}
    for strategy in sorted(by_strategy, key=lambda s: (s != "ours", s)):
        chosen = by_strategy[strategy]
        runs = sorted({int(r["run"]) for r in chosen})
        out[strategy] = {
            "pooled": aggregate(chosen, iterations),
            "runs": {str(run): aggregate([r for r in chosen if int(r["run"]) == run], iterations) for run in runs},
        }
    return out


def missing_units(records: Sequence[Record], meta: Mapping[str, Any]) -> int:
    """Records a complete run would have and these lack (a shard not merged, a run cut short)."""
    expected = len(meta.get("task_ids", [])) * int(meta.get("runs", 1)) * len(meta.get("strategies", []))
    return max(expected - len(records), 0)


# Gong et al. (2024), RQ4: the iterative tool on the 67 CodeQL-covered tasks, 5 runs pooled,
# judged by Bandit + CodeQL (unparseable output counted as secure). RQ3: one repair round,
# judged by reviewers, lowest and highest over the generator/fixer pairs.
PAPER_ITERATIVE = (
    ("Paper: GPT-3.5 self-repair (67 tasks x 5 runs)", {"flagged_after_generation": 176, "flagged_final": 60, "success": 0.659}),
    ("Paper: GPT-4 self-repair (67 tasks x 5 runs)", {"flagged_after_generation": 249, "flagged_final": 36, "success": 0.855}),
)
PAPER_SINGLE_ROUND = (0.332, 0.596)
STRATEGY_LABELS = {"ours": "vulnloop loop", "paper": "paper's loop"}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _count(part: int, whole: int) -> str:
    return f"{_pct(part / whole if whole else None)} ({part}/{whole})"


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _row(label: str, paper: Sequence[str], ours: Sequence[str]) -> str:
    return "| " + " | ".join([label, *paper, *ours]) + " |"


def results_table(summary: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """The side-by-side table, the per-run flagged counts and notes, as Markdown."""
    iterations = int(meta["iterations"])
    strategies = list(summary)
    pooled = {s: summary[s]["pooled"] for s in strategies}
    heads = [name for name, _ in PAPER_ITERATIVE] + [
        f"{STRATEGY_LABELS.get(s, s)} ({meta.get('fixer', '?')})" for s in strategies
    ]
    lines = [
        f"## SecurityEval: {meta.get('generator', '?')} generates, {meta.get('fixer', '?')} repairs",
        "",
        f"Tasks: {len(meta.get('task_ids', []))} ({meta.get('tasks', '?')}), runs: {meta.get('runs', '?')}, "
        f"rounds: {iterations}; judged by {', '.join(meta.get('engines', [])) or '?'}"
        + (f" ({'; '.join(meta['engine_notes'])})" if meta.get("engine_notes") else "")
        + ".",
        "",
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
    ]
    lines += _comparison_rows(pooled, iterations)
    lines += [
        "",
        (
            f"Paper: after 5 rounds {_pct(PAPER_ITERATIVE[0][1]['success'])} (GPT-3.5 self-repair) and "
            f"{_pct(PAPER_ITERATIVE[1][1]['success'])} (GPT-4 self-repair); a single round of repair "
            f"(RQ3, reviewers' judgement) {_pct(PAPER_SINGLE_ROUND[0])} to {_pct(PAPER_SINGLE_ROUND[1])}. "
            "\"Fixed by round k\": flagged after generation, and no engine reports anything after round k "
            "(the paper's success rate); for the paper's loop, \"parsing\" also requires the output to be "
            "valid Python. The paper's figures are for the 67 CodeQL-covered tasks judged by Bandit and CodeQL."
        ),
        "",
        "### Flagged files after each round, per run",
        "",
        "| strategy | run | " + " | ".join(["gen"] + [f"r{k}" for k in range(1, iterations + 1)])
        + f" | fixed by round {iterations} |",
        "|---|---|" + "---|" * (iterations + 2),
    ]
    for strategy in strategies:
        for run, figures in summary[strategy]["runs"].items():
            counts = " | ".join(str(n) for n in figures["flagged_by_round"])
            success = _pct(figures["success_by_round"][iterations])
            lines.append(f"| {STRATEGY_LABELS.get(strategy, strategy)} | {run} | {counts} | {success} |")
    agreement = meta.get("replay_agreement")
    if agreement:
        lines += ["", agreement_table(agreement)]
    missing = meta.get("missing_units")
    if missing:
        lines += ["", f"**Incomplete:** {missing} task result(s) missing (unmerged shards or an interrupted run)."]
    return "\n".join(lines) + "\n"


def _comparison_rows(pooled: Mapping[str, Any], iterations: int) -> list[str]:
    """The side-by-side rows: the paper's figures (where it has one) beside each strategy's, pooled."""
    lines: list[str] = []
    blank = ["–"] * len(PAPER_ITERATIVE)
    lines.append(_row(
        "Generated outputs that parse", blank,
        [_count(p["generated_parse"], p["tasks"]) for p in pooled.values()],
    ))
    lines.append(_row(
        "Flagged after generation",
        [str(v["flagged_after_generation"]) for _, v in PAPER_ITERATIVE],
        [str(p["flagged_after_generation"]) for p in pooled.values()],
    ))
    for k in range(1, iterations + 1):
        paper_cells = (
            [_pct(v["success"]) for _, v in PAPER_ITERATIVE] if k == iterations == 5 else blank
        )
        cells = []
        for strategy, p in pooled.items():
            cell = _count(p["fixed_by_round"][k], p["flagged_after_generation"])
            if strategy != "ours" and p["fixed_by_round"][k] != p["fixed_and_parsing_by_round"][k]:
                cell += f"; parsing: {_pct(p['honest_success_by_round'][k])}"
            cells.append(cell)
        lines.append(_row(f"Fixed by round {k}", paper_cells, cells))
    lines.append(_row(
        "Accepted outputs that do not parse", ["counted secure"] * len(PAPER_ITERATIVE),
        [str(p["accepted_unparseable"]) for p in pooled.values()],
    ))
    lines.append(_row(
        "Repair answers that parse", blank,
        [_count(p["repair_answers"] - p["repair_answers_unparseable"], p["repair_answers"]) for p in pooled.values()],
    ))
    lines.append(_row(
        "New findings in answers", blank, [str(p["new_findings_introduced"]) for p in pooled.values()]
    ))
    lines.append(_row(
        "Unanswered repair calls", blank, [str(p["repair_unanswered"]) for p in pooled.values()]
    ))
    lines.append(_row(
        "Findings fixed (codemod / LLM)", blank,
        [
            f"{p['findings_fixed']} ({p['fixed_by'].get('codemod', 0)} / {p['fixed_by'].get('llm', 0)})"
            if s == "ours" else str(p["findings_fixed"])
            for s, p in pooled.items()
        ],
    ))
    lines.append(_row(
        "Repair tokens per fixed finding", blank, [_num(p["tokens_per_fixed_finding"]) for p in pooled.values()]
    ))
    return lines


def agreement_table(agreement: Mapping[str, Any]) -> str:
    """Replay only: our verdicts and the paper's on the recorded repairs, against the reviewers."""
    rows = [
        "### Verdicts on the recorded repairs, against the reviewers' labels",
        "",
        (
            f"{agreement['pieces']} recorded single-round repairs ({agreement['generator']} code, fixed by "
            f"{agreement['fixer']}) of files the engines flag; reviewers judged "
            f"{agreement['reviewers_vulnerable']} of them still vulnerable."
        ),
        "",
        "| judge | repairs it accepts | of which reviewers judged still vulnerable |",
        "|---|---|---|",
    ]
    for key, label in (("ours", "vulnloop (verified repair posted)"), ("paper", "paper (no finding left)")):
        figures = agreement[key]
        rows.append(
            f"| {label} | {figures['accepted']} | {_count(figures['accepted_vulnerable'], figures['accepted'])} |"
        )
    return "\n".join(rows) + "\n"


def _cweval_per_cwe(strategy: str, per_cwe: Mapping[str, Any]) -> list[str]:
    lines = [
        "",
        f"### Per CWE: {STRATEGY_LABELS.get(strategy, strategy)}",
        "",
        "| CWE | cases | flagged | accepted (codemod / LLM / both) | truly fixed | still vulnerable | broken | could not test |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cwe, f in per_cwe.items():
        o = f["outcomes"]
        by = f["accepted_by"]
        lines.append(
            f"| {cwe} | {f['cases']} | {f['flagged']} | {f['accepted']} ({by['codemod']} / {by['llm']} / {by['both']}) "
            f"| {o['truly fixed']} | {o['still vulnerable']} | {o['broken']} | {o['could not test']} |"
        )
    return lines


def cweval_table(summary: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """CWEval: what each strategy accepted, judged by the tasks' own tests; overall, then per CWE."""
    strategies = list(summary)
    heads = [f"{STRATEGY_LABELS.get(s, s)} ({meta.get('fixer', '?')})" for s in strategies]
    overall = [summary[s]["overall"] for s in strategies]
    lines = [
        f"## CWEval: {meta.get('fixer', '?')} repairs insecure variants, judged by the tasks' tests",
        "",
        f"Cases: {meta.get('cases', '?')} insecure variants of {len(meta.get('task_ids', []))} tasks; rounds: "
        f"{meta.get('iterations', '?')}; scanned by {', '.join(meta.get('engines', [])) or '?'}"
        + (f" ({'; '.join(meta['engine_notes'])})" if meta.get("engine_notes") else "") + "."
        + (" Our loop checked every repair with the task's functionality tests (--verify-with-tests), "
           "as a user with tests would." if meta.get("verify_with_tests") else ""),
        "",
        "| | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
    ]

    def row(label: str, cells: Sequence[str]) -> None:
        lines.append("| " + " | ".join([label, *cells]) + " |")

    row("Flagged", [_count(f["flagged"], f["cases"]) for f in overall])
    row("Repairs accepted (codemod / LLM / both)", [
        f"{f['accepted']} ({f['accepted_by']['codemod']} / {f['accepted_by']['llm']} / {f['accepted_by']['both']})"
        for f in overall
    ])
    row("Truly fixed (both kinds of test pass)", [_count(f["outcomes"]["truly fixed"], f["flagged"]) + " of flagged" for f in overall])
    row("Accepted, still vulnerable (security fails)", [str(f["outcomes"]["still vulnerable"]) for f in overall])
    row("Accepted, broken (functionality fails)", [str(f["outcomes"]["broken"]) for f in overall])
    row("Accepted, could not test here", [str(f["outcomes"]["could not test"]) for f in overall])
    row("Accepted repairs passing the security tests", [_count(f["passing_security"], f["tested"]) for f in overall])
    row("Accepted repairs passing the functionality tests", [_count(f["passing_functionality"], f["tested"]) for f in overall])
    row("LLM-accepted repairs passing security / functionality / both", [
        f"{_count(f.get('llm_passing_security', 0), f.get('llm_tested', 0))} / "
        f"{_count(f.get('llm_passing_functionality', 0), f.get('llm_tested', 0))} / "
        f"{_count(f.get('llm_truly_fixed', 0), f.get('llm_tested', 0))}"
        for f in overall
    ])
    row("LLM calls / tokens", [f"{f['llm_calls']} / {f['llm_tokens']:,}" for f in overall])
    lines += [
        "",
        "Truly fixed: the accepted repair passes both the functionality and the security tests of the "
        "task (run in a child process with a time limit); broken: a functionality test fails; still "
        "vulnerable: functionality passes, a security test fails. Tests the secure reference fails "
        "here (a missing package or tool) are left out; a kind with none left is \"could not test\".",
    ]
    for strategy in strategies:
        lines += _cweval_per_cwe(strategy, summary[strategy]["per_cwe"])
    missing = meta.get("not_run")
    if missing:
        lines += ["", f"**Incomplete:** {missing} case(s) not run (the time limit or an error); a re-run resumes them."]
    return "\n".join(lines) + "\n"


COLOURS = {"ours": "#1b7837", "paper": "#b2182b"}
LABELS = {"ours": "vulnloop loop", "paper": "paper's loop"}


def flagged_chart(summary: Mapping[str, Any], meta: Mapping[str, Any], path: Path) -> Path:
    """One thin line per run and a bold mean per strategy; the paper's loop also dashed for
    'flagged or unparseable'. Needs matplotlib (the ``bench`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: never open a window
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("the chart needs matplotlib: pip install 'vulnloop[bench]'") from None
    iterations = int(meta["iterations"])
    rounds = list(range(iterations + 1))
    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    try:
        for strategy, figures in summary.items():
            colour = COLOURS.get(strategy, "#4d4d4d")
            runs = list(figures["runs"].values())
            for run in runs:
                axes.plot(rounds, run["flagged_by_round"], color=colour, alpha=0.25, linewidth=1)
            mean = [sum(r["flagged_by_round"][k] for r in runs) / len(runs) for k in rounds]
            axes.plot(rounds, mean, color=colour, linewidth=2.4, marker="o",
                      label=f"{LABELS.get(strategy, strategy)} (mean of {len(runs)} run(s))")
            if strategy != "ours":
                insecure = [sum(r["insecure_by_round"][k] for r in runs) / len(runs) for k in rounds]
                if insecure != mean:
                    axes.plot(rounds, insecure, color=colour, linewidth=1.6, linestyle="--",
                              label=f"{LABELS.get(strategy, strategy)}: flagged or unparseable")
        axes.set_xticks(rounds)
        axes.set_xticklabels(["gen"] + [str(k) for k in rounds[1:]])
        axes.set_xlabel("repair round")
        axes.set_ylabel("files flagged by the engines")
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        models = meta.get("generator", "?")
        if meta.get("fixer") != models:
            models = f"{models} -> {meta.get('fixer', '?')}"
        axes.set_title(f"SecurityEval, {models} ({', '.join(meta.get('engines', []))})", fontsize=10)
        axes.legend(fontsize=8)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
    finally:
        plt.close(figure)
    return path


CWEVAL_OUTCOMES = (
    ("truly fixed", "#1b7837"),
    ("still vulnerable", "#d6604d"),
    ("broken", "#762a83"),
    ("could not test", "#bababa"),
    ("not accepted", "#f4a582"),
)


def cweval_chart(summary: Mapping[str, Any], meta: Mapping[str, Any], path: Path) -> Path:
    """One stacked bar per strategy: what became of the flagged CWEval cases."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("the chart needs matplotlib: pip install 'vulnloop[bench]'") from None
    strategies = list(summary)
    figure, axes = plt.subplots(figsize=(7, 1.4 + 0.7 * len(strategies)), dpi=120)
    try:
        left = [0] * len(strategies)
        for outcome, colour in CWEVAL_OUTCOMES:
            counts = [summary[s]["overall"]["outcomes"][outcome] for s in strategies]
            axes.barh([LABELS.get(s, s) for s in strategies], counts, left=left, color=colour, label=outcome)
            left = [a + b for a, b in zip(left, counts)]
        axes.set_xlabel("flagged insecure variants")
        axes.set_title(f"CWEval, {meta.get('fixer', '?')} ({', '.join(meta.get('engines', []))})", fontsize=10)
        axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, bbox_inches="tight")
    finally:
        plt.close(figure)
    return path


_BULKY = ("final_code",)


@dataclass(frozen=True)
class Reports:
    results: Path
    table: Path
    chart: Path | None
    markdown: str
    summary: Mapping[str, Any]
    chart_note: str | None = None  # why there is no chart, when one was asked for


def _compact(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record without the code, for results.json (records.jsonl keeps everything)."""
    out = {k: v for k, v in record.items() if k not in _BULKY}
    out["generation"] = {k: v for k, v in record["generation"].items() if k != "code"}
    return out


def write_reports(
    directory: Path, meta: Mapping[str, Any], records: Sequence[Mapping[str, Any]], *, chart: bool = True
) -> Reports:
    full_meta = {**meta, "missing_units": missing_units(records, meta)}
    summary = summarise(records, int(meta["iterations"]))
    ordered = sorted(records, key=lambda r: (r["run"], r["strategy"], r["task_id"]))
    results_path = directory / RESULTS_FILE
    write_json(results_path, {"meta": full_meta, "summary": summary, "tasks": [_compact(r) for r in ordered]})
    markdown = results_table(summary, full_meta)
    table_path = directory / TABLE_FILE
    table_path.write_text(markdown, encoding="utf-8")
    chart_path, chart_note = draw_chart(directory, summary, full_meta) if chart else (None, None)
    return Reports(results_path, table_path, chart_path, markdown, summary, chart_note)


def draw_chart(directory: Path, summary: Mapping[str, Any], meta: Mapping[str, Any]) -> tuple[Path | None, str | None]:
    """The chart and None, or None and why it could not be drawn (never an error: it comes last)."""
    if not summary:
        return None, None
    try:
        return flagged_chart(summary, meta, directory / CHART_FILE), None
    except ConfigError as exc:  # matplotlib is not installed
        return None, f"no chart: {exc}"
    except Exception as exc:  # a drawing or writing failure must not cost the results
        return None, f"no chart: drawing it failed ({type(exc).__name__}: {exc})"


def chart_from_results(directory: Path) -> tuple[Path | None, str | None]:
    """The chart of a folder whose ``results.json`` is already written."""
    results = json.loads((directory / RESULTS_FILE).read_text(encoding="utf-8"))
    return draw_chart(directory, results["summary"], results["meta"])
