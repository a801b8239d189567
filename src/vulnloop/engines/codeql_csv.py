"""CodeQL's Python security queries as data, and CodeQL's ``--format=csv`` output as findings.

CodeQL's CSV has no rule ids, only the query's *name*, so the table shipped in
``data/codeql_python_queries.json`` (transcribed from the queries' own metadata) maps each
name to its id and to the CWEs of its ``external/cwe/cwe-NNN`` tags. CWEs are never guessed
from names: fuzzy-matching names gave 12 of 32 query types the wrong CWE in the study we
learn from. The SARIF parser uses the same table for metadata a SARIF file lacks.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath

from vulnloop.findings import Finding, Level
from vulnloop.fingerprints import assign_fingerprints

ENGINE = "codeql"
HELP_URL = "https://codeql.github.com/codeql-query-help/python/{slug}/"
_CWE_TAG = re.compile(r"^external/cwe/cwe-0*(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class QueryInfo:
    """One CodeQL query's metadata, as its ``.ql`` header declares it."""

    id: str
    name: str
    description: str = ""
    kind: str = "problem"
    problem_severity: str = ""
    security_severity: str | None = None
    precision: str | None = None
    tags: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()

    @property
    def cwes(self) -> tuple[int, ...]:
        return cwes_from_tags(self.tags)

    @property
    def severity(self) -> Level:
        return severity_level(self.security_severity, self.problem_severity)

    @property
    def confidence(self) -> Level:
        return confidence_level(self.precision)

    @property
    def help_url(self) -> str:
        return query_help_url(self.id)


def query_help_url(query_id: str) -> str:
    return HELP_URL.format(slug=query_id.replace("/", "-"))


def cwes_from_tags(tags: Iterable[object]) -> tuple[int, ...]:
    """CWE ids of ``external/cwe/cwe-NNN`` tags, in tag order, without repeats."""
    found: list[int] = []
    for tag in tags:
        match = _CWE_TAG.match(str(tag).strip())
        if match and int(match.group(1)) not in found:
            found.append(int(match.group(1)))
    return tuple(found)


_PROBLEM_LEVELS = {
    "error": Level.HIGH,
    "warning": Level.MEDIUM,
    "recommendation": Level.LOW,
    "note": Level.LOW,
    "none": Level.LOW,
}


def problem_severity_level(text: str | None) -> Level | None:
    """A query's ``problem.severity`` or a SARIF ``level`` as a Level; None when absent/unknown."""
    if not text:
        return None
    return _PROBLEM_LEVELS.get(str(text).strip().lower())


def security_severity_level(value: object) -> Level | None:
    """GitHub's bands: 7.0 and up is high, 4.0 up to 7.0 medium, below that low."""
    try:
        score = float(str(value))
    except (TypeError, ValueError):
        return None
    if math.isnan(score):
        return None
    if score >= 7.0:
        return Level.HIGH
    if score >= 4.0:
        return Level.MEDIUM
    return Level.LOW


def severity_level(security_severity: object, problem_severity: str | None) -> Level:
    return (
        security_severity_level(security_severity)
        or problem_severity_level(problem_severity)
        or Level.MEDIUM
    )


_PRECISION_LEVELS = {
    "very-high": Level.HIGH,
    "high": Level.HIGH,
    "medium": Level.MEDIUM,
    "low": Level.LOW,
}


def precision_level(precision: object) -> Level | None:
    if not isinstance(precision, str):
        return None
    return _PRECISION_LEVELS.get(precision.strip().lower())


def confidence_level(precision: object) -> Level:
    return precision_level(precision) or Level.MEDIUM


@dataclass(frozen=True)
class QueryTable:
    by_id: Mapping[str, QueryInfo]
    by_name: Mapping[str, QueryInfo]


def _normal_name(name: str) -> str:
    return " ".join(name.split()).casefold()


@lru_cache(maxsize=1)
def query_table() -> QueryTable:
    raw = json.loads(
        resources.files("vulnloop").joinpath("data/codeql_python_queries.json").read_text("utf-8")
    )
    by_id: dict[str, QueryInfo] = {}
    by_name: dict[str, QueryInfo] = {}
    for item in raw["queries"]:
        info = QueryInfo(
            id=item["id"],
            name=item["name"],
            description=item.get("description", ""),
            kind=item.get("kind", "problem"),
            problem_severity=item.get("problem_severity", ""),
            security_severity=item.get("security_severity"),
            precision=item.get("precision"),
            tags=tuple(item.get("tags", ())),
            other_names=tuple(item.get("other_names", ())),
        )
        by_id[info.id] = info
        for name in (info.name, *info.other_names):
            by_name[_normal_name(name)] = info
    return QueryTable(by_id, by_name)


def query_by_id(query_id: str) -> QueryInfo | None:
    return query_table().by_id.get(query_id)


def query_by_name(name: str) -> QueryInfo | None:
    return query_table().by_name.get(_normal_name(name))


# -- messages -------------------------------------------------------------------------------

# CodeQL's CSV and text formats write a placeholder as [["label"|"relative:///file.py:3:5:3:9"]].
_CSV_LINK = re.compile(r'\[\["(?P<label>[^"]*)"\|"(?P<target>[^"]*)"\]\]')
_RELATIVE_TARGET = re.compile(r"^(?:relative|file):/*(?P<path>.*?):(?P<line>\d+):\d+:\d+:\d+$")


def readable_csv_message(text: str, *, own_path: str | None = None) -> str:
    """Turn ``[["user-provided value"|"relative:///x.py:1:26:1:32"]]`` into ``user-provided value (line 1)``."""

    def replace(match: re.Match[str]) -> str:
        label = match.group("label")
        target = _RELATIVE_TARGET.match(match.group("target"))
        if target is None:
            return label
        path = normalise_codeql_path(target.group("path"))
        line = target.group("line")
        if own_path is not None and path != own_path:
            return f"{label} ({path}:{line})"
        return f"{label} (line {line})"

    return _CSV_LINK.sub(replace, text).strip()


# -- paths ------------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def normalise_codeql_path(raw: str, *, base_dir: str | None = None) -> str:
    r"""A CodeQL path as our POSIX path relative to the scanned root.

    CodeQL's CSV writes paths relative to the source root with a leading slash
    (``/CWE-022-codeql_1.py``); on Windows they may carry backslashes or a drive.
    ``base_dir`` (the source root as CodeQL saw it) is removed when the path starts with it.
    """
    path = raw.strip().replace("\\", "/")
    if base_dir:
        base = base_dir.strip().replace("\\", "/").rstrip("/")
        for prefix in (base + "/", "/" + base.lstrip("/") + "/"):
            if base and path.lower().startswith(prefix.lower()):
                path = path[len(prefix):]
                break
    path = _DRIVE.sub("", path).lstrip("/")
    parts = [p for p in PurePosixPath(path).parts if p not in ("", ".")]
    return "/".join(parts)


# -- CSV ----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "name", "description", "severity", "message", "path",
    "start_line", "start_col", "end_line", "end_col",
)


@dataclass(frozen=True)
class CsvRow:
    name: str
    description: str
    severity: str
    message: str
    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int


def read_codeql_csv_rows(text: str) -> list[CsvRow]:
    """Rows of CodeQL's headerless nine-column CSV; rows that are not nine columns are ignored."""
    rows: list[CsvRow] = []
    for record in csv.reader(io.StringIO(text, newline="")):
        if len(record) != len(CSV_COLUMNS):
            continue
        try:
            numbers = [int(v) for v in record[5:9]]
        except ValueError:  # a header line, or not CodeQL's CSV
            continue
        rows.append(CsvRow(*record[:5], *numbers))  # type: ignore[arg-type]
    return rows


def finding_from_csv_row(row: CsvRow, *, engine: str = ENGINE, base_dir: str | None = None) -> Finding:
    path = normalise_codeql_path(row.path, base_dir=base_dir)
    info = query_by_name(row.name)
    start_line = max(row.start_line, 1)
    start_col = max(row.start_col, 1)
    end_line = max(row.end_line, start_line)
    # CodeQL's CSV columns are 1-based with an inclusive end; Finding.end_col is exclusive.
    end_col = max(row.end_col, 0) + 1
    message = readable_csv_message(row.message, own_path=path)
    # An unknown query (not in our table) keeps its CSV name as rule id and has no CWE.
    cwes: tuple[int, ...]
    if info is None:
        rule_id, rule_name, help_url, cwes = row.name, row.name, "", ()
        severity, confidence = problem_severity_level(row.severity) or Level.MEDIUM, Level.MEDIUM
    else:
        rule_id, rule_name, help_url, cwes = info.id, info.name, info.help_url, info.cwes
        severity, confidence = info.severity, info.confidence
    return Finding(
        engine=engine,
        rule_id=rule_id,
        cwes=cwes,
        severity=severity,
        confidence=confidence,
        path=path,
        start_line=start_line,
        end_line=end_line,
        start_col=start_col,
        end_col=end_col,
        message=message,
        rule_name=rule_name,
        help_url=help_url,
    )


def findings_from_codeql_csv(
    text: str,
    *,
    sources: Mapping[str, str] | None = None,
    engine: str = ENGINE,
    base_dir: str | None = None,
) -> list[Finding]:
    """Findings of a CodeQL CSV, fingerprinted with each file's text when ``sources`` has it.

    Rows whose query name is not in our table keep the name as rule id and no CWE (never a
    guessed one); ``query_by_name`` tells callers which rows those are.
    """
    findings = [finding_from_csv_row(r, engine=engine, base_dir=base_dir) for r in read_codeql_csv_rows(text)]
    return fingerprint_by_file(findings, sources or {})


def read_codeql_csv(
    path: Path,
    *,
    sources: Mapping[str, str] | None = None,
    engine: str = ENGINE,
    base_dir: str | None = None,
) -> list[Finding]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return findings_from_codeql_csv(text, sources=sources, engine=engine, base_dir=base_dir)


def fingerprint_by_file(findings: Iterable[Finding], sources: Mapping[str, str]) -> list[Finding]:
    """Assign fingerprints file by file, with the file's text when known (else an empty text)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    out: list[Finding] = []
    for path in sorted(by_path):
        out.extend(assign_fingerprints(by_path[path], sources.get(path, "")))
    return sorted(out, key=Finding.sort_key)
