"""Helpers for the LLM transport and repairer tests: findings, fenced answers, the research data."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vulnloop.findings import Finding, Level

DATA = Path(__file__).parents[1].parent / "shared" / "data"
LABELED_CODE = DATA / "llmsecurecode" / "labeled_code.jsonl"


def finding(
    line: int,
    *,
    rule_id: str = "B602",
    cwes: tuple[int, ...] = (78,),
    path: str = "app.py",
    message: str = "subprocess call with shell=True identified, security issue.",
    snippet: str = "",
    end_line: int | None = None,
) -> Finding:
    return Finding(
        engine="bandit",
        rule_id=rule_id,
        cwes=cwes,
        severity=Level.HIGH,
        confidence=Level.HIGH,
        path=path,
        start_line=line,
        end_line=end_line or line,
        start_col=1,
        end_col=2,
        message=message,
        snippet=snippet,
    )


def fenced(code: str, language: str = "python", prose: bool = True) -> str:
    block = f"```{language}\n{code.rstrip()}\n```"
    return f"Here is the fixed code:\n\n{block}\n\nThis removes the vulnerability." if prose else block


def labeled_code() -> list[dict[str, Any]]:
    """The LLMSecureCode records, or skip the test when ../shared/data is absent."""
    if not LABELED_CODE.is_file():
        pytest.skip(f"research data not found at {LABELED_CODE}")
    with LABELED_CODE.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def rq3_pairs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(first generation, its single-round repair) pairs: rq1 piece and rq3 record of the same
    task and generator."""
    records = labeled_code()
    firsts = {
        (r["task_id"], r["generator"]): r for r in records if r["stage"] == "rq1"
    }
    return [
        (firsts[(r["task_id"], r["generator"])], r)
        for r in records
        if r["stage"] == "rq3" and (r["task_id"], r["generator"]) in firsts
    ]
