"""Loading SecurityEval: both file shapes, the CodeQL-covered subset, and the cached download."""
from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest
from bench_helpers import TASKS, write_tasks

from vulnloop.bench.dataset import load_dataset, parse_tasks, select_tasks
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
