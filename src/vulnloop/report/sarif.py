"""SARIF 2.1.0 output that ``github/codeql-action/upload-sarif`` accepts: one run per engine.

Each engine gets its own run and ``automationDetails.id`` category (``vulnloop/bandit/``), so
code scanning keeps their alerts apart. Rules name their CWEs with the catalogue's names;
results carry our fingerprint, and results whose finding was fixed carry a SARIF ``fixes``
entry with the verified repair as line replacements.
"""
from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from vulnloop.cwe import cwe_url, lookup
from vulnloop.engines import Engine
from vulnloop.engines.codeql_queries import QueryInfo, query_by_id
from vulnloop.findings import Finding, Level, ScanResult, SkippedFile
from vulnloop.repair.ledger import LedgerEntry, Repair, Status
from vulnloop.report.guidance import advice
from vulnloop.report.why import why_it_matters_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "vulnloopFingerprint/v1"


@dataclass(frozen=True)
class ToolInfo:
    name: str
    information_uri: str


TOOLS: dict[str, ToolInfo] = {
    "bandit": ToolInfo("Bandit", "https://bandit.readthedocs.io/"),
    "codeql": ToolInfo("CodeQL", "https://codeql.github.com/"),
    "semgrep": ToolInfo("Semgrep", "https://semgrep.dev/"),
}

_LEVELS = {Level.HIGH: "error", Level.MEDIUM: "warning", Level.LOW: "note"}
# Scores inside GitHub's bands (high >= 7.0, medium >= 4.0, low below), for tools that give none.
_SCORES = {Level.HIGH: "7.5", Level.MEDIUM: "5.0", Level.LOW: "2.0"}
_PRECISIONS = {Level.HIGH: "high", Level.MEDIUM: "medium", Level.LOW: "low"}


def category(engine: str) -> str:
    return f"vulnloop/{engine}/"


def artifact_location(path: str) -> dict[str, Any]:
    """Relative paths hang off %SRCROOT%; a path outside the root stays an absolute file URI."""
    if path.startswith("/"):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(str(PurePosixPath(path)), safe="/"), "uriBaseId": SRCROOT}


# -- rules --------------------------------------------------------------------------------------


def _cwes(findings: Sequence[Finding]) -> list[int]:
    found: list[int] = []
    for finding in findings:
        found.extend(c for c in finding.cwes if c not in found)
    return found


def _help(
    title: str, rule_id: str, description: str, reason: str, cwes: Sequence[int], help_uri: str
) -> dict[str, str]:
    text = [f"{title} ({rule_id})", "", description]
    markdown = [f"**{title}** (`{rule_id}`)", "", description]
    if reason and reason != description:
        text += ["", f"Why it matters: {reason}"]
        markdown += ["", f"**Why it matters:** {reason}"]
    for cwe_id in cwes:
        entry = lookup(cwe_id)
        text += ["", f"CWE-{cwe_id}: {entry.name}", entry.definition]
        markdown += ["", f"**Weakness:** [CWE-{cwe_id}]({cwe_url(cwe_id)}): {entry.name}", "", entry.definition]
    if help_uri:
        text += ["", f"More information: {help_uri}"]
        markdown += ["", f"[More information]({help_uri})"]
    return {"text": "\n".join(text).strip() + "\n", "markdown": "\n".join(markdown).strip() + "\n"}


def _rule(engine: str, rule_id: str, findings: Sequence[Finding]) -> dict[str, Any]:
    sample = findings[0]
    info: QueryInfo | None = query_by_id(rule_id) if engine == "codeql" else None
    cwes = _cwes(findings) or (list(info.cwes) if info else [])
    if info is not None:
        title = info.name
    elif sample.rule_name and " " not in sample.rule_name:  # Bandit's style: "B602: subprocess_popen_..."
        title = f"{rule_id}: {sample.rule_name}"
    else:
        title = sample.rule_name or rule_id
    description = (info.description if info else "") or sample.message or title
    severity = max(f.severity for f in findings)
    confidence = max(f.confidence for f in findings)
    help_uri = sample.help_url or (info.help_url if info else "") or (cwe_url(cwes[0]) if cwes else "")
    properties: dict[str, Any] = {
        "tags": ["security", *(f"external/cwe/cwe-{c:03d}" for c in cwes)],
        "security-severity": (info.security_severity if info and info.security_severity else _SCORES[severity]),
        "precision": (info.precision if info and info.precision else _PRECISIONS[confidence]),
    }
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": sample.rule_name if sample.rule_name and " " not in sample.rule_name else rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "defaultConfiguration": {"level": _LEVELS[severity]},
        "help": _help(title, rule_id, description, why_it_matters_text(sample), cwes, help_uri),
        "properties": properties,
    }
    if help_uri:
        rule["helpUri"] = help_uri
    return rule


# -- results ------------------------------------------------------------------------------------


def _region(finding: Finding) -> dict[str, Any]:
    start_line = max(finding.start_line, 1)
    end_line = max(finding.end_line, start_line)
    region: dict[str, Any] = {"startLine": start_line, "startColumn": max(finding.start_col, 1), "endLine": end_line}
    if finding.end_col >= 1 and (end_line > start_line or finding.end_col > region["startColumn"]):
        region["endColumn"] = finding.end_col
    return region


def _location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(finding.path), "region": _region(finding)}
    if finding.snippet:
        lines = finding.snippet.splitlines() or [""]
        start = max(finding.start_line, 1)
        physical["contextRegion"] = {
            "startLine": start,
            "endLine": start + len(lines) - 1,
            "snippet": {"text": finding.snippet},
        }
    return {"physicalLocation": physical}


# SARIF's default line ends (run.newLineSequences): unlike str.splitlines, not \f or \x1c.
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def _lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _strip_newline(text: str) -> str:
    for ending in ("\r\n", "\n"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def line_replacements(before: str, after: str) -> list[dict[str, Any]]:
    """Minimal whole-line SARIF replacements that turn ``before`` into ``after``.

    A ``deletedRegion`` of ``startLine``..``endLine`` runs to the end of ``endLine`` without its
    newline, so the inserted text leaves out its own last newline. Pure insertions and
    deletions take in one neighbouring unchanged line, so every replacement both deletes and
    inserts whole lines. A change to a line end itself takes a character region; when no
    line survives, one replacement covers the whole file.
    """
    old = _lines(before)
    new = _lines(after)
    if before == after:
        return []
    whole_file = [{"deletedRegion": {"charOffset": 0, "charLength": len(before)}, "insertedContent": {"text": after}}]
    if not old or not new:  # no line survives to anchor a line replacement on
        return whole_file
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    hunks: list[list[int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 == i2 or j1 == j2:  # take in an unchanged neighbour line
            if i1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            elif i2 < len(old):
                i2, j2 = i2 + 1, j2 + 1
            else:
                return whole_file
        if hunks and i1 <= hunks[-1][1]:
            hunks[-1][1], hunks[-1][3] = max(hunks[-1][1], i2), max(hunks[-1][3], j2)
        else:
            hunks.append([i1, i2, j1, j2])
    replacements: list[dict[str, Any]] = []
    for i1, i2, j1, j2 in hunks:
        inserted = "".join(new[j1:j2])
        ending = old[i2 - 1][len(_strip_newline(old[i2 - 1])):]
        if inserted.endswith(ending):
            region: dict[str, Any] = {"startLine": i1 + 1, "endLine": i2}
            inserted = inserted[: len(inserted) - len(ending)]
        else:  # the change touches a line end itself: only a character region can say so
            offset = sum(len(line) for line in old[:i1])
            region = {"charOffset": offset, "charLength": sum(len(line) for line in old[i1:i2])}
        replacements.append({"deletedRegion": region, "insertedContent": {"text": inserted}})
    return replacements


def _fix(path: str, repair: Repair) -> dict[str, Any] | None:
    replacements = line_replacements(repair.before, repair.after)
    if not replacements:
        return None
    verified = ", ".join(repair.verified_by) or "no engine"
    told = advice(repair).text
    return {
        "description": {
            "text": f"Repair by {repair.repairer} in round {repair.round}, verified by {verified}."
            + (f" {told}" if told else "")
        },
        "artifactChanges": [{"artifactLocation": artifact_location(path), "replacements": replacements}],
    }


def _result(finding: Finding, rule_index: int, entry: LedgerEntry | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message or finding.rule_name or finding.rule_id},
        "locations": [_location(finding)],
    }
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if entry is not None:
        properties: dict[str, Any] = {"vulnloop/status": entry.status.value}
        if entry.reason:
            properties["vulnloop/reason"] = entry.reason
        if entry.repair is not None and entry.repair.notes:
            properties["vulnloop/notes"] = list(entry.repair.notes)
        result["properties"] = properties
        if entry.status is Status.FIXED and entry.repair is not None:
            fix = _fix(finding.path, entry.repair)
            if fix is not None:
                result["fixes"] = [fix]
    return result


# -- runs ---------------------------------------------------------------------------------------


def _tool_name(engine: str) -> str:
    return TOOLS[engine].name if engine in TOOLS else engine


def _skipped_for(engine: str, skipped: Sequence[SkippedFile]) -> list[SkippedFile]:
    """Skipped files stamped with an engine go to its run; others belong to every run, except
    those whose reason names another engine."""
    stamped = [s for s in skipped if s.engine]
    skipped = [s for s in skipped if not s.engine]
    names = {e: (e.lower(), _tool_name(e).lower()) for e in {engine, *TOOLS}}

    def owner(reason: str) -> str | None:
        lowered = reason.lower()
        for candidate, spellings in names.items():
            if any(lowered.startswith(s) for s in spellings):
                return candidate
        return None

    return [s for s in stamped if s.engine == engine] + [
        s for s in skipped if owner(s.reason) in (None, engine)
    ]


def _notifications(engine: str, skipped: Sequence[SkippedFile], notes: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in skipped:
        out.append({
            "descriptor": {"id": "vulnloop/skipped-file"},
            "level": "warning",
            "message": {"text": f"{item.path} was not scanned: {item.reason}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(item.path)}}],
        })
    spellings = (engine.lower(), _tool_name(engine).lower())
    for note in notes:
        if note.lower().startswith(spellings):
            out.append({"descriptor": {"id": "vulnloop/note"}, "level": "note", "message": {"text": note}})
    return out


def _run(
    engine: str,
    findings: Sequence[Finding],
    scan: ScanResult,
    entries: Mapping[str, LedgerEntry],
    version: str | None,
    root_uri: str | None,
) -> dict[str, Any]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver: dict[str, Any] = {"name": _tool_name(engine)}
    if version:
        driver["version"] = version
    if engine in TOOLS:
        driver["informationUri"] = TOOLS[engine].information_uri
    driver["rules"] = [_rule(engine, rule_id, by_rule[rule_id]) for rule_id in rule_ids]
    skipped = _skipped_for(engine, scan.skipped)
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": category(engine)},
        "invocations": [{
            "executionSuccessful": not skipped,
            "toolExecutionNotifications": _notifications(engine, skipped, scan.notes),
        }],
        "results": [
            _result(f, index[f.rule_id], entries.get(f.fingerprint) if f.fingerprint else None)
            for f in sorted(findings, key=Finding.sort_key)
        ],
    }
    if root_uri:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}}
    return run


def sarif_log(
    scan: ScanResult,
    *,
    entries: Sequence[LedgerEntry] = (),
    tool_versions: Mapping[str, str] | None = None,
    root_uri: str | None = None,
) -> dict[str, Any]:
    """The scan as a SARIF log: one run per engine in ``scan.engines`` (even one that found
    nothing), then any engine that only appears in the findings."""
    engines = list(scan.engines)
    engines += sorted({f.engine for f in scan.findings} - set(engines))
    by_fingerprint = {e.finding.fingerprint: e for e in entries if e.finding.fingerprint}
    versions = dict(tool_versions or {})
    runs = [
        _run(
            engine,
            [f for f in scan.findings if f.engine == engine],
            scan,
            by_fingerprint,
            versions.get(engine),
            root_uri,
        )
        for engine in engines
    ]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def engine_versions(engines: Sequence[Engine]) -> dict[str, str]:
    """Each engine's version for the SARIF tool record; an engine that cannot say is left out."""
    versions: dict[str, str] = {}
    for engine in engines:
        try:
            version = engine.version
        except Exception:  # noqa: BLE001 - a CLI that fails to answer must not lose the SARIF
            version = ""
        if version:
            versions[engine.name] = str(version)
    return versions


def write_sarif(path: Path, log: Mapping[str, Any]) -> None:
    """Write the log as UTF-8 JSON, replacing ``path`` only once the whole file is written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as stream:
            json.dump(log, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
