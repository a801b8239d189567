"""Machine-readable JSON: findings, skipped files and (for fix) the ledger."""
from __future__ import annotations

import json
from typing import Any, Sequence

from vulnloop.findings import Finding, ScanResult
from vulnloop.unified_diff import unified_diff
from vulnloop.repair.ledger import LedgerEntry, LoopReport
from vulnloop.report.guidance import advice


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "engine": finding.engine,
        "rule_id": finding.rule_id,
        "rule_name": finding.rule_name,
        "cwes": list(finding.cwes),
        "severity": str(finding.severity),
        "confidence": str(finding.confidence),
        "path": finding.path,
        "start_line": finding.start_line,
        "end_line": finding.end_line,
        "start_col": finding.start_col,
        "end_col": finding.end_col,
        "message": finding.message,
        "snippet": finding.snippet,
        "fingerprint": finding.fingerprint,
        "help_url": finding.help_url,
    }


def scan_json(result: ScanResult, shown: Sequence[Finding]) -> str:
    return json.dumps(
        {
            "engines": list(result.engines),
            "findings": [finding_dict(f) for f in shown],
            "skipped": [{"path": s.path, "reason": s.reason, "engine": s.engine} for s in result.skipped],
            "notes": list(result.notes),
        },
        indent=2,
    )


def entry_dict(entry: LedgerEntry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "finding": finding_dict(entry.finding),
        "status": entry.status.value,
        "reason": entry.reason,
        "attempts": entry.attempts,
    }
    if entry.repair is not None:
        out["repair"] = {
            "repairer": entry.repair.repairer,
            "round": entry.repair.round,
            "verified_by": list(entry.repair.verified_by),
            "diff": entry.repair.diff,
            "notes": list(entry.repair.notes),
        }
        told = advice(entry.repair)
        if told.summary:
            out["repair"]["summary"] = told.summary
            out["repair"]["guidance"] = told.guidance
    return out


def loop_json(report: LoopReport) -> str:
    return json.dumps(
        {
            "engines": list(report.scan.engines),
            "rounds": report.rounds,
            "entries": [entry_dict(e) for e in report.entries],
            "files": [
                {
                    "path": o.path,
                    "changed": o.changed,
                    "diff": unified_diff(o.path, o.original, o.final) if o.changed else "",
                }
                for o in report.files
            ],
            "skipped": [{"path": s.path, "reason": s.reason, "engine": s.engine} for s in report.scan.skipped],
            "usage": {
                "prompt_tokens": report.usage.prompt_tokens,
                "completion_tokens": report.usage.completion_tokens,
                "calls": report.usage.calls,
                "cached_calls": report.usage.cached_calls,
            },
            "seconds": round(report.seconds, 3),
            "notes": list(report.notes),
        },
        indent=2,
    )
