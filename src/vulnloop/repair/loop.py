"""The loop: scan -> repair (codemods, then the LLM) -> re-scan -> accept or feed back, up to N rounds.

A candidate is accepted only when it compiles, adds no suppression, keeps the code's shape, makes
a targeted finding disappear and introduces none (see ``verify.py``). Fast engines (Bandit) judge
each candidate at once (a file's codemod edits together first, ``chain.py``, then one by one if
together they fail); slow engines (CodeQL, ``batch_only``) judge all files changed in a round in
one batch at its end, and a file whose round they reject goes back to its state before the round.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Protocol, Sequence

from vulnloop.engines import Engine
from vulnloop.findings import Finding, ScanResult, merge_results
from vulnloop.fingerprints import enclosing_scope
from vulnloop.llm.usage import TokenUsage
from vulnloop.unified_diff import unified_diff
from vulnloop.repair.chain import Chain, CodemodFinder, plan_chain
from vulnloop.repair.codemods import codemods_for
from vulnloop.repair.dependencies import dependency_notes
from vulnloop.repair.ledger import FileOutcome, LedgerEntry, LoopReport, Repair, Status
from vulnloop.repair.proposal import Proposal
from vulnloop.repair.verify import findings_problem, pair_findings, shape_problem
from vulnloop.sources import SourceFile

ProgressFn = Callable[[str], None]

# Folders never copied for --verify-cmd: large, and irrelevant to the user's check.
_COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache")


class Proposer(Protocol):
    """What the loop needs of an LLM repairer (``vulnloop.repair.llm.LlmRepairer``)."""

    @property
    def name(self) -> str: ...

    def propose(
        self,
        *,
        path: str,
        source: str,
        findings: Sequence[Finding],
        feedback: Sequence[str] = (),
        round: int = 1,
        context: dict[str, str] | None = None,
        temperature: float | None = None,
    ) -> Proposal: ...

    def region_of(self, source: str, finding: Finding) -> str:
        """A key naming the region of the file a request for ``finding`` shows the model."""
        ...


@dataclass(frozen=True)
class LoopOptions:
    max_iterations: int = 3
    concurrency: int = 4
    verify_cmd: str | None = None
    verify_timeout: float = 600.0
    use_codemods: bool = True
    # Sampling for rounds 2+ (round 1 uses the model's own, 0 by default): a retry that samples as
    # the first call did tends to give the same answer. A repeated answer is re-sampled once hotter.
    retry_temperature: float = 0.7


@dataclass
class _Accepted:
    repairer: str
    round: int
    before: str
    after: str
    verified_by: list[str]


@dataclass
class _FileState:
    path: str
    original: str
    text: str
    fast: list[Finding]  # findings of the fast engines on ``text``
    slow: list[Finding]  # findings of the batch engines on ``text``
    pending: dict[str, Finding]  # key (first fingerprint) -> target, at its latest position
    targets: dict[str, Finding]  # every target as first reported
    accepted: dict[str, _Accepted] = field(default_factory=dict)
    awaiting_slow: dict[str, _Accepted] = field(default_factory=dict)  # slow targets, provisional
    reasons: dict[str, str] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    feedback: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    last_rejection: str = ""  # the latest candidate's rejection, without the ledger's prefix
    answers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # region -> texts tried
    exhausted: set[str] = field(default_factory=set)  # regions whose model repeated a rejected answer


@dataclass(frozen=True)
class _Snapshot:
    """A file's state when a round starts, to go back to when the round is rejected."""

    text: str
    fast: list[Finding]
    pending: dict[str, Finding]


def severity_order(finding: Finding) -> tuple[int, int, int]:
    """The order the loop repairs a file's findings in: most severe and most certain first."""
    return (-finding.severity, -finding.confidence, finding.start_line)


class RepairLoop:
    """Scans with the given engines and repairs with codemods and, when given, an LLM."""

    def __init__(
        self,
        *,
        engines: Sequence[Engine],
        root: Path,
        options: LoopOptions | None = None,
        llm: Proposer | None = None,
        progress: ProgressFn | None = None,
        notes: Sequence[str] = (),
        codemods: CodemodFinder | None = None,
    ) -> None:
        self.engines = list(engines)
        self.root = root
        # Where codemods come from: the registry (default), or a worker process serving them.
        self.codemods = codemods
        self.options = options or LoopOptions()
        self.llm = llm
        self.llm_name = llm.name if llm is not None else ""
        self.progress = progress or (lambda message: None)
        self.notes = list(notes)
        self._fast = [e for e in self.engines if not e.batch_only]
        self._slow = [e for e in self.engines if e.batch_only]
        self._slow_names = {e.name for e in self._slow}
        self._usage = TokenUsage()
        self._usage_lock = threading.Lock()

    # -- scanning ---------------------------------------------------------------------------

    def scan(self, sources: Sequence[SourceFile]) -> ScanResult:
        results = [engine.scan(sources, root=self.root) for engine in self.engines]
        # Not de-duplicated: a Semgrep finding hidden behind Bandit's on the same line must stay
        # in the baseline, or re-scans would see it as new.
        return merge_results(results)

    def _scan_fast(self, path: str, text: str) -> list[Finding] | None:
        """Findings of the fast engines on one candidate text, or None when one could not judge it."""
        results = [e.scan([SourceFile(path, text)], root=self.root) for e in self._fast]
        if any(r.skipped for r in results):
            return None
        return list(merge_results(results).findings)

    # -- repairing --------------------------------------------------------------------------

    def repair(
        self,
        sources: Sequence[SourceFile],
        scan: ScanResult,
        targets: Collection[Finding] | None = None,
    ) -> LoopReport:
        """Repair ``targets`` (default: every finding of ``scan``) in the given sources.

        ``scan`` must be the full, unfiltered scan of these sources: its other findings are the
        baseline that a repair may not add to. Every target ends in exactly one ledger entry.
        """
        started = time.perf_counter()
        self._usage = TokenUsage()
        wanted = list(scan.findings if targets is None else targets)
        texts = {s.path: s.text for s in sources if s.text is not None}
        states: list[_FileState] = []
        unreadable: list[FileOutcome] = []
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in wanted:
            by_path[finding.path].append(finding)
        for path, file_targets in sorted(by_path.items()):
            text = texts.get(path)
            if text is None:
                entries = tuple(
                    LedgerEntry(f, Status.UNFIXED, reason="the file's text is not available to repair")
                    for f in file_targets
                )
                unreadable.append(FileOutcome(path, "", "", entries))
                continue
            every = [f for f in scan.findings if f.path == path]
            states.append(
                _FileState(
                    path=path,
                    original=text,
                    text=text,
                    fast=[f for f in every if f.engine not in self._slow_names],
                    slow=[f for f in every if f.engine in self._slow_names],
                    pending=dict(zip(_unique_keys(file_targets), file_targets)),
                    targets=dict(zip(_unique_keys(file_targets), file_targets)),
                )
            )
        rounds = 0
        with ThreadPoolExecutor(max_workers=self.options.concurrency) as pool:
            for round_no in range(1, self.options.max_iterations + 1):
                active = [s for s in states if s.pending]
                if not active or (round_no > 1 and self.llm is None):
                    break
                rounds = round_no
                self.progress(f"round {round_no}: repairing {len(active)} file(s)")
                snapshots = {s.path: _Snapshot(s.text, list(s.fast), dict(s.pending)) for s in active}
                list(pool.map(lambda state: self._repair_file(state, round_no), active))
                changed = [s for s in active if s.text != snapshots[s.path].text]
                if changed and self._slow:
                    self._judge_slow(changed, snapshots, round_no)
                if self.options.verify_cmd:
                    still_changed = [s for s in changed if s.text != snapshots[s.path].text]
                    for state in still_changed:
                        self._run_user_check(state, snapshots[state.path], round_no)
        files = tuple(self._outcome(state) for state in states) + tuple(unreadable)
        return LoopReport(
            scan=scan,
            files=files,
            rounds=rounds,
            usage=self._usage,
            seconds=time.perf_counter() - started,
            notes=tuple(self.notes),
        )

    def _repair_file(self, state: _FileState, round_no: int) -> None:
        if round_no == 1 and self.options.use_codemods:
            self._try_codemods(state, round_no)
        if self.llm is not None and state.pending:
            self._try_llm(state, round_no)

    def _try_codemods(self, state: _FileState, round_no: int) -> None:
        """Every codemod edit of the file verified together by one re-scan; when that fails,
        and for findings the chain could not locate, one edit and one re-scan at a time."""
        finder = self.codemods or codemods_for
        order = sorted(state.pending, key=lambda k: severity_order(state.pending[k]))
        chain = plan_chain(state.text, [state.pending[k] for k in order], finder)
        if not chain.steps or self._try_chain(state, chain, order, round_no):
            for index, count in chain.tried.items():
                state.attempts[order[index]] += count
            for index, reason in chain.declined.items():
                state.reasons[order[index]] = reason
            order = [order[index] for index in sorted(chain.touched_by)]
        for key in order:
            for codemod in finder(state.pending.get(key, state.targets[key])):
                target = state.pending.get(key)
                if target is None:
                    break  # fixed on the way by an earlier repair
                state.attempts[key] += 1
                try:
                    candidate = codemod.apply(state.text, target)
                except Exception as exc:  # a codemod bug must not lose the finding
                    state.reasons[key] = f"codemod {codemod.info.id} failed: {exc}"
                    continue
                if candidate is None or candidate == state.text:
                    state.reasons[key] = f"codemod {codemod.info.id} does not apply safely here"
                    continue
                residual = codemod.info.residual_rules
                if self._try_candidate(state, candidate, [key], f"codemod:{codemod.info.id}", round_no, residual):
                    break

    def _try_chain(self, state: _FileState, chain: Chain, order: list[str], round_no: int) -> bool:
        """Accept the chain's edits together, only when every one of their findings is gone;
        each finding's repair is its own step's edit (or the edit that touched its lines)."""
        engines = [e.name for e in self._fast]
        records = {
            order[step.index]: _Accepted(
                f"codemod:{step.codemod.info.id}", round_no, step.before, step.after, list(engines)
            )
            for step in chain.steps
        }
        for index, number in chain.touched_by.items():
            records[order[index]] = records[order[chain.steps[number].index]]
        keys = [order[step.index] for step in chain.steps]
        residual = [rule for step in chain.steps for rule in step.codemod.info.residual_rules]
        repairer = records[keys[0]].repairer if len(keys) == 1 else "codemods"
        assert chain.text is not None
        return self._try_candidate(
            state, chain.text, keys, repairer, round_no, residual, records=records, every_target=True
        )

    def _region_of(self, text: str, finding: Finding) -> str:
        """Which request a finding goes in: the region the LLM is shown for it."""
        if self.llm is not None:
            return self.llm.region_of(text, finding)
        return enclosing_scope(text, finding.start_line).split(".")[0]

    def _try_llm(self, state: _FileState, round_no: int) -> None:
        """One request per region the model is shown, with all its pending findings. A region
        whose findings are all import warnings gets none: they go with the code using the import."""
        assert self.llm is not None
        # Imported here: the gate (pyflakes, the capability tables) serves only LLM answers, and
        # the pre-commit hook, offline by default, should not pay for it.
        from vulnloop.repair.gate import GateResult, check_untrusted

        regions: dict[str, list[str]] = defaultdict(list)
        for key, target in state.pending.items():
            if key in state.awaiting_slow:
                continue  # fixed this round, pending only until the batch engines confirm it
            regions[self._region_of(state.text, target)].append(key)
        ordered = sorted(regions, key=lambda r: min(severity_order(state.pending[k]) for k in regions[r]))
        for region in ordered:
            keys = [k for k in regions[region] if k in state.pending and k not in state.awaiting_slow]
            if not keys:
                continue  # fixed on the way
            if region in state.exhausted:
                continue  # the model repeated itself: asking again gets the same answer
            if all(is_import_warning(state.pending[k]) for k in keys):
                for key in keys:
                    state.reasons.setdefault(key, IMPORT_WARNING_REASON)
                continue
            keys.sort(key=lambda k: severity_order(state.pending[k]))
            for key in keys:
                state.attempts[key] += 1
            targets = [state.pending[k] for k in keys]
            temperature = None if round_no == 1 else self.options.retry_temperature
            proposal = self._propose(state, targets, region, round_no, temperature)
            new_text = proposal.new_text
            if new_text is not None and new_text in state.answers[region]:
                hotter = min(1.0, (temperature or 0.0) + 0.3)
                proposal = self._propose(state, targets, region, round_no, hotter)
                new_text = proposal.new_text
            if new_text is None:
                why = proposal.reason or "no answer"
                for key in keys:
                    state.reasons[key] = f"round {round_no}: {self.llm_name}: {why}"
                state.feedback[region].append(f"Round {round_no}: {why}")
                continue
            if new_text in state.answers[region]:
                state.exhausted.add(region)
                for key in keys:
                    state.reasons[key] = f"round {round_no}: {self.llm_name}: the model repeated an answer already rejected"
                continue
            state.answers[region].add(new_text)
            # The answer is untrusted: confined to its units and checked before any re-scan.
            try:
                gated = check_untrusted(state.text, new_text, targets)
            except (RecursionError, MemoryError, ValueError, SyntaxError) as exc:  # fail closed
                gated = GateResult(None, f"the verifier could not judge the answer ({type(exc).__name__})")
            if gated.text is None:
                for key in keys:
                    state.reasons[key] = f"round {round_no}: {self.llm_name}: {gated.reason}"
                state.feedback[region].append(_feedback(round_no, gated.reason, state.path, state.text, new_text))
                continue
            if not self._try_candidate(state, gated.text, keys, self.llm_name, round_no):
                reason = state.last_rejection or "rejected"
                state.feedback[region].append(_feedback(round_no, reason, state.path, state.text, gated.text))

    def _propose(
        self, state: _FileState, targets: list[Finding], region: str, round_no: int, temperature: float | None
    ) -> Proposal:
        assert self.llm is not None
        proposal = self.llm.propose(
            path=state.path,
            source=state.text,
            findings=targets,
            feedback=tuple(state.feedback[region]),
            round=round_no,
            context={"path": state.path, "stage": "repair", "round": str(round_no)},
            temperature=temperature,
        )
        with self._usage_lock:
            self._usage = self._usage + proposal.usage
        return proposal

    def _try_candidate(
        self,
        state: _FileState,
        candidate: str,
        keys: Sequence[str],
        repairer: str,
        round_no: int,
        residual_rules: Sequence[str] = (),
        *,
        records: dict[str, _Accepted] | None = None,
        every_target: bool = False,
    ) -> bool:
        """Judge one candidate for the pending findings ``keys``; accept it into the file or not.

        ``records``: the repair to credit each finding with (default: the whole candidate);
        ``every_target``: reject unless all of ``keys`` are fixed, not just one."""
        targets = [state.pending[k] for k in keys]

        def reject(reason: str) -> bool:
            state.last_rejection = reason
            for key in keys:
                state.reasons[key] = f"round {round_no}: {repairer}: {reason}"
            return False

        problem = shape_problem(path=state.path, before=state.text, candidate=candidate, targets=targets)
        if problem:
            return reject(problem)
        after = self._scan_fast(state.path, candidate)
        if after is None:
            return reject("the re-scan could not judge the repaired code")
        fast_targets = [t for t in targets if t.engine not in self._slow_names]
        _, problem = findings_problem(
            state.text, state.fast, candidate, after, fast_targets, residual_rules=residual_rules
        )
        if problem:
            return reject(problem)
        record = _Accepted(repairer, round_no, state.text, candidate, [e.name for e in self._fast])
        credit = records or {}
        pairs = pair_findings(state.text, state.fast, candidate, after, {t.fingerprint for t in targets})
        # Pending findings are matched by their current fingerprint (in state.fast), never by key:
        # a key is the fingerprint a finding had when first reported.
        moved = {state.fast[b].fingerprint: after[a] for a, b in pairs.items()}
        if every_target:
            left = [t for t in fast_targets if t.fingerprint in moved]
            if left:
                return reject(f"still reported by {left[0].engine}: {left[0].rule_id}: {left[0].message}")
        for key, target in list(state.pending.items()):
            if target.engine in self._slow_names:
                if key in keys:
                    state.awaiting_slow[key] = credit.get(key, record)
                continue
            if target.fingerprint in moved:
                state.pending[key] = moved[target.fingerprint]  # still there, maybe on another line
            else:  # the target, or one fixed on the way
                state.accepted[key] = credit.get(key, record)
                del state.pending[key]
        state.text, state.fast = candidate, after
        return True

    # -- slow engines and the user's check ------------------------------------------------------

    def _judge_slow(self, changed: Sequence[_FileState], snapshots: dict[str, _Snapshot], round_no: int) -> None:
        sources = [SourceFile(s.path, s.text) for s in changed]
        merged = merge_results(engine.scan(sources, root=self.root) for engine in self._slow)
        skipped = {s.path: s.reason for s in merged.skipped}
        judges = "/".join(sorted(self._slow_names))
        for state in changed:
            snapshot = snapshots[state.path]
            if state.path in skipped:
                reason = f"{judges} could not judge the repaired file: {skipped[state.path]}"
                self._revert_round(state, snapshot, round_no, reason)
                continue
            after = [f for f in merged.findings if f.path == state.path]
            slow_targets = [state.pending[fp] for fp in state.awaiting_slow if fp in state.pending]
            _, problem = findings_problem(
                snapshot.text, state.slow, state.text, after, slow_targets, require_fix=False
            )
            if problem:
                self._revert_round(state, snapshot, round_no, problem)
                continue
            this_round = [r for r in {id(r): r for r in state.accepted.values()}.values() if r.round == round_no]
            this_round += [r for r in state.awaiting_slow.values() if r not in this_round]
            for record in this_round:
                record.verified_by.extend(e.name for e in self._slow if e.name not in record.verified_by)
            latest = next((r for r in this_round if r.after == state.text), None)
            pairs = pair_findings(
                snapshot.text, state.slow, state.text, after, {t.fingerprint for t in slow_targets}
            )
            moved = {state.slow[b].fingerprint: after[a] for a, b in pairs.items()}
            for key, target in list(state.pending.items()):
                if target.engine not in self._slow_names:
                    continue
                accepted = state.awaiting_slow.get(key) or latest
                if target.fingerprint not in moved and accepted is not None:  # fixed, maybe on the way
                    state.accepted[key] = accepted
                    del state.pending[key]
                elif target.fingerprint in moved:
                    where = state.pending[key] = moved[target.fingerprint]
                    if key in state.awaiting_slow:
                        reason = f"still reported by {target.engine}: {target.rule_id} at line {where.start_line}: {target.message}"
                        state.reasons[key] = f"round {round_no}: {reason}"
                        state.feedback[self._region_of(state.text, where)].append(f"Round {round_no}: {reason}")
            state.awaiting_slow.clear()
            state.slow = after

    def _revert_round(self, state: _FileState, snapshot: _Snapshot, round_no: int, reason: str) -> None:
        """Undo every repair this round made to the file; its targets go back to pending."""
        undone = [fp for fp, record in state.accepted.items() if record.round == round_no]
        for fp in undone:
            del state.accepted[fp]
        state.awaiting_slow.clear()
        state.text, state.fast = snapshot.text, list(snapshot.fast)
        state.pending = {fp: snapshot.pending[fp] for fp in [*state.pending, *undone]}
        for fp, target in state.pending.items():
            state.reasons[fp] = f"round {round_no}: {reason}"
            state.feedback[self._region_of(state.text, target)].append(f"Round {round_no}: your change was rejected: {reason}")

    def _run_user_check(self, state: _FileState, snapshot: _Snapshot, round_no: int) -> None:
        """Run --verify-cmd on a temporary copy of the tree holding the repaired file."""
        assert self.options.verify_cmd is not None
        with tempfile.TemporaryDirectory(prefix="vulnloop-verify-") as tmp:
            copy = Path(tmp) / "tree"
            shutil.copytree(self.root, copy, ignore=_COPY_IGNORE, symlinks=True)
            target = copy / state.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(state.text, encoding="utf-8")
            try:
                done = subprocess.run(
                    shlex.split(self.options.verify_cmd),
                    cwd=copy,
                    capture_output=True,
                    text=True,
                    timeout=self.options.verify_timeout,
                    check=False,
                )
            except FileNotFoundError as exc:
                reason = f"--verify-cmd could not start: {exc.filename}: not found"
            except subprocess.TimeoutExpired:
                reason = f"--verify-cmd timed out after {self.options.verify_timeout:.0f} s on the repaired code"
            else:
                if done.returncode == 0:
                    return
                tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
                reason = f"--verify-cmd failed (exit {done.returncode}) on the repaired code: {tail}"
        self._revert_round(state, snapshot, round_no, reason)

    # -- results ----------------------------------------------------------------------------

    def _outcome(self, state: _FileState) -> FileOutcome:
        entries: list[LedgerEntry] = []
        shown: dict[int, tuple[str, tuple[str, ...]]] = {}  # per record: its diff and notes, made once
        for fp, target in state.targets.items():
            record = state.accepted.get(fp)
            attempts = state.attempts.get(fp, 0)
            if record is not None:
                if id(record) not in shown:
                    diff = unified_diff(state.path, record.before, record.after)
                    notes = (
                        dependency_notes(self.root, state.path, record.before, record.after)
                        if _adds_import(diff) else ()
                    )
                    shown[id(record)] = (diff, notes)
                diff, notes = shown[id(record)]
                repair = Repair(
                    repairer=record.repairer,
                    round=record.round,
                    before=record.before,
                    after=record.after,
                    diff=diff,
                    verified_by=tuple(record.verified_by),
                    notes=notes,
                )
                entries.append(LedgerEntry(target, Status.FIXED, repair=repair, attempts=attempts))
            else:
                reason = state.reasons.get(fp) or _no_repair_reason(target)
                if is_import_warning(target) and not any(not is_import_warning(f) for f in state.pending.values()):
                    reason = IMPORT_WARNING_LEFT  # not what an attempt on its neighbours said
                if self.llm is None:
                    reason += "; no LLM is configured to try further (set OPENAI_API_KEY)"
                entries.append(LedgerEntry(target, Status.UNFIXED, reason=reason, attempts=attempts))
        entries.sort(key=lambda e: e.finding.sort_key())
        return FileOutcome(state.path, state.original, state.text, tuple(entries))


_FEEDBACK_DIFF_LINES = 40


def _adds_import(diff: str) -> bool:
    """Whether a repair's diff adds an import line (only then can it add a dependency)."""
    return any(
        line.startswith("+") and not line.startswith("+++") and line[1:].lstrip().startswith(("import ", "from "))
        for line in diff.splitlines()
    )


def _feedback(round_no: int, reason: str, path: str, before: str, candidate: str) -> str:
    """What the next round is told: why the answer was rejected, and the change it made (line
    numbers in the reason are the rejected code's, which the diff's hunks locate)."""
    from vulnloop.repair.prompt import fenced

    diff = unified_diff(path, before, candidate, context=2).splitlines()
    if len(diff) > _FEEDBACK_DIFF_LINES:
        diff = diff[:_FEEDBACK_DIFF_LINES] + [f"... {len(diff) - _FEEDBACK_DIFF_LINES} more diff lines"]
    shown = fenced("\n".join(diff), "diff") if diff else ""
    return f"Round {round_no}: {reason}" + (f"\nThe rejected change:\n{shown}" if shown else "")


IMPORT_WARNING_REASON = "an import warning: it goes when the code using the import is repaired"
IMPORT_WARNING_LEFT = (
    "an import warning on its own: no code using the import has a finding left, and Bandit notes every "
    "import of this module; review it, and keep it with `# nosec` and a reason"
)


def is_import_warning(finding: Finding) -> bool:
    """Bandit's import blacklist (B401-B415): resolved with the usage it warns about, never alone."""
    return finding.engine == "bandit" and re.fullmatch(r"B4\d\d", finding.rule_id) is not None


def _unique_keys(findings: Sequence[Finding]) -> list[str]:
    """One key per finding: its fingerprint, made unique should an engine repeat one."""
    seen: dict[str, int] = defaultdict(int)
    keys = []
    for finding in findings:
        seen[finding.fingerprint] += 1
        count = seen[finding.fingerprint]
        keys.append(finding.fingerprint if count == 1 else f"{finding.fingerprint}#{count}")
    return keys


def _no_repair_reason(finding: Finding) -> str:
    cwe = f" (CWE-{finding.cwe})" if finding.cwe else ""
    return f"no safe codemod for {finding.rule_id}{cwe}"
