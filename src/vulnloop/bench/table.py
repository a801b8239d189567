"""The Markdown report: our figures beside the paper's."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

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
        + (f" ({'; '.join(meta['engine_notes'])})" if meta.get("engine_notes") else "") + ".",
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
    row("LLM calls / tokens", [f"{f['llm_calls']} / {f['llm_tokens']:,}" for f in overall])
    lines += [
        "",
        "Truly fixed: the accepted repair passes both the functionality and the security tests of the "
        "task (run in a child process with a time limit); broken: a functionality test fails; still "
        "vulnerable: functionality passes, a security test fails. Tests the secure reference fails "
        "here (a missing package or tool) are left out; a kind with none left is \"could not test\".",
    ]
    for strategy in strategies:
        lines += [
            "",
            f"### Per CWE: {STRATEGY_LABELS.get(strategy, strategy)}",
            "",
            "| CWE | cases | flagged | accepted (codemod / LLM / both) | truly fixed | still vulnerable | broken | could not test |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for cwe, f in summary[strategy]["per_cwe"].items():
            o = f["outcomes"]
            by = f["accepted_by"]
            lines.append(
                f"| {cwe} | {f['cases']} | {f['flagged']} | {f['accepted']} ({by['codemod']} / {by['llm']} / {by['both']}) "
                f"| {o['truly fixed']} | {o['still vulnerable']} | {o['broken']} | {o['could not test']} |"
            )
    missing = meta.get("not_run")
    if missing:
        lines += ["", f"**Incomplete:** {missing} case(s) not run (the time limit or an error); a re-run resumes them."]
    return "\n".join(lines) + "\n"
