"""Loading SecurityEval: both file shapes, the CodeQL-covered subset, and the cached download."""
from __future__ import annotations

import hashlib
import http.server
import json
import threading
from pathlib import Path
from typing import Iterator

import pytest
from bench_helpers import TASKS, write_tasks

from vulnloop.bench.dataset import (
    SECURITYEVAL_CONTENT_SHA256,
    SECURITYEVAL_URL,
    Task,
    load_dataset,
    parse_tasks,
    select_tasks,
    tasks_digest,
)
from vulnloop.errors import ConfigError


class _Served:
    def __init__(self) -> None:
        self.body = b""
        self.hits = 0


@pytest.fixture
def served() -> Iterator[tuple[_Served, str]]:
    """A real HTTP server on 127.0.0.1 serving ``state.body`` at /dataset.jsonl."""
    state = _Served()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:  # noqa: N802
            state.hits += 1
            if self.path != "/dataset.jsonl":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/dataset.jsonl"
    finally:
        server.shutdown()
        server.server_close()


def test_upstream_and_reshaped_files_load_the_same_tasks(tmp_path: Path) -> None:
    ours = load_dataset(str(write_tasks(tmp_path / "tasks.jsonl")))
    upstream = load_dataset(str(write_tasks(tmp_path / "dataset.jsonl", upstream=True)))
    assert [t.task_id for t in ours.tasks] == [t.task_id for t in upstream.tasks] == [t["task_id"] for t in TASKS]
    assert [t.prompt for t in ours.tasks] == [t.prompt for t in upstream.tasks]
    assert upstream.tasks[0].cwe == "CWE-502" and upstream.tasks[0].path == "CWE-502/t_1.py"
    # Upstream has no coverage column: it follows from the CWE (CWE-078 is covered by CodeQL).
    assert [t.codeql_covered for t in upstream.tasks] == [True, True, True, True, True]
    assert [t.codeql_covered for t in ours.tasks] == [True, True, True, True, False]


def test_the_derived_codeql_subset_is_the_papers_67_tasks(shared_data: Path) -> None:
    text = (shared_data / "securityeval" / "tasks.jsonl").read_text(encoding="utf-8")
    tasks = parse_tasks(text, origin="tasks.jsonl")
    assert len(tasks) == 121
    upstream_shaped = "\n".join(
        line.replace('"codeql_covered_rq4": true', '"x": 1').replace('"codeql_covered_rq4": false', '"x": 0')
        for line in text.splitlines()
    )
    derived = parse_tasks(upstream_shaped, origin="derived")
    assert [t.codeql_covered for t in derived] == [t.codeql_covered for t in tasks]
    assert len(select_tasks(tasks, "codeql-covered")) == 67


def test_task_selection_and_its_errors(tmp_path: Path) -> None:
    tasks = load_dataset(str(write_tasks(tmp_path / "tasks.jsonl"))).tasks
    assert [t.task_id for t in select_tasks(tasks, "CWE-327/t_3,CWE-502/t_1")] == ["CWE-327/t_3", "CWE-502/t_1"]
    with pytest.raises(ConfigError, match="unknown task 'CWE-999/x'"):
        select_tasks(tasks, "CWE-999/x")
    with pytest.raises(ConfigError, match="appears twice"):
        parse_tasks('{"ID": "CWE-020_a.py", "Prompt": "x"}\n{"ID": "CWE-020_a.py", "Prompt": "y"}', origin="f")
    with pytest.raises(ConfigError, match="f:1: not a SecurityEval task"):
        parse_tasks('{"ID": "nonsense", "Prompt": "x"}', origin="f")
    with pytest.raises(ConfigError, match="no such file"):
        load_dataset(str(tmp_path / "missing.jsonl"))


def test_download_checks_the_hash_and_caches(served: tuple[_Served, str], tmp_path: Path) -> None:
    state, url = served
    state.body = write_tasks(tmp_path / "up.jsonl", upstream=True).read_bytes()
    digest = hashlib.sha256(state.body).hexdigest()
    cache = tmp_path / "cache"
    first = load_dataset("securityeval", url=url, sha256=digest, cache_dir=cache)
    assert len(first.tasks) == len(TASKS) and first.sha256 == digest and state.hits == 1
    second = load_dataset("securityeval", url=url, sha256=digest, cache_dir=cache)
    assert state.hits == 1 and second.tasks == first.tasks  # served from the cache
    with pytest.raises(ConfigError, match="refusing to use it"):
        load_dataset("securityeval", url=url, sha256="0" * 64, cache_dir=tmp_path / "other")


def test_without_a_pinned_hash_the_first_download_is_recorded_and_enforced(
    served: tuple[_Served, str], tmp_path: Path
) -> None:
    state, url = served
    state.body = write_tasks(tmp_path / "up.jsonl", upstream=True).read_bytes()
    cache = tmp_path / "cache"
    first = load_dataset("securityeval", url=url, cache_dir=cache)
    assert any("recorded" in note for note in first.notes)
    [cached] = list(cache.glob("*/dataset.jsonl"))
    cached.write_bytes(cached.read_bytes() + b"\n")  # damaged or replaced on disk
    state.body = state.body.replace(b"pickle", b"pickled")  # and upstream now serves other bytes
    with pytest.raises(ConfigError, match="refusing to use it"):
        load_dataset("securityeval", url=url, cache_dir=cache)


def test_an_unreachable_dataset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot download the SecurityEval dataset.*--dataset PATH"):
        load_dataset("securityeval", url="http://127.0.0.1:9/dataset.jsonl", cache_dir=tmp_path)


# -- the content digest that SecurityEval's download is checked against -----------------------
class _Fetcher:
    """Stands in for http_get: serves ``body`` and counts the requests."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.calls: list[str] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.calls.append(url)
        return self.body


def _upstream_bytes(tasks_jsonl: str) -> bytes:
    """Our reshaped rows rendered in upstream's shape and formatted unlike either file: other key
    order, spaces around separators, ``\\/`` escapes, CRLF line endings and blank lines."""
    lines = []
    for line in tasks_jsonl.splitlines():
        row = json.loads(line)
        upstream = {"Insecure_code": row["insecure_code"], "Prompt": row["prompt"],
                    "ID": row.get("securityeval_id") or row["task_id"].replace("/", "_") + ".py"}
        text = json.dumps(upstream, ensure_ascii=False, separators=(" , ", " : "))
        lines.append(text.replace("/", "\\/"))  # "/" occurs only inside strings, where \/ means "/"
    return ("\r\n\r\n".join(lines) + "\r\n").encode("utf-8")


def _small_tasks_jsonl(tmp_path: Path) -> str:
    return write_tasks(tmp_path / "small.jsonl").read_text(encoding="utf-8")


def _one_prompt_character_changed(body: bytes) -> bytes:
    """One character of the first prompt changes: its first docstring quote becomes a backtick."""
    start = body.index(b'"Prompt" : "')
    changed = body[:start] + body[start:].replace(b"'''", b"''`", 1)
    assert changed != body and len(changed) == len(body)
    return changed


def _genuine_and_pin(tmp_path: Path) -> tuple[bytes, str]:
    """The small dataset as upstream writes it, and its content digest."""
    genuine = _upstream_bytes(_small_tasks_jsonl(tmp_path))
    return genuine, tasks_digest(parse_tasks(genuine.decode("utf-8"), origin="genuine"))


def test_the_content_digest_ignores_formatting_but_not_a_character(tmp_path: Path) -> None:
    text = _small_tasks_jsonl(tmp_path)
    ours = parse_tasks(text, origin="ours")
    upstream = parse_tasks(_upstream_bytes(text).decode("utf-8"), origin="up")
    assert tasks_digest(ours) == tasks_digest(upstream) == tasks_digest(reversed(upstream))
    first = ours[0]
    for changed in (
        Task(first.task_id, first.cwe, first.prompt + " ", first.insecure_code),
        Task(first.task_id, first.cwe, first.prompt.replace("\n", "\r\n"), first.insecure_code),
        Task(first.task_id, first.cwe, first.prompt, first.insecure_code.replace("pickle", "Pickle")),
        Task("CWE-502/t_9", first.cwe, first.prompt, first.insecure_code),
    ):
        assert tasks_digest([changed, *ours[1:]]) != tasks_digest(ours), changed
    assert tasks_digest(ours[1:]) != tasks_digest(ours)  # a missing task


def test_the_pinned_content_digest_is_the_shared_copys(shared_data: Path) -> None:
    path = shared_data / "securityeval" / "tasks.jsonl"
    text = path.read_text(encoding="utf-8")
    assert tasks_digest(parse_tasks(text, origin=str(path))) == SECURITYEVAL_CONTENT_SHA256
    upstream = _upstream_bytes(text)
    assert b'"task_id"' not in upstream and b'"ID" : "CWE-089_author_1.py"' in upstream
    assert tasks_digest(parse_tasks(upstream.decode("utf-8"), origin="upstream")) == SECURITYEVAL_CONTENT_SHA256


def test_a_download_with_other_content_is_refused(tmp_path: Path) -> None:
    genuine, pin = _genuine_and_pin(tmp_path)
    tampered = _one_prompt_character_changed(genuine)
    tampered_bytes = hashlib.sha256(tampered).hexdigest()
    cache = tmp_path / "cache"
    with pytest.raises(ConfigError) as refused:
        load_dataset("securityeval", cache_dir=cache, fetch=_Fetcher(tampered), content_sha256=pin)
    got = tasks_digest(parse_tasks(tampered.decode("utf-8"), origin="tampered"))
    for part in (SECURITYEVAL_URL, f"content sha256 {got}", f"expected content sha256 {pin}",
                 "--dataset PATH", f"--dataset-sha256 {tampered_bytes}"):
        assert part in str(refused.value)
    assert not list(cache.rglob("dataset.jsonl*"))  # nothing refused is cached
    with pytest.raises(ConfigError, match="no tasks that parse"):
        load_dataset("securityeval", cache_dir=cache, fetch=_Fetcher(b"<html>busy</html>"), content_sha256=pin)
    # An explicit byte pin (--dataset-sha256) still decides alone, as before.
    pinned = load_dataset("securityeval", sha256=tampered_bytes, cache_dir=cache, fetch=_Fetcher(tampered),
                          content_sha256=pin)
    assert pinned.sha256 == tampered_bytes and pinned.tasks[0].prompt.count("''`") == 1


def test_a_matching_download_is_cached_and_a_tampered_cache_is_not_trusted(tmp_path: Path) -> None:
    genuine, pin = _genuine_and_pin(tmp_path)
    cache, fetcher = tmp_path / "cache", _Fetcher(genuine)
    first = load_dataset("securityeval", cache_dir=cache, fetch=fetcher, content_sha256=pin)
    assert [t.task_id for t in first.tasks] == [t["task_id"] for t in TASKS] and len(fetcher.calls) == 1
    assert first.sha256 == hashlib.sha256(genuine).hexdigest()
    assert any("content digest" in note for note in first.notes)
    [cached] = list(cache.glob("*/dataset.jsonl"))
    assert (cached.parent / "dataset.jsonl.sha256").read_text(encoding="ascii").strip() == first.sha256
    assert load_dataset("securityeval", cache_dir=cache, fetch=fetcher, content_sha256=pin).tasks == first.tasks
    assert len(fetcher.calls) == 1  # served from the cache

    cached.write_bytes(_one_prompt_character_changed(genuine))  # tampered on disk
    again = load_dataset("securityeval", cache_dir=cache, fetch=fetcher, content_sha256=pin)
    assert len(fetcher.calls) == 2 and again.tasks == first.tasks and cached.read_bytes() == genuine
    cached.write_bytes(_one_prompt_character_changed(genuine))
    fetcher.body = _one_prompt_character_changed(genuine)  # and the network now serves the same change
    with pytest.raises(ConfigError, match="refusing to use it"):
        load_dataset("securityeval", cache_dir=cache, fetch=fetcher, content_sha256=pin)


def test_the_real_pin_accepts_upstreams_shape_and_refuses_one_changed_character(
    shared_data: Path, tmp_path: Path
) -> None:
    genuine = _upstream_bytes((shared_data / "securityeval" / "tasks.jsonl").read_text(encoding="utf-8"))
    cache = tmp_path / "cache"
    with pytest.raises(ConfigError, match=f"expected content sha256 {SECURITYEVAL_CONTENT_SHA256}"):
        load_dataset("securityeval", cache_dir=cache, fetch=_Fetcher(_one_prompt_character_changed(genuine)))
    fetcher = _Fetcher(genuine)
    dataset = load_dataset("securityeval", cache_dir=cache, fetch=fetcher)  # the pinned constant
    assert len(dataset.tasks) == 121 and len(select_tasks(dataset.tasks, "codeql-covered")) == 67
    assert dataset.source == SECURITYEVAL_URL and fetcher.calls == [SECURITYEVAL_URL]
    [cached] = list(cache.glob("*/dataset.jsonl"))
    cached.write_bytes(_one_prompt_character_changed(genuine))
    assert load_dataset("securityeval", cache_dir=cache, fetch=fetcher).tasks == dataset.tasks
    assert len(fetcher.calls) == 2  # the tampered cache was fetched again, not trusted
