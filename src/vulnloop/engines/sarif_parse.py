"""SARIF 2.1.0 logs (CodeQL's ``sarif-latest``, or our own) as findings.

CodeQL keeps its rules under ``tool.extensions[i].rules`` (the query pack) and points at them
from each result with ``rule.index`` + ``rule.toolComponent.index``; other tools use
``tool.driver.rules`` and ``ruleIndex``, or only ``ruleId``. CWEs come only from
``external/cwe/cwe-NNN`` tags (of the rule, else of our shipped query table), never from names.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from vulnloop.engines.codeql_queries import (
    QueryInfo,
    cwes_from_tags,
    precision_level,
    problem_severity_level,
    query_by_id,
    query_help_url,
    security_severity_level,
)
from vulnloop.findings import Finding, Level
from vulnloop.fingerprints import assign_fingerprints

_DROPPED_KINDS = {"pass", "notApplicable", "informational"}

Json = Mapping[str, Any]


def _dict(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# -- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Components:
    """The run's tool components: driver first, then extensions, with their rules."""

    driver: Json
    extensions: tuple[Json, ...]

    @classmethod
    def of(cls, run: Json) -> _Components:
        tool = _dict(run.get("tool"))
        return cls(_dict(tool.get("driver")), tuple(_dict(e) for e in _list(tool.get("extensions"))))

    def rules_of(self, component: Json) -> list[Json]:
        return [_dict(r) for r in _list(component.get("rules"))]

    def component(self, reference: Json) -> Json | None:
        """The component a ``toolComponent`` reference names: by index into extensions, guid or name."""
        if not reference:
            return self.driver
        index = reference.get("index")
        if isinstance(index, int) and 0 <= index < len(self.extensions):
            return self.extensions[index]
        for key in ("guid", "name"):
            wanted = reference.get(key)
            if isinstance(wanted, str):
                for component in (self.driver, *self.extensions):
                    if component.get(key) == wanted:
                        return component
        return None

    def find_rule(self, result: Json) -> Json:
        """The rule a result names: by component and index, by driver ``ruleIndex``, else by id.

        An index whose rule has another id than the result's ``ruleId`` is not trusted.
        """
        rule_ref = _dict(result.get("rule"))
        rule_id = _text(result.get("ruleId")) or _text(rule_ref.get("id"))
        candidates: list[tuple[list[Json], object]] = []
        if rule_ref:
            component = self.component(_dict(rule_ref.get("toolComponent")))
            if component is not None:
                candidates.append((self.rules_of(component), rule_ref.get("index")))
        candidates.append((self.rules_of(self.driver), result.get("ruleIndex")))
        for rules, index in candidates:
            if not (isinstance(index, int) and 0 <= index < len(rules)):
                continue
            if not rule_id or rules[index].get("id") == rule_id:
                return rules[index]
        if rule_id:
            for component in (self.driver, *self.extensions):
                for rule in self.rules_of(component):
                    if rule.get("id") == rule_id:
                        return rule
        return {}


@dataclass(frozen=True)
class _RuleFacts:
    rule_id: str
    name: str
    cwes: tuple[int, ...]
    severity: Level
    confidence: Level
    help_url: str


def _rule_facts(rule_id: str, rule: Json, result: Json) -> _RuleFacts:
    props = _dict(rule.get("properties"))
    known: QueryInfo | None = query_by_id(rule_id)
    tags = _list(props.get("tags"))
    cwes = cwes_from_tags(tags) or (known.cwes if known else ())
    severity = (
        security_severity_level(props.get("security-severity"))
        or (security_severity_level(known.security_severity) if known else None)
        or problem_severity_level(_text(props.get("problem.severity")))
        or problem_severity_level(_text(result.get("level")))
        or problem_severity_level(_text(_dict(rule.get("defaultConfiguration")).get("level")))
        or (problem_severity_level(known.problem_severity) if known else None)
        or Level.MEDIUM
    )
    confidence = (
        precision_level(props.get("precision"))
        or (precision_level(known.precision) if known else None)
        or Level.MEDIUM
    )
    name = (
        _text(_dict(rule.get("shortDescription")).get("text"))
        or _text(props.get("name"))
        or (known.name if known else "")
        or _text(rule.get("name"))
    )
    help_url = _text(rule.get("helpUri")) or (query_help_url(rule_id) if known else "")
    return _RuleFacts(rule_id, name, cwes, severity, confidence, help_url)


# -- locations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    path: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int | None
    snippet: str


def _base_uris(run: Json) -> dict[str, str]:
    bases: dict[str, str] = {}
    for key, value in _dict(run.get("originalUriBaseIds")).items():
        uri = _text(_dict(value).get("uri"))
        if uri:
            bases[str(key)] = uri
    return bases


def _posix_relative(path: str, base_dir: str | None) -> str:
    """``path`` (POSIX, maybe absolute) relative to ``base_dir`` when it lies under it."""
    if base_dir:
        base = PurePosixPath(base_dir.replace("\\", "/"))
        candidate = PurePosixPath(path)
        try:
            return str(candidate.relative_to(base))
        except ValueError:
            pass
        try:  # the same folder seen through a symlink (macOS /private/tmp and the like)
            resolved_base = PurePosixPath(Path(base_dir).resolve().as_posix())
            return str(PurePosixPath(Path(path).resolve().as_posix()).relative_to(resolved_base))
        except (ValueError, OSError):
            pass
    if path.startswith("/"):
        return path  # outside the scanned root: keep it absolute rather than guess
    parts = [p for p in PurePosixPath(path).parts if p not in ("", ".")]
    return "/".join(parts)


def _file_uri_path(uri: str) -> str:
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if re.match(r"^/[A-Za-z]:/", path):  # file:///C:/x -> C:/x
        path = path[1:]
    return path


def resolve_uri(uri: str, uri_base_id: str | None, bases: Mapping[str, str], base_dir: str | None) -> str:
    """A SARIF artifact URI as a POSIX path relative to the scanned root when possible."""
    if urlsplit(uri).scheme == "file":
        return _posix_relative(_file_uri_path(uri), base_dir)
    if urlsplit(uri).scheme:  # http: and the like cannot name a local file
        return uri
    relative = unquote(uri)
    base = bases.get(uri_base_id or "")
    if base and base_dir and urlsplit(base).scheme == "file":  # without our root, stay relative
        joined = _file_uri_path(base).rstrip("/") + "/" + relative.lstrip("/")
        return _posix_relative(joined, base_dir)
    return _posix_relative(relative.lstrip("/") if uri_base_id else relative, base_dir)


def _artifact_location(location: Json, run: Json) -> Json:
    artifact = _dict(location.get("artifactLocation"))
    if not _text(artifact.get("uri")):
        index = artifact.get("index")
        artifacts = _list(run.get("artifacts"))
        if isinstance(index, int) and 0 <= index < len(artifacts):
            artifact = {**_dict(_dict(artifacts[index]).get("location")), **artifact}
    return artifact


def _place(location: Json, run: Json, base_dir: str | None) -> _Place | None:
    physical = _dict(location.get("physicalLocation"))
    artifact = _artifact_location(physical, run)
    uri = _text(artifact.get("uri"))
    if not uri:
        return None
    path = resolve_uri(uri, _text(artifact.get("uriBaseId")) or None, _base_uris(run), base_dir)
    region = _dict(physical.get("region"))
    start_line = max(_int(region.get("startLine"), 1), 1)
    end_line = max(_int(region.get("endLine"), start_line), start_line)
    start_col = max(_int(region.get("startColumn"), 1), 1)
    end_col_raw = region.get("endColumn")
    end_col = end_col_raw if isinstance(end_col_raw, int) and end_col_raw >= 1 else None
    # A snippet of exactly the flagged lines (ours) is kept; CodeQL's wider context is not.
    context = _dict(physical.get("contextRegion"))
    same_lines = context.get("startLine") == start_line and context.get("endLine", start_line) == end_line
    snippet = _text(_dict(context.get("snippet")).get("text")) if same_lines else ""
    return _Place(path, start_line, start_col, end_line, end_col, snippet)


# -- messages -----------------------------------------------------------------------------------

_MARKDOWN_LINK = re.compile(r"(?<!\\)\[(?P<label>(?:[^\]\\]|\\.)*)\]\((?P<target>[^)\s]*)\)")
_ESCAPED = re.compile(r"\\([\\\[\]])")


def _message_text(result: Json, rule: Json) -> str:
    message = _dict(result.get("message"))
    text = _text(message.get("text"))
    if not text:
        message_id = _text(message.get("id"))
        strings = _dict(rule.get("messageStrings"))
        text = _text(_dict(strings.get(message_id)).get("text")) if message_id else ""
    arguments = [str(a) for a in _list(message.get("arguments"))]
    for i, argument in enumerate(arguments):
        text = text.replace("{" + str(i) + "}", argument)
    return text


def _readable_message(
    text: str,
    *,
    related: Mapping[int, _Place],
    own_path: str,
) -> str:
    """Embedded links made readable: ``[user-provided value](1)`` -> ``user-provided value (line 3)``."""

    def replace(match: re.Match[str]) -> str:
        label = _ESCAPED.sub(r"\1", match.group("label"))
        target = match.group("target")
        if target.isdigit():
            place = related.get(int(target))
            if place is None:
                return label
            if place.path != own_path:
                return f"{label} ({place.path}:{place.start_line})"
            return f"{label} (line {place.start_line})"
        if target:
            return f"{label} ({target})"
        return label

    text = readable_message(text, own_path=own_path)
    return _ESCAPED.sub(r"\1", _MARKDOWN_LINK.sub(replace, text)).strip()


def _related_places(result: Json, run: Json, base_dir: str | None) -> dict[int, _Place]:
    places: dict[int, _Place] = {}
    for location in _list(result.get("relatedLocations")):
        location = _dict(location)
        ident = location.get("id")
        place = _place(location, run, base_dir)
        if isinstance(ident, int) and place is not None:
            places[ident] = place
    return places


def _flow_source(result: Json, run: Json, base_dir: str | None) -> _Place | None:
    """The first step of the first code flow: where tainted data enters."""
    for flow in _list(result.get("codeFlows")):
        for thread in _list(_dict(flow).get("threadFlows")):
            for step in _list(_dict(thread).get("locations")):
                place = _place(_dict(_dict(step).get("location")), run, base_dir)
                if place is not None:
                    return place
    return None


# -- results ------------------------------------------------------------------------------------


def _suppressed(result: Json) -> bool:
    if _text(result.get("baselineState")) == "absent":
        return True
    for suppression in _list(result.get("suppressions")):
        status = _text(_dict(suppression).get("status")) or "accepted"
        if status == "accepted":
            return True
    return False


def _engine_of_run(run: Json) -> str:
    category = _text(_dict(run.get("automationDetails")).get("id"))
    if category.startswith("vulnloop/"):
        parts = [p for p in category.split("/") if p]
        if len(parts) >= 2:
            return parts[1]
    name = _text(_dict(_dict(run.get("tool")).get("driver")).get("name"))
    return name.strip().lower().split()[0] if name.strip() else "sarif"


def _finding(
    result: Json,
    run: Json,
    components: _Components,
    engine: str,
    base_dir: str | None,
    sources: Mapping[str, str],
) -> Finding | None:
    if _text(result.get("kind")) in _DROPPED_KINDS or _suppressed(result):
        return None
    rule = components.find_rule(result)
    rule_id = _text(result.get("ruleId")) or _text(_dict(result.get("rule")).get("id")) or _text(rule.get("id"))
    if not rule_id:
        return None
    place = None
    for location in _list(result.get("locations")):
        place = _place(_dict(location), run, base_dir)
        if place is not None:
            break
    if place is None:
        return None
    facts = _rule_facts(rule_id, rule, result)
    message = _readable_message(
        _message_text(result, rule), related=_related_places(result, run, base_dir), own_path=place.path
    )
    source = _flow_source(result, run, base_dir)
    if source is not None and "(line " not in message and f"{source.path}:" not in message:
        where = f"line {source.start_line}" if source.path == place.path else f"{source.path}:{source.start_line}"
        message = f"{message} (data flows from {where})"
    end_col = place.end_col
    if end_col is None:  # no end column: the region runs to the end of its last line
        lines = sources.get(place.path, "").splitlines()
        end_col = len(lines[place.end_line - 1]) + 1 if 0 < place.end_line <= len(lines) else place.start_col
    return Finding(
        engine=engine,
        rule_id=rule_id,
        cwes=facts.cwes,
        severity=facts.severity,
        confidence=facts.confidence,
        path=place.path,
        start_line=place.start_line,
        end_line=place.end_line,
        start_col=place.start_col,
        end_col=end_col,
        message=message or facts.name or rule_id,
        snippet=place.snippet,
        rule_name=facts.name,
        help_url=facts.help_url,
    )


def findings_from_sarif(
    log: Json,
    *,
    sources: Mapping[str, str] | None = None,
    engine: str | None = "codeql",
    base_dir: str | Path | None = None,
) -> list[Finding]:
    """Findings of every run of a SARIF log, fingerprinted with each file's text.

    ``engine`` names the findings' engine; None takes it from each run (our own
    ``vulnloop/<engine>/`` category, else the tool's name). ``base_dir`` is the source root
    the tool saw: absolute ``file://`` URIs under it become relative paths.
    """
    base = str(base_dir) if base_dir is not None else None
    texts = dict(sources or {})
    findings: list[Finding] = []
    for run in _list(log.get("runs")):
        run = _dict(run)
        components = _Components.of(run)
        run_engine = engine or _engine_of_run(run)
        for result in _list(run.get("results")):
            finding = _finding(_dict(result), run, components, run_engine, base, texts)
            if finding is not None:
                findings.append(finding)
    return fingerprint_by_file(findings, texts)


# -- tool notifications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolNotification:
    """One ``toolExecutionNotifications`` entry: which diagnostic, about which file, saying what."""

    descriptor_id: str
    level: str
    message: str
    paths: tuple[str, ...]


def tool_notifications(log: Json, *, base_dir: str | Path | None = None) -> list[ToolNotification]:
    base = str(base_dir) if base_dir is not None else None
    out: list[ToolNotification] = []
    for run in _list(log.get("runs")):
        run = _dict(run)
        for invocation in _list(run.get("invocations")):
            for note in _list(_dict(invocation).get("toolExecutionNotifications")):
                note = _dict(note)
                places = (_place(_dict(loc), run, base) for loc in _list(note.get("locations")))
                paths = tuple(p.path for p in places if p is not None)
                out.append(
                    ToolNotification(
                        descriptor_id=_text(_dict(note.get("descriptor")).get("id")),
                        level=_text(note.get("level")) or "warning",
                        message=_text(_dict(note.get("message")).get("text")),
                        paths=paths,
                    )
                )
    return out


# -- messages -------------------------------------------------------------------------------

# CodeQL's messages write a placeholder as [["label"|"relative:///file.py:3:5:3:9"]].
_CSV_LINK = re.compile(r'\[\["(?P<label>[^"]*)"\|"(?P<target>[^"]*)"\]\]')
_RELATIVE_TARGET = re.compile(r"^(?:relative|file):/*(?P<path>.*?):(?P<line>\d+):\d+:\d+:\d+$")


def readable_message(text: str, *, own_path: str | None = None) -> str:
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


def fingerprint_by_file(findings: Iterable[Finding], sources: Mapping[str, str]) -> list[Finding]:
    """Assign fingerprints file by file, with the file's text when known (else an empty text)."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    out: list[Finding] = []
    for path in sorted(by_path):
        out.extend(assign_fingerprints(by_path[path], sources.get(path, "")))
    return sorted(out, key=Finding.sort_key)
