"""CodeQL's Python security queries as data: id, name, CWEs, severity and precision.

The table shipped in ``data/codeql_python_queries.json`` is transcribed from the queries' own
metadata. CWEs come from their ``external/cwe/cwe-NNN`` tags, never from names: fuzzy-matching
names gave 12 of 32 query types the wrong CWE in the study we learn from. The SARIF parser uses
the table for metadata a SARIF file lacks; reports use it for help texts.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from vulnloop.findings import Level

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


@lru_cache(maxsize=1)
def query_table() -> Mapping[str, QueryInfo]:
    raw = json.loads(
        resources.files("vulnloop").joinpath("data/codeql_python_queries.json").read_text("utf-8")
    )
    by_id: dict[str, QueryInfo] = {}
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
    return by_id


def query_by_id(query_id: str) -> QueryInfo | None:
    return query_table().get(query_id)
