"""The benchmark's files: JSON Lines inputs read with errors naming file and line, and results
kept as one JSON line per (run, strategy, task), appended as each task finishes, so an interrupted
run resumes and shards merge by concatenation. A results folder holds ``meta.json``,
``records.jsonl`` and the reports: ``results.json``, ``table.md``, ``flagged_by_round.png``.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, TypeVar

from vulnloop.api import ConfigError

RECORDS_FILE = "records.jsonl"
META_FILE = "meta.json"
RESULTS_FILE = "results.json"
TABLE_FILE = "table.md"
CHART_FILE = "flagged_by_round.png"
FORMAT = 1

# Settings two folders must share to be resumed or merged together (shards and runs may differ).
COMPARABLE = ("format", "kind", "dataset_sha256", "tasks", "generator", "fixer", "iterations", "strategies", "engines", "codemods")

Key = tuple[int, str, str]  # (run, strategy, task_id)


def record_key(record: Mapping[str, Any]) -> Key:
    return (int(record["run"]), str(record["strategy"]), str(record["task_id"]))


def read_records(directory: Path) -> list[dict[str, Any]]:
    """Every complete record; a later record with the same key replaces an earlier one, and a
    line cut short by an interruption is ignored."""
    path = directory / RECORDS_FILE
    if not path.is_file():
        return []
    latest: dict[Key, dict[str, Any]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
                latest[record_key(record)] = record
            except (ValueError, KeyError, TypeError):
                continue
    return list(latest.values())


def read_meta(directory: Path) -> dict[str, Any] | None:
    path = directory / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable benchmark metadata: {exc}") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{path}: unreadable benchmark metadata")
    return meta


def incompatibility(first: Mapping[str, Any], second: Mapping[str, Any]) -> str | None:
    for key in COMPARABLE:
        if first.get(key) != second.get(key):
            return f"{key} differs ({first.get(key)!r} vs {second.get(key)!r})"
    return None


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_text(json.dumps(value, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _drop_partial_line(path: Path) -> None:
    """Cut a last line left unfinished by an interruption, so the next record starts clean."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


class RecordStore:
    """Appends records to a folder's log, thread-safely; refuses a folder of another benchmark."""

    def __init__(self, directory: Path, meta: Mapping[str, Any]) -> None:
        self.directory = directory
        self.meta = dict(meta)
        self._lock = threading.Lock()
        existing = read_meta(directory)
        if existing is not None:
            problem = incompatibility(existing, self.meta)
            if problem:
                raise ConfigError(
                    f"{directory} holds results of another benchmark ({problem}): "
                    "choose another --out, or delete it to start over"
                )
        directory.mkdir(parents=True, exist_ok=True)
        write_json(directory / META_FILE, self.meta)
        _drop_partial_line(directory / RECORDS_FILE)
        self.records: dict[Key, dict[str, Any]] = {record_key(r): r for r in read_records(directory)}

    def update_meta(self, **values: Any) -> None:
        """Add figures computed after the run (e.g. the replay agreement) to ``meta.json``."""
        with self._lock:
            self.meta.update(values)
            write_json(self.directory / META_FILE, self.meta)

    def done(self, key: Key) -> bool:
        return key in self.records

    def get(self, key: Key) -> dict[str, Any] | None:
        return self.records.get(key)

    def append(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            with (self.directory / RECORDS_FILE).open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            self.records[record_key(record)] = dict(record)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.records.values())


def merge_folders(sources: Iterable[Path], target: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Union of the records of shard folders (or of partial runs) into ``target``."""
    metas: list[tuple[Path, dict[str, Any]]] = []
    merged: dict[Key, dict[str, Any]] = {}
    for source in sources:
        meta = read_meta(source)
        if meta is None:
            raise ConfigError(f"{source}: not a benchmark results folder (no {META_FILE})")
        if metas:
            problem = incompatibility(metas[0][1], meta)
            if problem:
                raise ConfigError(f"cannot merge {source} with {metas[0][0]}: {problem}")
        metas.append((source, meta))
        for record in read_records(source):
            merged[record_key(record)] = record
    if not metas:
        raise ConfigError("bench merge: name at least one results folder")
    meta = dict(metas[0][1])
    meta["shard"] = None
    meta["merged_from"] = [str(path) for path, _ in metas]
    meta["runs"] = max(int(m.get("runs", 1)) for _, m in metas)
    meta["notes"] = list(dict.fromkeys(n for _, m in metas for n in m.get("notes", [])))
    records = sorted(merged.values(), key=lambda r: (r["run"], r["strategy"], r["task_id"]))
    target.mkdir(parents=True, exist_ok=True)
    write_json(target / META_FILE, meta)
    temporary = target / f".{RECORDS_FILE}.part"
    with temporary.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(temporary, target / RECORDS_FILE)
    return meta, records


T = TypeVar("T")


def parse_jsonl(
    text: str, *, origin: str, what: str, convert: Callable[[dict[str, Any]], T]
) -> list[tuple[int, T]]:
    """(line number, ``convert(object)``) for each non-blank line. A line that is not a JSON object,
    or that ``convert`` rejects with ValueError, is an error naming the file and the line."""
    items: list[tuple[int, T]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            items.append((number, convert(row)))
        except ValueError as exc:
            raise ConfigError(f"{origin}:{number}: not a {what}: {exc}") from None
    return items
