"""Shared SARIF test helpers: schema validation any test can call, fixtures, a fake `codeql`.

``assert_valid_sarif(log)`` checks a log against the SARIF 2.1.0 schema that
github/codeql-action validates uploads with (from ../shared/data, when present), plus the
rules upload-sarif enforces beyond the schema.
"""
from __future__ import annotations

import json
import math
import re
import stat
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SCHEMA_PATH = SHARED_DATA / "github" / "sarif-schema-2.1.0.json"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sarif"
FIXTURE_SOURCES = FIXTURES / "src"


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def assert_valid_sarif(log: Mapping[str, Any], *, require_schema: bool = False) -> None:
    """Fail with every problem listed when ``log`` is not SARIF that upload-sarif accepts.

    The schema check needs ../shared/data; without it only upload-sarif's own rules are
    checked, or the test is skipped when ``require_schema`` says the schema is its point.
    """
    problems: list[str] = []
    if SCHEMA_PATH.is_file():
        from jsonschema import Draft202012Validator

        problems += [
            f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
            for error in Draft202012Validator(_schema()).iter_errors(log)
        ]
    elif require_schema:
        pytest.skip("../shared/data/github/sarif-schema-2.1.0.json is not present")
    problems += _upload_problems(log)
    assert not problems, "invalid SARIF:\n" + "\n".join(problems[:30])


def _upload_problems(log: Mapping[str, Any]) -> list[str]:
    """What codeql-action's upload-sarif refuses although the schema allows it."""
    problems: list[str] = []
    if log.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    runs = log.get("runs") or []
    if not runs:
        problems.append("no runs")
    seen: set[tuple[str, str]] = set()
    for r, run in enumerate(runs):
        driver = run["tool"]["driver"]
        key = (driver.get("name", ""), run.get("automationDetails", {}).get("id", ""))
        if key in seen:
            problems.append(f"runs/{r}: tool {key[0]!r} and category {key[1]!r} repeat an earlier run")
        seen.add(key)
        rules = driver.get("rules", [])
        rule_ids = [rule["id"] for rule in rules]
        if len(rule_ids) != len(set(rule_ids)):
            problems.append(f"runs/{r}: duplicate rule ids")
        for rule in rules:
            score = rule.get("properties", {}).get("security-severity")
            if score is not None:
                try:
                    value = float(score)
                except ValueError:
                    value = math.nan
                if not 0.0 <= value <= 10.0:
                    problems.append(f"runs/{r}: rule {rule['id']}: security-severity {score!r} is not 0-10")
        for i, result in enumerate(run.get("results", [])):
            where = f"runs/{r}/results/{i}"
            if not result.get("ruleId"):
                problems.append(f"{where}: no ruleId")
            index = result.get("ruleIndex")
            if index is not None and (index >= len(rules) or rules[index]["id"] != result.get("ruleId")):
                problems.append(f"{where}: ruleIndex {index} does not name rule {result.get('ruleId')!r}")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: no message text")
            locations = result.get("locations", [])
            if not locations or len(locations) > 1000:
                problems.append(f"{where}: needs 1 to 1000 locations")
            for location in locations:
                artifact = location.get("physicalLocation", {}).get("artifactLocation", {})
                uri = artifact.get("uri", "")
                if not uri and "index" in artifact:  # a reference into run.artifacts
                    uri = run.get("artifacts", [])[artifact["index"]]["location"].get("uri", "")
                if not uri or urlsplit(uri).scheme not in ("", "file"):
                    problems.append(f"{where}: location uri {uri!r} is not a file path")
    return problems


def apply_replacements(text: str, replacements: Sequence[Mapping[str, Any]]) -> str:
    """Apply SARIF replacements as a consumer would (regions per SARIF 2.1.0 §3.30)."""
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text)  # SARIF's default line ends: \r\n and \n
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def line_length(number: int) -> int:  # without its newline
        return len(lines[number - 1].rstrip("\r\n"))

    spans: list[tuple[int, int, str]] = []
    for replacement in replacements:
        region = replacement["deletedRegion"]
        if "charOffset" in region:
            start, end = region["charOffset"], region["charOffset"] + region.get("charLength", 0)
        else:
            start_line, end_line = region["startLine"], region.get("endLine", region["startLine"])
            start = starts[start_line - 1] + region.get("startColumn", 1) - 1
            end_column = region.get("endColumn", line_length(end_line) + 1)
            end = starts[end_line - 1] + end_column - 1
        inserted = replacement.get("insertedContent", {}).get("text", "")
        spans.append((start, end, inserted))
    for start, end, inserted in sorted(spans, reverse=True):
        text = text[:start] + inserted + text[end:]
    return text


def fixture_log(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_sources() -> dict[str, str]:
    """The files the SARIF fixtures describe, by relative path."""
    return {
        path.relative_to(FIXTURE_SOURCES).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(FIXTURE_SOURCES.rglob("*.py"))
    }


# -- a fake `codeql` executable ---------------------------------------------------------------

_FAKE_CODEQL = '''\
#!{python}
"""A stand-in for the CodeQL CLI: checks its arguments, records them, writes SARIF."""
import json, os, shutil, sys, time
from pathlib import Path

here = Path(__file__).resolve().parent
config = json.loads((here / "fake_codeql.json").read_text())
args = sys.argv[1:]
with open(here / "calls.jsonl", "a") as log:
    record = {{"args": args, "env": sorted(os.environ)}}
    if args[:2] == ["database", "create"]:
        root = Path(args[args.index("--source-root") + 1])
        record["files"] = {{p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}}
    log.write(json.dumps(record) + "\\n")

def fail(step):
    sys.stderr.write(config.get("stderr", "A fatal error occurred: " + step + " failed") + "\\n")
    sys.exit(config.get("exit_code", 2))

if args[:1] == ["version"]:
    print(config.get("version", "2.20.4"))
    sys.exit(0)
if args[:2] == ["database", "create"]:
    if config.get("grandchild"):  # a child that keeps our output pipes open, like a JVM would
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    time.sleep(config.get("sleep_create", 0))
    if "--build-mode=none" in args and config.get("no_build_mode"):
        sys.stderr.write("Unknown option: '--build-mode=none'\\n")
        sys.exit(2)
    if config.get("fail") == "create":
        fail("create")
    assert "--language=python" in args and "--overwrite" in args, args
    Path(args[-1]).mkdir(parents=True, exist_ok=True)
    (Path(args[-1]) / "codeql-database.yml").write_text("primaryLanguage: python\\n")
    sys.exit(0)
if args[:2] == ["database", "analyze"]:
    if config.get("fail") == "analyze":
        fail("analyze")
    assert (Path(args[2]) / "codeql-database.yml").is_file(), "analyze before create"
    output = Path(args[args.index("--output") + 1])
    if config.get("garbage"):
        output.write_text("this is not SARIF")
    else:
        shutil.copyfile(config["sarif"], output)
    sys.exit(0)
sys.stderr.write("unexpected arguments: " + " ".join(args) + "\\n")
sys.exit(64)
'''


def install_fake_codeql(folder: Path, **config: Any) -> Path:
    """Write an executable ``codeql`` into ``folder`` whose behaviour ``config`` sets."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "codeql"
    script.write_text(_FAKE_CODEQL.format(python=sys.executable), encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (folder / "fake_codeql.json").write_text(json.dumps(config), encoding="utf-8")
    return script


def fake_codeql_calls(folder: Path) -> list[dict[str, Any]]:
    log = folder / "calls.jsonl"
    if not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]
