"""CodeQL, through its command-line interface: files in, findings out.

The files to scan (a pull request's changed files, or a round of repair candidates) are
written, with their relative paths, into a fresh temporary source root, and one database is
built for all of them: never the whole repository. ``codeql database analyze`` writes SARIF,
which ``sarif_parse`` reads. A CLI that fails or times out never makes files look clean: they
come back skipped, with the reason, and a note carries the CLI's own words.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vulnloop.secret_env import child_environment
from vulnloop.engines.sarif_parse import findings_from_sarif, tool_notifications
from vulnloop.findings import Finding, ScanResult, SkippedFile
from vulnloop.sources import SourceFile

ENGINE = "codeql"
DEFAULT_SUITE = "codeql/python-queries:codeql-suites/python-security-extended.qls"
# CLIs before 2.16 install a project's Python dependencies while extracting, which can run
# its setup.py: code under review must never run.
MINIMUM_VERSION = (2, 16, 0)
INSTALL_HINT = (
    "install the CodeQL bundle from https://github.com/github/codeql-action/releases and put "
    "its `codeql` on PATH or set CODEQL_DIST to its folder; its licence covers open-source "
    "repositories on GitHub.com and academic research only"
)
EXTRACTION_WARNINGS = "py/diagnostics/extraction-warnings"
EXTRACTED_FILES = "py/diagnostics/successfully-extracted-files"


class CodeQLFailure(Exception):
    """The CLI could not produce results: ``reason`` is one line, ``detail`` its output."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class _Staged:
    """Sources written into the temporary source root, and those refused on the way."""

    texts: dict[str, str]
    skipped: list[SkippedFile]


def parse_version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else None


def safe_relative_path(path: str) -> PurePosixPath | None:
    """The path as a relative POSIX path that stays inside a folder, or None."""
    if not path or "\x00" in path or "\\" in path:
        return None
    posix = PurePosixPath(path)
    if posix.is_absolute() or any(part in ("..", "") for part in posix.parts):
        return None
    if re.match(r"^[A-Za-z]:", path):
        return None
    return posix


def _tail(text: str, lines: int = 20, limit: int = 4000) -> str:
    kept = "\n".join(line for line in text.strip().splitlines()[-lines:])
    return kept[-limit:]


def _first_error_line(text: str) -> str:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("A fatal error", "ERROR", "Error", "error:", "FATAL")):
            return stripped[:300]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _stop(process: subprocess.Popen[str]) -> None:
    """Kill the CLI and everything it started (its process group), then reap it."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.communicate()


class CodeQLEngine:
    name = ENGINE
    # The repair loop re-scans slow engines once per round over all candidates, not per file.
    batch_only = True

    def __init__(
        self,
        threads: int = 0,
        ram: int | None = None,
        codeql_path: str | None = None,
        *,
        suite: str = DEFAULT_SUITE,
        create_timeout: float = 900.0,
        analyze_timeout: float = 1800.0,
    ) -> None:
        self.threads = threads
        self.ram = ram
        self.codeql_path = codeql_path
        self.suite = suite
        self.create_timeout = create_timeout
        self.analyze_timeout = analyze_timeout
        self._version: str | None = None
        self._version_lock = threading.Lock()

    # -- finding the CLI ----------------------------------------------------------------------

    def executable(self) -> str | None:
        """The CLI to run: the given path, else ``codeql`` on PATH, else ``$CODEQL_DIST/codeql``."""
        if self.codeql_path:
            return shutil.which(self.codeql_path) or None
        found = shutil.which("codeql")
        if found:
            return found
        dist = os.environ.get("CODEQL_DIST", "").strip()
        if dist:
            return shutil.which(str(Path(dist) / "codeql"))
        return None

    @property
    def version(self) -> str:
        """The CLI's version ('' when it cannot tell), asked once."""
        with self._version_lock:
            if self._version is None:
                self._version = self._ask_version()
            return self._version

    def _ask_version(self) -> str:
        exe = self.executable()
        if exe is None:
            return ""
        try:
            done = subprocess.run(
                [exe, "version", "--format=terse"],
                capture_output=True, text=True, timeout=120, check=False, env=child_environment(),
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip().splitlines()[0].strip() if done.returncode == 0 and done.stdout.strip() else ""

    def unavailable_reason(self) -> str | None:
        exe = self.executable()
        if exe is None:
            where = f"{self.codeql_path!r} is not an executable" if self.codeql_path else "the CodeQL CLI is not installed"
            return f"CodeQL: {where}: {INSTALL_HINT}"
        version = parse_version(self.version)
        if version is None:
            return f"CodeQL: {exe} does not answer `codeql version`: {INSTALL_HINT}"
        if version < MINIMUM_VERSION:
            wanted = ".".join(map(str, MINIMUM_VERSION))
            return (
                f"CodeQL: the CLI at {exe} is {self.version}, older than {wanted} (older CLIs may "
                f"install and run the project's dependencies): {INSTALL_HINT}"
            )
        return None

    # -- scanning -----------------------------------------------------------------------------

    def scan(self, sources: Sequence[SourceFile], *, root: Path | None = None) -> ScanResult:
        skipped: list[SkippedFile] = [
            SkippedFile(s.path, s.skip_reason or "unreadable") for s in sources if s.text is None
        ]
        readable = [s for s in sources if s.text is not None]
        if not readable:
            return ScanResult((), tuple(skipped), (ENGINE,))
        exe = self.executable()
        reason = self.unavailable_reason()
        if exe is None or reason is not None:  # missing, or too old to run safely
            reason = reason or "CodeQL is not available"
            skipped.extend(SkippedFile(s.path, reason) for s in readable)
            return ScanResult((), tuple(skipped), (ENGINE,), (reason,))
        with tempfile.TemporaryDirectory(prefix="vulnloop-codeql-") as scratch:
            work = Path(scratch)
            staged = self._stage(readable, work / "src")
            skipped.extend(staged.skipped)
            if not staged.texts:
                return ScanResult((), tuple(skipped), (ENGINE,))
            try:
                log = self._run_cli(exe, work)
            except CodeQLFailure as failure:
                reason = f"CodeQL could not analyse it: {failure.reason}"
                skipped.extend(SkippedFile(path, reason) for path in sorted(staged.texts))
                note = f"CodeQL failed: {failure.reason}"
                if failure.detail:
                    note += "\n" + failure.detail
                return ScanResult((), tuple(skipped), (ENGINE,), (note,))
            try:
                findings, unjudged = self._read_results(log, staged.texts, work / "src")
            except (TypeError, ValueError, KeyError, AttributeError) as exc:  # SARIF we cannot read
                reason = f"CodeQL could not analyse it: its SARIF could not be read ({exc.__class__.__name__})"
                skipped.extend(SkippedFile(path, reason) for path in sorted(staged.texts))
                return ScanResult((), tuple(skipped), (ENGINE,), (f"CodeQL failed: {exc}",))
        skipped.extend(unjudged)
        return ScanResult(tuple(sorted(findings, key=Finding.sort_key)), tuple(skipped), (ENGINE,))

    def _stage(self, sources: Sequence[SourceFile], source_root: Path) -> _Staged:
        """Write each source's text under its relative path; refuse paths that would escape."""
        source_root.mkdir(parents=True)
        texts: dict[str, str] = {}
        skipped: list[SkippedFile] = []
        for source in sources:
            assert source.text is not None
            relative = safe_relative_path(source.path)
            if relative is None:
                skipped.append(SkippedFile(source.path, "CodeQL: the path is not a relative path inside the project"))
                continue
            key = str(relative)
            if key in texts:
                if texts[key] != source.text:  # one database holds one text per path
                    skipped.append(SkippedFile(source.path, "CodeQL: two different texts for one path in one scan"))
                continue
            target = source_root / relative
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(source.text, encoding="utf-8", newline="")
            except (OSError, UnicodeEncodeError) as exc:
                skipped.append(SkippedFile(source.path, f"CodeQL: cannot stage the file: {exc}"))
                continue
            texts[key] = source.text
        return _Staged(texts, skipped)

    def _tuning(self) -> list[str]:
        flags = [f"--threads={self.threads}"]
        if self.ram:
            flags.append(f"--ram={self.ram}")
        return flags

    def create_command(self, exe: str, source_root: Path, database: Path, *, build_mode: bool = True) -> list[str]:
        command = [exe, "database", "create", "--language=python"]
        if build_mode:
            command.append("--build-mode=none")
        command += ["--source-root", str(source_root), "--overwrite", *self._tuning(), str(database)]
        return command

    def analyze_command(self, exe: str, database: Path, output: Path) -> list[str]:
        return [
            exe, "database", "analyze", str(database), self.suite,
            "--format=sarif-latest", "--output", str(output), *self._tuning(),
        ]

    def _run(self, command: list[str], timeout: float, step: str) -> subprocess.CompletedProcess[str]:
        try:
            # A session of its own, so a timeout can stop the JVM and extractors it starts too.
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                text=True, errors="replace", env=child_environment(), start_new_session=True,
            )
        except OSError as exc:
            raise CodeQLFailure(f"cannot run `codeql {step}`: {exc}") from None
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise CodeQLFailure(f"`codeql {step}` did not finish within {timeout:.0f} s") from None
        except BaseException:
            _stop(process)
            raise
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)

    def _run_cli(self, exe: str, work: Path) -> dict[str, object]:
        source_root, database, output = work / "src", work / "db", work / "results.sarif"
        create = self._run(self.create_command(exe, source_root, database), self.create_timeout, "database create")
        if create.returncode != 0 and "build-mode" in (create.stderr + create.stdout):
            # CLIs before 2.16.5 do not know --build-mode; Python needs no build anyway.
            create = self._run(
                self.create_command(exe, source_root, database, build_mode=False),
                self.create_timeout, "database create",
            )
        if create.returncode != 0:
            output_text = create.stderr + create.stdout
            raise CodeQLFailure(
                f"`codeql database create` exited with {create.returncode}: {_first_error_line(output_text)}",
                _tail(output_text),
            )
        analyze = self._run(self.analyze_command(exe, database, output), self.analyze_timeout, "database analyze")
        if analyze.returncode != 0:
            output_text = analyze.stderr + analyze.stdout
            raise CodeQLFailure(
                f"`codeql database analyze` exited with {analyze.returncode}: {_first_error_line(output_text)}",
                _tail(output_text),
            )
        try:
            log = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CodeQLFailure(f"`codeql database analyze` wrote no readable SARIF: {exc}") from None
        if not isinstance(log, dict):
            raise CodeQLFailure("`codeql database analyze` wrote SARIF that is not a JSON object")
        return log

    def _read_results(
        self, log: dict[str, object], texts: dict[str, str], source_root: Path
    ) -> tuple[list[Finding], list[SkippedFile]]:
        """Findings for the staged files, and the staged files CodeQL says it could not judge."""
        notifications = tool_notifications(log, base_dir=source_root)
        unjudged: dict[str, str] = {}
        extracted: set[str] = set()
        for note in notifications:
            if note.descriptor_id == EXTRACTION_WARNINGS:
                for path in note.paths:
                    if path in texts:
                        unjudged.setdefault(path, f"CodeQL could not extract it: {note.message or 'extraction warning'}")
            elif note.descriptor_id == EXTRACTED_FILES:
                extracted.update(note.paths)
        if extracted:  # CLIs that list extracted files tell us which files were never looked at
            for path in texts:
                if path not in extracted:
                    unjudged.setdefault(path, "CodeQL did not extract it")
        findings = [
            f for f in findings_from_sarif(log, sources=texts, engine=ENGINE, base_dir=source_root)
            if f.path in texts and f.path not in unjudged
        ]
        skipped = [SkippedFile(path, reason) for path, reason in sorted(unjudged.items())]
        return findings, skipped
