"""A file's codemod edits as one chain: planned on real codemods, verified by one real Bandit
re-scan, and taken apart again when together they fail."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

from vulnloop.engines.bandit import BanditEngine
from vulnloop.findings import Finding
from vulnloop.repair.chain import kept_lines, moved_through, plan_chain
from vulnloop.repair.codemods import CodemodInfo, codemods_for, load, modules_for
from vulnloop.repair.ledger import Status
from vulnloop.repair.loop import RepairLoop, severity_order
from vulnloop.repair.worker import _prepare
from vulnloop.sources import SourceFile

# Three findings codemods fix; the literal_eval codemod adds `import ast` at the top, moving
# every line below it.
THREE_FIXES = """\
import hashlib

import yaml


def cache_key(name):
    return hashlib.sha1(name.encode()).hexdigest()


LIMITS = eval("{'travel': 2500}")


def load_settings(fh):
    return yaml.load(fh, Loader=yaml.Loader)
"""


class CountingBandit(BanditEngine):
    """Real Bandit that counts the texts it is asked to judge."""

    def __init__(self) -> None:
        super().__init__()
        self.scans = 0

    def scan(self, sources, *, root=None):  # type: ignore[override]
        self.scans += 1
        return super().scan(sources, root=root)


class Breaks:
    """A codemod that 'fixes' a finding by bringing in a worse one."""

    info = CodemodInfo("breaks", "bad", (327,), ("B324",), (), "bad")

    def apply(self, source: str, finding: Finding) -> str | None:
        line = source.splitlines()[finding.start_line - 1]
        return source.replace(line, "    return eval(name)", 1)


class Declines:
    info = CodemodInfo("declines", "no", (20,), ("B506",), (), "no")

    def apply(self, source: str, finding: Finding) -> str | None:
        return None


def _findings(text: str) -> list[Finding]:
    return sorted(BanditEngine().scan([SourceFile("conf.py", text)]).findings, key=severity_order)


def _repair(text: str, replacing: tuple[str, object] | None = None) -> tuple[object, CountingBandit, dict]:
    """The loop's report on ``text``, its re-scan count, and its entries by rule; with
    ``replacing`` = (rule, codemod), that codemod alone answers that rule."""

    def finder(finding: Finding) -> Sequence[object]:
        if replacing is not None and finding.rule_id == replacing[0]:
            return [replacing[1]]
        return codemods_for(finding)

    engine = CountingBandit()
    loop = RepairLoop(engines=[engine], root=Path("."), codemods=finder)
    sources = [SourceFile("conf.py", text)]
    scan = loop.scan(sources)
    engine.scans = 0
    report = loop.repair(sources, scan)
    return report, engine, {e.finding.rule_id: e for e in report.entries}


def test_a_finding_moves_with_the_lines_added_above_it_and_is_lost_when_its_lines_change() -> None:
    before = "a = 1\nb = 2\nc = 3\n"
    finding = next(f for f in _findings("import hashlib\nhashlib.md5(b'x')\n") if f.rule_id == "B324")
    at_three = replace(finding, start_line=3, end_line=3)
    inserted = kept_lines(before, "import ast\na = 1\nb = 2\nc = 3\n")
    assert moved_through(at_three, inserted).start_line == 4
    edited_third = kept_lines(before, "a = 1\nb = 2\nc = 4\n")
    assert moved_through(at_three, edited_third) is None
    assert moved_through(replace(at_three, start_line=1, end_line=1), edited_third).start_line == 1
    spanning = replace(finding, start_line=1, end_line=3)
    assert moved_through(spanning, kept_lines(before, "a = 1\nx = 0\nb = 2\nc = 3\n")) is None


def test_the_chain_applies_each_codemod_to_the_previous_edit_at_the_moved_line() -> None:
    findings = [f for f in _findings(THREE_FIXES) if codemods_for(f)]
    assert sorted(f.rule_id for f in findings) == ["B307", "B324", "B506"]
    chain = plan_chain(THREE_FIXES, findings, codemods_for)
    assert len(chain.steps) == 3 and not chain.touched_by and not chain.declined
    text = THREE_FIXES
    for step, finding in zip(chain.steps, findings):
        assert step.before == text
        flagged = finding.snippet.strip().splitlines()[0]
        assert flagged in step.before.splitlines()[step.target.start_line - 1]  # located where it now is
        assert step.after == step.codemod.apply(text, step.target)
        text = step.after
    assert chain.text == text
    assert "import ast" in text and "yaml.safe_load(fh)" in text and "usedforsecurity=False" in text


def test_every_edit_of_a_file_is_verified_by_one_rescan_and_credited_with_its_own_diff() -> None:
    report, engine, _ = _repair(THREE_FIXES)
    assert engine.scans == 1
    fixed = {e.finding.rule_id: e.repair for e in report.fixed()}
    assert set(fixed) == {"B307", "B324", "B506"} and not report.unfixed()
    assert fixed["B324"].repairer == "codemod:weak-hash"
    for repair in fixed.values():
        changed = [line for line in repair.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        assert len([line for line in changed if line.startswith("-")]) == 1, repair.diff
    assert "+LIMITS = ast.literal_eval(" in fixed["B307"].diff
    assert report.files[0].final == plan_chain(THREE_FIXES, _findings(THREE_FIXES), codemods_for).text


def test_when_the_chain_fails_each_edit_is_judged_alone() -> None:
    report, engine, by_rule = _repair(THREE_FIXES, ("B324", Breaks()))
    assert by_rule["B324"].status is Status.UNFIXED
    assert "introduces a new finding: B307" in by_rule["B324"].reason
    assert by_rule["B324"].attempts == 1  # the chain is the loop's shortcut, not an attempt of its own
    assert by_rule["B307"].status is Status.FIXED and by_rule["B506"].status is Status.FIXED
    assert engine.scans == 1 + 3  # the chain, then each edit alone
    assert "eval(name)" not in report.files[0].final


def test_a_codemod_that_declines_in_the_chain_keeps_its_reason() -> None:
    report, engine, by_rule = _repair(THREE_FIXES, ("B506", Declines()))
    assert by_rule["B506"].status is Status.UNFIXED
    assert "codemod declines does not apply safely here" in by_rule["B506"].reason
    assert by_rule["B506"].attempts == 1
    assert {e.finding.rule_id for e in report.fixed()} == {"B307", "B324"} and engine.scans == 1


class Asking:
    """A registry codemod that records what it is asked."""

    def __init__(self, module: str, asked: list[tuple[str, str, Finding]]) -> None:
        self.module, self.info, self.asked = module, load(module).info, asked

    def apply(self, source: str, target: Finding) -> str | None:
        self.asked.append((self.module, source, target))
        return load(self.module).apply(source, target)


def test_the_worker_prepares_exactly_the_edits_the_loop_asks_for() -> None:
    every = _findings(THREE_FIXES)  # what the loop chains: every target, in its order
    ready: dict = {}
    _prepare(ready, THREE_FIXES, [f for f in every if modules_for(f.rule_id)])  # what the hook hands over
    asked: list[tuple[str, str, Finding]] = []
    plan_chain(THREE_FIXES, every, lambda finding: [Asking(m, asked) for m in modules_for(finding.rule_id)])
    assert len(asked) == 3 and set(asked) == set(ready)


def test_locating_by_line_origins_agrees_with_walking_every_edit() -> None:
    """Random edits (lines rewritten, added, removed) one after another: a finding of the first
    text is found, by bisection, exactly where moving it through each edit puts it."""
    import random
    from dataclasses import replace as with_lines

    from vulnloop.repair.chain import ChainStep, _LineOrigins, _locate

    rng = random.Random(5)
    template = _findings(THREE_FIXES)[0]
    for _ in range(60):
        lines = [f"x{i} = {i}" for i in range(rng.randrange(5, 60))]
        text = "\n".join(lines) + "\n"
        origins, steps = _LineOrigins(text), []
        for number in range(rng.randrange(1, 8)):
            edited = list(lines)
            at = rng.randrange(len(edited))
            action = rng.choice(["rewrite", "add", "remove"])
            if action == "rewrite":
                edited[at] = f"y{number} = 0"
            elif action == "add":
                edited[at:at] = [f"import m{number}"] * rng.randrange(1, 3)
            elif len(edited) > 1:
                del edited[at]
            after = "\n".join(edited) + "\n"
            steps.append(ChainStep(number, None, text, after, template))  # type: ignore[arg-type]
            text, lines = after, edited
        origins.catch_up(steps)
        for first in range(1, 61):
            finding = with_lines(template, start_line=first, end_line=first + rng.randrange(3))
            assert origins.locate(finding) == _locate(finding, steps)[0], (first, [s.after for s in steps])
