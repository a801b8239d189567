"""Bandit, in-process. The only module that imports Bandit: its traps stay here.

Bandit's library code prints a progress bar, calls ``sys.exit(2)`` on Ctrl-C, prefixes paths
with ``./`` and ignores excludes for explicitly named files. We feed it each file's text
through its own per-file parser, so ``# nosec`` handling and plugin results are Bandit's own,
and apply the project's ``[tool.bandit]`` skips, tests and excludes ourselves.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import io
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from vulnloop.engines.bandit_noise import drop_safe_bandit_findings
from vulnloop.errors import ConfigError
from vulnloop.findings import Finding, Level, ScanResult, SkippedFile
from vulnloop.fingerprints import assign_fingerprints
from vulnloop.pyproject_file import find_pyproject, read_tool_table
from vulnloop.sources import SourceFile, encode_as_declared, is_excluded
from vulnloop.quiet_parse import quiet_warnings

ENGINE = "bandit"


@dataclass(frozen=True)
class BanditSettings:
    """What ``[tool.bandit]`` in pyproject.toml asks for."""

    skips: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    exclude_dirs: tuple[str, ...] = ()
    config_file: Path | None = field(default=None, compare=False)


# B413 says "you import pycrypto" for any `import Crypto...`, but that namespace is pycryptodome's
# too (maintained; PyCQA/bandit#614: Bandit cannot tell them apart), and pycrypto 2.6.1 no longer
# builds on Python 3.11+. So B413 is kept only when the project declares pycrypto itself, or
# names B413 in [tool.bandit] tests.
_PYCRYPTO = re.compile(r"(?<![\w.-])pycrypto(?![\w.-])", re.IGNORECASE)
_DEPENDENCY_FILES = (
    "pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "environment.yml", "requirements*.txt",
    "requirements/*.txt",
)


def declares_pycrypto(root: Path) -> bool:
    """Whether a dependency file at the project root names the pycrypto package."""
    for pattern in _DEPENDENCY_FILES:
        for path in root.glob(pattern):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if _PYCRYPTO.search(text):
                return True
    return False


def _check_test_ids(pyproject: Path | None, ids: Sequence[str]) -> None:
    """Unknown ids in tests/skips are a configuration error: Bandit itself would quietly run no
    test at all for ``tests = ["B999"]`` and report a clean "0 findings"."""
    if not ids:
        return  # Bandit's plugin registry is loaded only for projects that name tests
    from bandit.core import extension_loader

    unknown = [test_id for test_id in ids if not extension_loader.MANAGER.check_id(test_id)]
    if unknown:
        raise ConfigError(
            f"{pyproject} [tool.bandit]: unknown Bandit test id {', '.join(map(repr, unknown))} in tests/skips; "
            "use ids such as B101 or B602 (bandit --help lists them)"
        )


def load_bandit_settings(root: Path) -> BanditSettings:
    pyproject = find_pyproject(root)
    table = read_tool_table(pyproject, "bandit")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{pyproject} [tool.bandit]: {key} must be a list of strings")
        return tuple(v for v in value if v)

    skips, tests = strings("skips"), strings("tests")
    _check_test_ids(pyproject, (*tests, *skips))
    if "B413" not in skips and "B413" not in tests and not declares_pycrypto(root):
        skips += ("B413",)
    return BanditSettings(
        skips=skips,
        tests=tests,
        exclude_dirs=strings("exclude_dirs"),
        config_file=pyproject if table else None,
    )


@functools.lru_cache(maxsize=None)
def _level(text: str) -> Level:
    try:
        return Level.parse(text)
    except ValueError:
        return Level.LOW


class BanditEngine:
    name = ENGINE
    batch_only = False

    def __init__(self, settings: BanditSettings | None = None) -> None:
        self.settings = settings or BanditSettings()
        self._manager: Any = None
        # One Bandit manager is reused across scans (building its test set costs more than a
        # file's scan); the lock keeps concurrent repairs from mixing their results.
        self._lock = threading.Lock()

    def unavailable_reason(self) -> str | None:
        try:
            import bandit  # noqa: F401
        except ImportError:
            return "Bandit is not installed: pip install 'bandit>=1.9.2,<1.10'"
        return None

    @property
    def version(self) -> str:
        import bandit

        return str(bandit.__version__)

    def _new_manager(self) -> Any:
        # Bandit discovers its plugins at import and logs through stevedore when an optional
        # formatter (e.g. sarif, needing sarif_om) is missing: noise for our users, not theirs.
        for name in ("bandit", "stevedore"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        from bandit.core import config as b_config

        if self.settings.config_file is not None:
            conf = b_config.BanditConfig(config_file=str(self.settings.config_file))
        else:
            conf = b_config.BanditConfig()
        profile = {"include": set(self.settings.tests), "exclude": set(self.settings.skips)}
        return _tree_keeping_manager()(conf, "file", quiet=True, profile=profile)

    def scan(self, sources: Sequence[SourceFile], *, root: Path | None = None) -> ScanResult:
        findings: list[Finding] = []
        skipped: list[SkippedFile] = []
        for source in sources:
            if source.text is None:
                skipped.append(SkippedFile(source.path, source.skip_reason or "unreadable"))
                continue
            if self.settings.exclude_dirs and is_excluded(source.path, self.settings.exclude_dirs):
                continue
            file_findings, reason = self.scan_text(source.path, source.text)
            if reason is not None:
                skipped.append(SkippedFile(source.path, reason))
            findings.extend(file_findings)
        return ScanResult(tuple(findings), tuple(skipped), (ENGINE,))

    def scan_text(self, path: str, text: str) -> tuple[list[Finding], str | None]:
        """Findings for one file's text, or the reason Bandit could not judge it."""
        with _collector_paused():
            return self._scan_text(path, text)

    def _scan_text(self, path: str, text: str) -> tuple[list[Finding], str | None]:
        with self._lock:
            if self._manager is None:
                self._manager = self._new_manager()
            manager = self._manager
            manager.results = []
            manager.skipped = []
            manager.scores = []
            # Bandit tokenizes every file to find `# nosec` comments, a quarter of its time per
            # file. Its comment pattern is case-sensitive and needs the word itself, so a text
            # without "nosec" has none to find and skipping the search changes no verdict.
            manager.ignore_nosec = "nosec" not in text
            try:
                data = io.BytesIO(encode_as_declared(text))
            except UnicodeEncodeError as exc:
                return [], f"the text cannot be stored in its declared encoding {exc.encoding}"
            with quiet_warnings(SyntaxWarning):  # e.g. "invalid escape sequence" in the code under review
                manager._parse_file(path, data, [path])
            issues = list(manager.results)
            skipped = list(manager.skipped)
            tree, manager.tree = manager.tree, None
            if "coding" in "\n".join(text.split("\n", 2)[:2]):
                tree = None  # Bandit decoded the bytes by the file's cookie: parse our text instead
        if skipped:
            reason = str(skipped[0][1])
            if "syntax error" in reason:
                reason = "syntax error: the file does not parse as Python"
            return [], reason
        findings = drop_safe_bandit_findings([_to_finding(path, i) for i in issues], text)
        return assign_fingerprints(findings, text, tree=tree), None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for one file's scan: the tree, Bandit's results and
    our findings all stay alive to the end, so its passes over them (triggered by the allocations
    alone) find nothing to free; on a file with 25,000 findings they are a fifth of the scan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.lru_cache(maxsize=1)
def _tree_keeping_manager() -> Any:
    """Bandit's manager, keeping the tree Bandit parsed (``tree``, after each file) so that
    fingerprints need no second parse of the file: on a file of 25,000 lines that parse costs a
    third of Bandit's own scan."""
    from bandit.core import manager as b_manager
    from bandit.core import node_visitor as b_node_visitor

    class Visitor(b_node_visitor.BanditNodeVisitor):  # type: ignore[misc]
        tree: Any = None

        def generic_visit(self, node: Any) -> Any:
            if self.tree is None:  # Bandit's process() visits the module it parsed first
                self.tree = node
            return super().generic_visit(node)

    class Manager(b_manager.BanditManager):  # type: ignore[misc]
        tree: Any = None

        def _execute_ast_visitor(self, fname: str, fdata: Any, data: Any, nosec_lines: Any) -> Any:
            # Bandit 1.9's own method, with the visitor above.
            visitor = Visitor(fname, fdata, self.b_ma, self.b_ts, self.debug, nosec_lines, self.metrics)
            score = visitor.process(data)
            self.results.extend(visitor.tester.results)
            self.tree = visitor.tree
            return score

    return Manager


@functools.lru_cache(maxsize=None)
def _help_url(test_id: str) -> str:
    from bandit.core import docs_utils

    return str(docs_utils.get_url(test_id))


# Where Bandit files a test under a CWE that is not the weakness it finds. B607: a program named
# without its path is found through PATH (CWE-426, Untrusted Search Path); nothing is injected
# into a command (Bandit says CWE-78), and a repair prompt saying "command injection" misleads.
_CWE_CORRECTIONS = {"B607": 426}


def _to_finding(path: str, issue: Any) -> Finding:
    lines = list(getattr(issue, "linerange", None) or [issue.lineno])
    cwe_id = _CWE_CORRECTIONS.get(str(issue.test_id)) or getattr(getattr(issue, "cwe", None), "id", 0) or 0
    col = getattr(issue, "col_offset", -1)
    end_col = getattr(issue, "end_col_offset", 0)
    return Finding(
        engine=ENGINE,
        rule_id=str(issue.test_id),
        cwes=(int(cwe_id),) if cwe_id else (),
        severity=_level(str(issue.severity)),
        confidence=_level(str(issue.confidence)),
        path=path,
        start_line=int(issue.lineno),
        end_line=int(max(lines)),
        start_col=max(int(col), 0) + 1,
        end_col=max(int(end_col), 0) + 1,
        message=str(issue.text),
        rule_name=str(getattr(issue, "test", "") or ""),
        help_url=_help_url(str(issue.test_id)),
    )
