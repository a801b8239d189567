"""The line chart of flagged files by round (like the paper's Figure 13), as a PNG."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from vulnloop.errors import ConfigError

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
