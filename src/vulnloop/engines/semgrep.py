"""Semgrep Community Edition with vulnloop's own rules: the data-flow checks Bandit lacks.

Semgrep runs as a subprocess, once per scan, over copies of the files' text written to a
temporary folder under their relative paths (engines never read the user's files). Only
the rules shipped in ``vulnloop/data/semgrep_rules/`` run: nothing is fetched, metrics
and the version check are off (otherwise every offline run stalls for about 97 s), and the
user's Semgrep settings, tokens and ignore files play no part.

Files Semgrep could not judge (timeouts, parse errors, too large, a failed run) come back
as skipped with the reason, never as clean.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from vulnloop.secret_env import child_environment
from vulnloop.findings import Finding, Level, ScanResult, SkippedFile
from vulnloop.fingerprints import assign_fingerprints
from vulnloop.sources import SourceFile

ENGINE = "semgrep"
INSTALL_HINT = "pip install 'vulnloop[semgrep]' (or: pipx install semgrep)"
# All rules of data/semgrep_rules/rules/*.yaml in one JSON file: Semgrep loads it far faster.
RULES_RESOURCE = "data/semgrep_rules/vulnloop-rules.json"

_SEVERITY = {
    "ERROR": Level.HIGH,
    "CRITICAL": Level.HIGH,
    "HIGH": Level.HIGH,
    "WARNING": Level.MEDIUM,
    "MEDIUM": Level.MEDIUM,
    "INFO": Level.LOW,
    "LOW": Level.LOW,
    "INVENTORY": Level.LOW,
    "EXPERIMENT": Level.LOW,
}
_CWE = re.compile(r"CWE-0*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class _Target:
    """A scanned file: its path in the temporary folder and in the user's tree."""

    temp_path: str
    source: SourceFile


def find_semgrep() -> str | None:
    """The ``semgrep`` launcher: next to this interpreter first, then on PATH."""
    name = "semgrep.exe" if os.name == "nt" else "semgrep"
    beside = Path(sysconfig.get_path("scripts")) / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("semgrep")


def parse_cwes(values: object) -> tuple[int, ...]:
    """CWE ids from a rule's ``metadata.cwe`` (a string or a list of 'CWE-79: ...' strings)."""
    items = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    found: list[int] = []
    for item in items:
        for match in _CWE.finditer(str(item)):
            number = int(match.group(1))
            if number not in found:
                found.append(number)
    return tuple(found)


def _level(text: object, default: Level) -> Level:
    return _SEVERITY.get(str(text).strip().upper(), default)


def _temp_name(path: str, index: int) -> str:
    """A safe relative path inside the temporary folder that keeps the user's path when it can.

    Semgrep picks Python rules by extension, so the name always ends in ``.py``; paths that
    are absolute or climb out of the root go under ``_outside/<n>/``.
    """
    posix = PurePosixPath(path.replace("\\", "/"))
    parts = [p for p in posix.parts if p not in ("", ".")]
    if posix.is_absolute() or not parts or ".." in parts or ":" in parts[0]:
        parts = ["_outside", str(index), posix.name or "file"]
    name = "/".join(parts)
    return name if name.endswith((".py", ".pyi")) else name + ".py"


def _syntax_problem(text: str, path: str) -> str | None:
    """Why the text is not Python 3 (parsed only, never run), or None."""
    try:
        ast.parse(text, filename=path)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        return f"syntax error{where}: the file does not parse as Python"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"cannot parse: {exc.__class__.__name__}"
    return None


def _child_environment(temp: Path) -> dict[str, str]:
    env = {key: value for key, value in child_environment().items() if not key.startswith("SEMGREP_")}
    env.update(
        SEMGREP_ENABLE_VERSION_CHECK="0",
        SEMGREP_SEND_METRICS="off",
        SEMGREP_SETTINGS_FILE=str(temp / "settings.yml"),
        SEMGREP_LOG_FILE=str(temp / "semgrep.log"),
        SEMGREP_VERSION_CACHE_PATH=str(temp / "version-cache"),
        NO_COLOR="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


class SemgrepEngine:
    """The ``semgrep`` engine.

    ``rules`` (a rule file or folder) defaults to the bundled rules; ``timeout`` bounds the whole run (seconds),
    ``per_rule_timeout`` one rule on one file. ``jobs`` is Semgrep's process count: keep it
    low in hooks and CI. With ``honour_nosemgrep`` off, ``# nosemgrep`` comments are ignored
    (useful when verifying repairs that must not silence a finding).
    """

    name = ENGINE
    # A Semgrep run costs seconds of start-up: the repair loop re-scans with it once per round,
    # for all changed files together, not once per candidate.
    batch_only = True

    def __init__(
        self,
        *,
        executable: str | None = None,
        rules: Path | None = None,
        timeout: float = 900.0,
        per_rule_timeout: int = 10,
        jobs: int = 1,
        max_target_bytes: int = 2_000_000,
        honour_nosemgrep: bool = True,
    ) -> None:
        self.executable = executable
        self.rules = rules
        self.timeout = timeout
        self.per_rule_timeout = per_rule_timeout
        self.jobs = max(1, jobs)
        self.max_target_bytes = max_target_bytes
        self.honour_nosemgrep = honour_nosemgrep
        self._version: str | None = None

    # -- availability -------------------------------------------------------------------
    def _executable(self) -> str | None:
        return self.executable or find_semgrep()

    def unavailable_reason(self) -> str | None:
        if sys.platform == "win32":
            return "Semgrep CE does not run natively on Windows: use WSL or the container action"
        if self._executable() is None:
            return f"Semgrep is not installed: {INSTALL_HINT}"
        return None

    @property
    def version(self) -> str:
        """Semgrep's version string ('' when it cannot be asked)."""
        if self._version is None:
            executable = self._executable()
            self._version = ""
            if executable:
                with tempfile.TemporaryDirectory(prefix="vulnloop-semgrep-") as temp:
                    try:
                        done = subprocess.run(
                            [executable, "--version", "--disable-version-check"],
                            check=False, capture_output=True, text=True, timeout=60,
                            env=_child_environment(Path(temp)), stdin=subprocess.DEVNULL,
                        )
                    except (OSError, subprocess.SubprocessError):
                        done = None
                    if done is not None and done.returncode == 0:
                        self._version = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        return self._version

    # -- scanning -----------------------------------------------------------------------
    def scan(self, sources: Sequence[SourceFile], *, root: Path | None = None) -> ScanResult:
        skipped: list[SkippedFile] = []
        targets: list[_Target] = []
        used: set[str] = set()
        for index, source in enumerate(sources):
            if source.text is None:
                skipped.append(SkippedFile(source.path, source.skip_reason or "unreadable"))
                continue
            problem = _syntax_problem(source.text, source.path)
            if problem is not None:
                skipped.append(SkippedFile(source.path, problem))
                continue
            temp_path = _temp_name(source.path, index)
            if temp_path in used:  # two spellings of one path: keep them apart
                temp_path = _temp_name(f"/{source.path}", index)
            used.add(temp_path)
            targets.append(_Target(temp_path, source))
        findings: list[Finding] = []
        notes: list[str] = []
        if targets:
            found, more_skipped, notes = self._run(targets)
            findings.extend(found)
            skipped.extend(more_skipped)
        return ScanResult(
            findings=tuple(sorted(findings, key=Finding.sort_key)),
            skipped=tuple(sorted(skipped, key=lambda s: s.path)),
            engines=(ENGINE,),
            notes=tuple(notes),
        )

    def _command(self, rules: Path) -> list[str]:
        executable = self._executable()
        assert executable is not None  # checked by the caller
        command = [
            executable, "scan",
            "--config", str(rules),
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--no-git-ignore",
            "--no-rewrite-rule-ids",
            "--quiet",
            "--jobs", str(self.jobs),
            "--timeout", str(max(1, round(self.per_rule_timeout))),
            "--timeout-threshold", "3",
            "--max-target-bytes", str(self.max_target_bytes),
        ]
        if not self.honour_nosemgrep:
            command.append("--disable-nosem")
        command.append(".")
        return command

    def _run(self, targets: Sequence[_Target]) -> tuple[list[Finding], list[SkippedFile], list[str]]:
        def all_skipped(reason: str) -> tuple[list[Finding], list[SkippedFile], list[str]]:
            return [], [SkippedFile(t.source.path, reason) for t in targets], []

        if self._executable() is None:
            return all_skipped(f"semgrep is not installed: {INSTALL_HINT}")
        with ExitStack() as stack:
            temp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vulnloop-semgrep-")))
            rules = self.rules or stack.enter_context(
                resources.as_file(resources.files("vulnloop").joinpath(RULES_RESOURCE))
            )
            tree = temp / "src"
            tree.mkdir()
            # An ignore file of our own replaces Semgrep's default ignores (tests/, build/, ...).
            (tree / ".semgrepignore").write_text("# vulnloop: scan every file given\n", "utf-8")
            for target in targets:
                destination = tree / target.temp_path
                destination.parent.mkdir(parents=True, exist_ok=True)
                assert target.source.text is not None
                destination.write_text(target.source.text, "utf-8")
            try:
                returncode, stdout, stderr = _run_bounded(
                    self._command(Path(rules)), cwd=tree, env=_child_environment(temp),
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired:
                return all_skipped(f"semgrep did not finish within {self.timeout:g} s")
            except OSError as exc:
                return all_skipped(f"semgrep could not be started: {exc}")
        try:
            output = json.loads(stdout)
            if not isinstance(output, dict):
                raise TypeError("not a JSON object")
        except (ValueError, TypeError):
            detail = _last_line(stderr) or f"exit code {returncode}"
            return all_skipped(f"semgrep failed: {detail}")
        return _interpret(output, targets, returncode)


def _run_bounded(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float
) -> tuple[int, str, str]:
    """Run in a new process group so that a timeout also ends Semgrep's worker processes."""
    process = subprocess.Popen(
        list(command), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=os.name != "nt",
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name != "nt":
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            process.kill()
        process.communicate()
        raise
    return process.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def _normal_path(path: str) -> str:
    return str(PurePosixPath(path.replace("\\", "/"))).removeprefix("./")


def _interpret(
    output: Mapping[str, Any], targets: Sequence[_Target], returncode: int
) -> tuple[list[Finding], list[SkippedFile], list[str]]:
    by_temp = {t.temp_path: t for t in targets}
    skipped: dict[str, SkippedFile] = {}
    notes: list[str] = []
    for error in output.get("errors") or []:
        if not isinstance(error, dict):
            continue
        kind = str(error.get("type") or "error")
        if isinstance(error.get("type"), list):
            kind = str(error["type"][0])
        message = " ".join(str(error.get("message") or "").split())[:300]
        path = error.get("path")
        target = by_temp.get(_normal_path(str(path))) if path else None
        if target is not None:
            reason = f"semgrep {kind}: {message}" if message else f"semgrep {kind}"
            skipped.setdefault(target.source.path, SkippedFile(target.source.path, reason))
        elif str(error.get("level", "error")).lower() == "error":
            # A failure not tied to one file (e.g. an invalid rule) leaves every file unjudged.
            reason = f"semgrep {kind}: {message}" if message else f"semgrep failed ({kind})"
            return [], [SkippedFile(t.source.path, reason) for t in targets], []
        else:
            notes.append(f"semgrep: {kind}: {message}")
    scanned = {_normal_path(p) for p in (output.get("paths") or {}).get("scanned") or []}
    if returncode not in (0, 1) and not scanned:
        return [], [SkippedFile(t.source.path, f"semgrep failed (exit code {returncode})") for t in targets], notes
    for target in targets:
        if target.temp_path not in scanned and target.source.path not in skipped:
            skipped[target.source.path] = SkippedFile(
                target.source.path, "semgrep did not scan it (too large, or excluded by semgrep)"
            )
    per_file: dict[str, list[Finding]] = {}
    seen: set[tuple[str, str, int, int]] = set()
    for result in output.get("results") or []:
        finding = _to_finding(result, by_temp)
        if finding is None:
            continue
        key = (finding.path, finding.rule_id, finding.start_line, finding.start_col)
        if key in seen:
            continue
        seen.add(key)
        per_file.setdefault(finding.path, []).append(finding)
    texts = {t.source.path: t.source.text or "" for t in targets}
    findings: list[Finding] = []
    for path, file_findings in per_file.items():
        findings.extend(assign_fingerprints(_without_repeated_twins(file_findings), texts[path]))
    return findings, list(skipped.values()), notes


LIBRARY_INPUT_SUFFIX = "-from-parameter"


def _without_repeated_twins(findings: Sequence[Finding]) -> list[Finding]:
    """Findings less the library-input ones that repeat their request rule on the same line.

    A weakness reached from request data is also reached from the view's parameters; the
    request rule (higher confidence) already says it.
    """
    lines = {(f.rule_id, f.start_line) for f in findings}
    return [
        f for f in findings
        if not (f.rule_id.endswith(LIBRARY_INPUT_SUFFIX)
                and (f.rule_id.removesuffix(LIBRARY_INPUT_SUFFIX), f.start_line) in lines)
    ]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _to_finding(result: object, by_temp: Mapping[str, _Target]) -> Finding | None:
    if not isinstance(result, dict):
        return None
    target = by_temp.get(_normal_path(str(result.get("path", ""))))
    if target is None:
        return None
    extra = _mapping(result.get("extra"))
    metadata = _mapping(extra.get("metadata"))
    start = _mapping(result.get("start"))
    end = _mapping(result.get("end"))
    rule_id = str(result.get("check_id", ""))
    cwes = parse_cwes(metadata.get("cwe"))
    references = metadata.get("references")
    help_url = str(references[0]) if isinstance(references, list) and references else ""
    start_line = int(start.get("line", 1))
    return Finding(
        engine=ENGINE,
        rule_id=rule_id,
        cwes=cwes,
        severity=_level(extra.get("severity"), Level.MEDIUM),
        confidence=_level(metadata.get("confidence"), Level.MEDIUM),
        path=target.source.path,
        start_line=start_line,
        end_line=max(int(end.get("line", start_line)), start_line),
        start_col=max(int(start.get("col", 1)), 1),
        end_col=max(int(end.get("col", 1)), 1),
        message=" ".join(str(extra.get("message", "")).split()),
        rule_name=rule_id.rsplit(".", 1)[-1],
        help_url=help_url,
    )
