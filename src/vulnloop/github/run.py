"""One run of the GitHub Action: read the event, scan and repair the changed code, report.

Pull requests get one review with committable suggestions; pushes get annotations only. Every
run also writes annotations, a job summary, outputs and SARIF, and says plainly when it could
not do more (fork pull requests, missing secrets) and how to enable it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from vulnloop.config import Config, load_config
from vulnloop.errors import ConfigError
from vulnloop.findings import Finding, ScanResult, SkippedFile
from vulnloop.report import workflow_commands as workflow
from vulnloop.github.client import DEFAULT_API_URL, Pacing, connect, github_errors
from vulnloop.github.event import PULL_REQUEST_EVENTS, ActionEvent, PullRequestInfo, read_event
from vulnloop.github.inputs import ActionInputs, read_inputs
from vulnloop.github.pr_files import (
    ChangedFile,
    ChangedFiles,
    git_diffs,
    has_commit,
    head_sources,
    is_python,
    pull_request_files,
    push_files,
    select_files,
)
from vulnloop.github.reviews import PostResult, ReviewPoster, read_prior, token_identity
from vulnloop.llm.client import LLM_OFF
from vulnloop.pr_diff import FileDiff
from vulnloop.repair.ledger import LoopReport
from vulnloop.report.annotations import annotation_lines
from vulnloop.report.review import ReviewContext, ReviewPlan, continuation_body, count_items, demoted_text, plan_review
from vulnloop.report.review_comments import Prior
from vulnloop.report.summary import SummaryFacts, failing, job_summary
from vulnloop.sources import DEFAULT_EXCLUDES, SourceFile

if TYPE_CHECKING:
    from github import Github
    from github.Commit import Commit
    from github.PullRequest import PullRequest

    from vulnloop.repair.loop import RepairLoop

Emit = Callable[[str], None]

ENABLE_FORK_REVIEWS = (
    "To get review suggestions on fork pull requests, run vulnloop on `pull_request_target` "
    "(it never runs the pull request's code; see the README)."
)


@dataclass
class RunState:
    """What the run learned, gathered for the summary and the outputs."""

    headline: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    review_urls: list[str] = field(default_factory=list)
    left_out: tuple[str, ...] = ()


@dataclass
class _Run:
    """One Action run: what it was given, the loop it built, and what it has learned so far."""

    inputs: ActionInputs
    event: ActionEvent
    environ: Mapping[str, str]
    workspace: Path
    emit: Emit
    log: Callable[[str], None]
    state: RunState
    config: Config
    loop: RepairLoop
    pacing: Pacing | None


def _log(emit: Emit) -> Callable[[str], None]:
    return lambda message: emit(workflow.log_line(message))


def run_action(
    environ: Mapping[str, str],
    *,
    emit: Emit = print,
    pacing: Pacing | None = None,
) -> int:
    """The whole run; returns the exit code (1 when unfixed findings at or above fail_on remain)."""
    started = time.perf_counter()
    log = _log(emit)
    try:
        inputs = read_inputs(environ)
        event = read_event(environ)
    except ConfigError as exc:
        _configuration_error(environ, emit, str(exc))
        raise
    workspace = Path(environ.get("GITHUB_WORKSPACE") or ".").resolve()
    if event.name not in (*PULL_REQUEST_EVENTS, "push"):
        emit(workflow.command(
            "notice",
            f"vulnloop does nothing on '{event.name}' events: it reviews pull_request and pull_request_target, "
            "scans push, and runs its benchmark on workflow_dispatch.",
            title="vulnloop",
        ))
        return 0
    if inputs.openai_api_key:
        emit(workflow.add_mask(inputs.openai_api_key))
    state = RunState()
    try:
        config, loop = _prepare(inputs, event, workspace, environ, state, log)
    except ConfigError as exc:
        _configuration_error(environ, emit, str(exc))
        raise
    for note in loop.notes:
        log(note)
        if note.startswith("no LLM configured"):
            state.headline.append(_llm_headline(event))
        elif not note.startswith("engines:"):
            state.notes.append(note)
    run = _Run(inputs, event, environ, workspace, emit, log, state, config, loop, pacing)
    if event.pull_request is not None:
        report, skipped = _review_pull_request(run, event.pull_request)
        hint = "commit the suggestion in the review, or run `vulnloop fix --write` locally."
    else:
        report, skipped = _scan_push(run)
        hint = "run `vulnloop fix --write` locally to apply it."
    return _finish(run, report, skipped, hint, time.perf_counter() - started)


def _llm_headline(event: ActionEvent) -> str:
    if event.pull_request is not None and event.pull_request.from_fork and event.name == "pull_request":
        return (
            "Codemods only: workflows on fork pull requests get no secrets, so no LLM key. "
            + ENABLE_FORK_REVIEWS
        )
    return "Codemods only: no LLM key configured. Set the `openai_api_key` input from a secret to repair what codemods cannot."


def _configuration_error(environ: Mapping[str, str], emit: Emit, message: str) -> None:
    emit(workflow.command("error", message, title="vulnloop configuration"))
    _append_runner_file(environ, "GITHUB_STEP_SUMMARY", f"## vulnloop\n\n**❌ Configuration error:** {message}\n", emit)


def _append_runner_file(environ: Mapping[str, str], variable: str, text: str, emit: Emit) -> None:
    """Append to the runner's file named by ``variable``; a file that cannot be written is a
    warning in the log, and the run's verdict stands."""
    path = environ.get(variable)
    if not path:
        return
    try:
        workflow.append_file(Path(path), text)
    except OSError as exc:
        emit(workflow.command("warning", f"cannot write {variable} ({path}): {exc.strerror or exc}", title="vulnloop"))


def _prepare(
    inputs: ActionInputs,
    event: ActionEvent,
    workspace: Path,
    environ: Mapping[str, str],
    state: RunState,
    log: Callable[[str], None],
) -> tuple[Config, RepairLoop]:
    from vulnloop.pipeline import build_loop

    config = load_config(workspace).with_overrides(inputs.config_overrides())
    pr = event.pull_request
    if config.verify_cmd and event.name == "pull_request_target" and pr is not None and pr.from_fork:
        # It would run the fork's code with a token that can write to this repository.
        state.headline.append(
            "verify_cmd was ignored: on pull_request_target for a fork it would run untrusted code with a "
            "write token."
        )
        config = replace(config, verify_cmd=None)
    key = inputs.openai_api_key or environ.get("OPENAI_API_KEY", "")
    config = replace(config, api_key_env="OPENAI_API_KEY")
    env = {"OPENAI_API_KEY": key} if key else {}
    loop = build_loop(config, workspace, progress=log, env=env, public_repository=event.public_repository)
    return config, loop


def _in_scope(finding: Finding, diffs: Mapping[str, FileDiff | None], only_changed: bool) -> bool:
    if not only_changed:
        return True
    diff = diffs.get(finding.path)
    if diff is None:  # hunks unknown: keep it rather than hide it
        return True
    return diff.touches(finding.start_line, max(finding.end_line, finding.start_line))


def _scan_and_repair(
    loop: RepairLoop,
    sources: Sequence[SourceFile],
    config: Config,
    diffs: Mapping[str, FileDiff | None],
    only_changed: bool,
    log: Callable[[str], None],
    state: RunState,
) -> tuple[LoopReport, ScanResult]:
    from vulnloop.pipeline import select_targets

    scan = loop.scan(sources)
    targets = [f for f in select_targets(scan, config) if _in_scope(f, diffs, only_changed)]
    log(f"{len(targets)} finding(s) to repair of {len(scan.findings)} in {len(sources)} changed file(s)")
    report = loop.repair(sources, scan, targets)
    # Said once, up front in the summary and the review: the LLM stopped mid-run and why.
    state.headline.extend(n for n in report.notes if n.startswith(LLM_OFF))
    return report, scan


def _review_pull_request(run: _Run, pr: PullRequestInfo) -> tuple[LoopReport, tuple[SkippedFile, ...]]:
    inputs, event, state = run.inputs, run.event, run.state
    api_url = run.environ.get("GITHUB_API_URL") or DEFAULT_API_URL
    gh = connect(api_url, inputs.github_token, _pacing(run)) if inputs.github_token else None
    repo = gh.get_repo(event.repository) if gh is not None else None
    pull = repo.get_pull(pr.number) if repo is not None else None
    changed = _changed_files(run, pr, pull)
    state.notes.extend(changed.notes)
    state.left_out = changed.left_out

    def fetch(path: str) -> bytes | None:
        if repo is None:
            return None
        try:
            content = repo.get_contents(path, ref=pr.head_sha)
        except github_errors():
            return None
        return None if isinstance(content, list) else content.decoded_content  # a list: a folder

    sources, notes = head_sources(changed.files, workspace=run.workspace, head_sha=pr.head_sha, fetch=fetch)
    state.notes.extend(notes)
    diffs: dict[str, FileDiff | None] = {f.path: f.diff for f in changed.files}
    report, scan = _scan_and_repair(run.loop, sources, run.config, diffs, inputs.only_changed_lines, run.log, state)
    read_only = _read_only_reason(event, pr, inputs)
    if read_only:
        state.headline.append(read_only)
    else:
        assert gh is not None and pull is not None and repo is not None
        context = ReviewContext(
            engines=tuple(scan.engines),
            rounds=report.rounds,
            tokens=report.usage.total,
            llm_calls=report.usage.calls,
            seconds=report.seconds,
            notes=tuple(state.notes),
            headline=tuple(n for n in state.headline if n.startswith(LLM_OFF)),
            left_out=changed.left_out,
            max_suggestions=inputs.max_suggestions,
        )
        _post_review(run, gh, pull, repo.get_commit(pr.head_sha), lambda prior: plan_review(report, diffs, prior=prior, context=context))
    return report, scan.skipped


def _post_review(run: _Run, gh: Github, pull: PullRequest, commit: Commit, plan_for: Callable[[Prior], ReviewPlan]) -> None:
    """Post the review planned against what earlier runs already said; GitHub's refusals become notes."""
    try:
        plan = plan_for(read_prior(pull, identity=token_identity(gh)))
        if not plan.has_news:
            existing = count_items(plan.items).existing
            run.log(f"nothing new since the last review ({existing} finding(s) already commented): no review posted")
            return
        poster = ReviewPoster(pull, commit, log=run.log)
        result = poster.post(plan.body, plan.comments, continuation=continuation_body, demoted_text=demoted_text)
    except github_errors() as exc:  # the review is extra: annotations, summary and SARIF still follow
        run.state.headline.append(
            f"No review posted: {_short(exc)}. The findings are in the annotations, this summary and the SARIF file."
        )
        return
    _note_post(result, run.state, run.log)


def _pacing(run: _Run) -> Pacing:
    if run.pacing is not None:
        return run.pacing
    try:
        return Pacing.parse(run.environ.get("VULNLOOP_GITHUB_PACING"))
    except ConfigError as exc:  # a tuning knob: warn and keep GitHub's recommended pacing
        run.state.notes.append(f"{exc}; used the default pacing")
        run.log(f"warning: {exc}; used the default pacing")
        return Pacing()


def _changed_files(run: _Run, pr: PullRequestInfo, pull: PullRequest | None) -> ChangedFiles:
    """The pull request's files as GitHub lists them, or from git when GitHub cannot tell."""
    excludes = (*DEFAULT_EXCLUDES, *run.config.exclude)
    if pull is not None:
        try:
            return pull_request_files(
                pull, workspace=run.workspace, base_sha=pr.base_sha, head_sha=pr.head_sha,
                expected_count=pr.changed_files, excludes=excludes, max_files=run.inputs.max_files,
            )
        except github_errors() as exc:  # GitHub unreachable or the token cannot read: try git
            run.state.notes.append(f"could not list the pull request's files through GitHub ({_short(exc)}): used git diff")
    return _git_changed(run.workspace, pr, excludes, run.inputs.max_files, run.state)


def _note_post(result: PostResult, state: RunState, log: Callable[[str], None]) -> None:
    state.review_urls.extend(result.review_urls)
    if result.denied:
        state.headline.append(
            f"No review posted: the token may not write pull request reviews ({result.denied}). Give the job "
            "`permissions: pull-requests: write`; findings are in the annotations, this summary and the SARIF file."
        )
    elif result.error:
        state.headline.append(f"The review is incomplete: {result.error}")
    if result.demoted:
        state.notes.append(f"{len(result.demoted)} comment(s) GitHub refused at their lines were moved to the review body")
    log(f"posted {len(result.review_urls)} review(s) with {len(result.posted)} comment(s)")


def _short(exc: Exception) -> str:
    from github import GithubException

    if isinstance(exc, GithubException):
        message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
        text = f"HTTP {exc.status}: {message}"
    else:
        text = str(exc)
    return " ".join(str(text).split())[:300]


def _read_only_reason(event: ActionEvent, pr: PullRequestInfo, inputs: ActionInputs) -> str | None:
    where = "Findings are in the annotations, this summary and the SARIF file."
    if not inputs.github_token:
        return f"No review posted: no github_token was given. {where}"
    if event.name == "pull_request" and pr.from_fork:
        return (
            "No review posted: this pull request comes from a fork, so GitHub gives the workflow a read-only "
            f"token. {where} {ENABLE_FORK_REVIEWS}"
        )
    if event.name == "pull_request" and event.actor == "dependabot[bot]":
        return (
            "No review posted: workflows started by Dependabot get a read-only token. "
            f"{where}"
        )
    return None


def _git_changed(workspace: Path, pr: PullRequestInfo, excludes: Sequence[str], max_files: int, state: RunState) -> ChangedFiles:
    diffs = git_diffs(workspace, pr.base_sha, pr.head_sha)
    if diffs is None:
        raise ConfigError(
            f"cannot tell which files the pull request changed: GitHub's API is unavailable and git cannot "
            f"diff {pr.base_sha[:7]}...{pr.head_sha[:7]} here (use actions/checkout with `fetch-depth: 0`)"
        )
    files = [ChangedFile(p, d.status, d, None, d.previous_path) for p, d in diffs.items() if is_python(p)]
    return select_files(files, excludes, max_files, [])


def _scan_push(run: _Run) -> tuple[LoopReport, tuple[SkippedFile, ...]]:
    inputs, event, config, loop, workspace, state, log = (
        run.inputs, run.event, run.config, run.loop, run.workspace, run.state, run.log
    )
    assert event.push is not None
    push = event.push
    changed = push_files(
        workspace,
        before=push.before,
        after=push.after,
        payload_paths=push.paths,
        excludes=(*DEFAULT_EXCLUDES, *config.exclude),
        max_files=inputs.max_files,
    )
    state.notes.extend(changed.notes)
    state.left_out = changed.left_out
    head = push.after if has_commit(workspace, push.after) else None
    sources, notes = head_sources(changed.files, workspace=workspace, head_sha=head)
    state.notes.extend(notes)
    diffs: dict[str, FileDiff | None] = {f.path: f.diff for f in changed.files}
    report, scan = _scan_and_repair(loop, sources, config, diffs, inputs.only_changed_lines, log, state)
    return report, scan.skipped


def _write_sarif(report: LoopReport, loop: RepairLoop, path: Path, state: RunState) -> bool:
    from vulnloop.report.sarif import engine_versions, sarif_log, write_sarif

    try:
        write_sarif(path, sarif_log(_reported_scan(report), entries=report.entries, tool_versions=engine_versions(loop.engines)))
    except OSError as exc:
        state.headline.append(f"Could not write the SARIF file {path}: {exc.strerror or exc}")
        return False
    return True


def _reported_scan(report: LoopReport) -> ScanResult:
    """The scan limited to the findings this run reports (changed lines, at or above severity)."""
    return replace(report.scan, findings=tuple(e.finding for e in report.entries))


def _finish(run: _Run, report: LoopReport, skipped: Sequence[SkippedFile], fixed_hint: str, seconds: float) -> int:
    inputs, event, state, workspace, environ, emit, loop = (
        run.inputs, run.event, run.state, run.workspace, run.environ, run.emit, run.loop
    )
    entries = report.entries
    lines, left_over = annotation_lines(entries, fail_on=inputs.fail_on, fixed_hint=fixed_hint)
    for line in lines:
        emit(line)
    if left_over:
        state.notes.append(f"{left_over} more finding(s) than GitHub shows as annotations: see the table and the SARIF file")
    for headline in state.headline:
        emit(workflow.command("warning", headline, title="vulnloop"))
    sarif_path = workspace / inputs.sarif_file
    wrote_sarif = _write_sarif(report, loop, sarif_path, state)
    facts = SummaryFacts(
        event=event.name,
        engines=tuple(report.scan.engines),
        seconds=seconds,
        review_urls=tuple(state.review_urls),
        headline_notes=tuple(state.headline),
        notes=tuple(state.notes),
        left_out=state.left_out,
        fail_on=inputs.fail_on,
        sarif_file=inputs.sarif_file if wrote_sarif else "",
    )
    _append_runner_file(environ, "GITHUB_STEP_SUMMARY", job_summary(report, facts, tuple(skipped)), emit)
    fixed, unfixed = len(report.fixed()), len(report.unfixed())
    _append_runner_file(
        environ,
        "GITHUB_OUTPUT",
        workflow.format_outputs({
            "findings": str(len(entries)),
            "fixed": str(fixed),
            "unfixed": str(unfixed),
            "sarif_file": inputs.sarif_file if wrote_sarif else "",
        }),
        emit,
    )
    blocking = failing(entries, inputs.fail_on)
    emit(workflow.log_line(
        f"{len(entries)} finding(s): {fixed} fixed, {unfixed} unfixed"
        + (f"; {len(blocking)} unfixed at or above {inputs.fail_on}: failing" if blocking else "")
    ))
    return 1 if blocking else 0
