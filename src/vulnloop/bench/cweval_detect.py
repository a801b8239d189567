"""`bench detect --cweval DIR`: does each engine flag CWEval's insecure variants and spare the
secure references?

Per case (one ``_unsafe`` variant of a task): *recall* counts flagged variants, *false alarms*
count flagged secure references, and *pair discrimination* counts variants flagged while their
task's secure reference is not (a rule that fires on both tells a reviewer nothing). "Flagged"
is any finding (the paper's judge); the ``*_same_cwe`` figures count only findings of the task's
CWE (or a CWE naming the same weakness, see SAME_WEAKNESS).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from vulnloop.api import Engine, SourceFile, quiet_warnings
from vulnloop.bench.cweval import CwevalTask
from vulnloop.bench.detect import UNION
from vulnloop.findings import Finding

# CWEval's CWE and the CWEs our rules tag the same weakness with (ReDoS is CWE-1333 there and
# CWE-730/400 in CodeQL and our rules; a salt-less or weak password hash is 759/760/916/328).
SAME_WEAKNESS: dict[int, frozenset[int]] = {
    20: frozenset({20, 601}),
    95: frozenset({94, 95}),
    327: frozenset({327, 328, 916}),
    329: frozenset({329, 1204}),
    760: frozenset({759, 760, 916, 328, 327}),
    943: frozenset({943, 89}),
    1333: frozenset({1333, 730, 400}),
    400: frozenset({400, 730, 1333}),
}


def same_weakness(task_cwe: str, findings: Iterable[Finding]) -> bool:
    number = int(task_cwe.split("-")[1])
    accepted = SAME_WEAKNESS.get(number, frozenset({number}))
    return any(set(f.cwes) & accepted for f in findings)


@dataclass
class PairCounts:
    cases: int = 0
    flagged: int = 0
    flagged_same_cwe: int = 0
    references: int = 0
    secure_flagged: int = 0
    secure_flagged_same_cwe: int = 0
    discriminated: int = 0
    discriminated_same_cwe: int = 0

    def add(self, vulnerable: Sequence[Finding], secure: Sequence[Finding], cwe: str) -> None:
        self.cases += 1
        hit, hit_cwe = bool(vulnerable), same_weakness(cwe, vulnerable)
        alarm, alarm_cwe = bool(secure), same_weakness(cwe, secure)
        self.flagged += hit
        self.flagged_same_cwe += hit_cwe
        self.discriminated += hit and not alarm
        self.discriminated_same_cwe += hit_cwe and not alarm_cwe

    def add_reference(self, secure: Sequence[Finding], cwe: str) -> None:
        """A task's secure reference, counted once however many variants it has."""
        self.references += 1
        self.secure_flagged += bool(secure)
        self.secure_flagged_same_cwe += same_weakness(cwe, secure)

    def as_dict(self) -> dict[str, Any]:
        def share(part: int, whole: int | None = None) -> float | None:
            whole = self.cases if whole is None else whole
            return round(part / whole, 4) if whole else None

        return {
            **self.__dict__,
            "recall": share(self.flagged),
            "false_alarm_rate": share(self.secure_flagged, self.references),
            "pair_discrimination": share(self.discriminated),
            "pair_discrimination_same_cwe": share(self.discriminated_same_cwe),
        }


def detect_cweval(tasks: Sequence[CwevalTask], engines: Sequence[Engine], root: Path) -> dict[str, Any]:
    """Scan every secure reference and every insecure variant, one call per engine."""
    sources: list[SourceFile] = []
    for task in tasks:
        sources.append(SourceFile(f"secure/{task.task_id}/{task.file_name}", task.secure_code))
        sources += [SourceFile(f"unsafe/{task.case_id(v)}/{task.file_name}", v.code) for v in task.variants]
    found: dict[str, dict[str, list[Finding]]] = {}
    for engine in engines:
        by_path: dict[str, list[Finding]] = defaultdict(list)
        with quiet_warnings():
            result = engine.scan(sources, root=root)
        for finding in result.findings:
            by_path[finding.path].append(finding)
        found[engine.name] = by_path
    names = [e.name for e in engines] + [UNION]
    overall = {name: PairCounts() for name in names}
    per_cwe: dict[str, dict[str, PairCounts]] = defaultdict(lambda: {name: PairCounts() for name in names})
    cases: list[dict[str, Any]] = []
    def findings(name: str, path: str) -> list[Finding]:
        chosen = engines if name == UNION else [e for e in engines if e.name == name]
        return [f for e in chosen for f in found[e.name].get(path, [])]

    for task in tasks:
        secure_path = f"secure/{task.task_id}/{task.file_name}"
        for name in names:
            overall[name].add_reference(findings(name, secure_path), task.cwe)
            per_cwe[task.cwe][name].add_reference(findings(name, secure_path), task.cwe)
        for variant in task.variants:
            path = f"unsafe/{task.case_id(variant)}/{task.file_name}"
            rules: dict[str, Any] = {"case": task.case_id(variant), "cwe": task.cwe}
            for name in names:
                vulnerable, secure = findings(name, path), findings(name, secure_path)
                overall[name].add(vulnerable, secure, task.cwe)
                per_cwe[task.cwe][name].add(vulnerable, secure, task.cwe)
                if name == UNION:
                    rules["vulnerable_rules"] = sorted({f"{f.engine}:{f.rule_id}" for f in vulnerable})
                    rules["secure_rules"] = sorted({f"{f.engine}:{f.rule_id}" for f in secure})
            cases.append(rules)
    return {
        "tasks": len(tasks),
        "cases": sum(len(t.variants) for t in tasks),
        "engines": [e.name for e in engines],
        "overall": {name: overall[name].as_dict() for name in names},
        "per_cwe": {
            cwe: {name: c.as_dict() for name, c in counts.items()}
            for cwe, counts in sorted(per_cwe.items(), key=lambda item: int(item[0].split("-")[1]))
        },
        "missed": [c["case"] for c in cases if not c["vulnerable_rules"]],
        "cases_detail": cases,
    }


def _pct(part: int, whole: int) -> str:
    return f"{part / whole * 100:.0f}% ({part}/{whole})" if whole else "–"


def cweval_detect_table(report: dict[str, Any], notes: Sequence[str] = ()) -> str:
    lines = [
        "## Detection on CWEval's secure and insecure variants",
        "",
        f"{report['cases']} insecure variants of {report['tasks']} tasks, each beside its task's secure "
        "reference. Recall: variants flagged; false alarms: secure references flagged (once per task); pair "
        "discrimination: variant flagged and its reference not (same CWE: counting only findings of "
        "the task's weakness)." + (f" {' '.join(notes)}" if notes else ""),
        "",
        "| engine | recall | recall, same CWE | false alarms on secure | pair discrimination | pair discrimination, same CWE |",
        "|---|---|---|---|---|---|",
    ]
    for name, c in report["overall"].items():
        n = c["cases"]
        lines.append(
            f"| {name} | {_pct(c['flagged'], n)} | {_pct(c['flagged_same_cwe'], n)} | {_pct(c['secure_flagged'], c['references'])} "
            f"| {_pct(c['discriminated'], n)} | {_pct(c['discriminated_same_cwe'], n)} |"
        )
    lines += [
        "",
        "Missed variants (no engine flags them): " + (", ".join(report["missed"]) or "none"),
        "",
        f"### Per CWE ({UNION})",
        "",
        "| CWE | variants | flagged | flagged, same CWE | secure references flagged | pairs discriminated |",
        "|---|---|---|---|---|---|",
    ]
    for cwe, counts in report["per_cwe"].items():
        c = counts[UNION]
        lines.append(
            f"| {cwe} | {c['cases']} | {c['flagged']} | {c['flagged_same_cwe']} | {c['secure_flagged']}/{c['references']} "
            f"| {c['discriminated']} |"
        )
    return "\n".join(lines) + "\n"
