"""The SecurityEval tasks: from a local file, or downloaded at a pinned commit and cached.

Two shapes load: upstream's ``dataset.jsonl`` (``ID``, ``Prompt``, ``Insecure_code``) and the
reshaped copy our CI reads (``task_id``, ``prompt``, ``insecure_code``, ``cwe``,
``codeql_covered_rq4``). The dataset states no licence: it is never shipped, only fetched.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from vulnloop.api import ConfigError
from vulnloop.bench.records import parse_jsonl

SECURITYEVAL_REPO = "s2e-lab/SecurityEval"
SECURITYEVAL_COMMIT = "6f4fb70f782c6d47b02ea24341e8ef8c1eb04a6a"
SECURITYEVAL_URL = (
    f"https://raw.githubusercontent.com/{SECURITYEVAL_REPO}/{SECURITYEVAL_COMMIT}/dataset.jsonl"
)
# The sha256 of dataset.jsonl's bytes at SECURITYEVAL_COMMIT. None: the file could not be fetched
# where this was written, so its bytes were never hashed. The download is trusted through
# SECURITYEVAL_CONTENT_SHA256 instead; ``--dataset-sha256`` pins the bytes explicitly.
SECURITYEVAL_SHA256: str | None = None
# tasks_digest() of the 121 tasks at SECURITYEVAL_COMMIT, computed offline from the reshaped copy
# of that commit's dataset.jsonl (../shared/data/securityeval/tasks.jsonl). Unless the bytes are
# pinned, every download from SECURITYEVAL_URL, and every read of its cache, must parse to tasks
# with this digest. The byte sha256 of the accepted file is recorded beside the cache.
SECURITYEVAL_CONTENT_SHA256 = "244e533a764b672156de63a029bb62a988f8df9642906329d2b03a90c7b8f4a5"
SECURITYEVAL_TASKS = 121

# The CWE folders of CodeQL's Python security queries (codeql/python-queries 0.9.8, the paper's
# RQ4 setup): tasks of these CWEs are the 67 "CodeQL-covered" tasks of the iterative experiment.
CODEQL_COVERED_CWES = frozenset(
    {20, 22, 78, 79, 89, 90, 94, 116, 117, 209, 215, 285, 295, 312, 326, 327, 352, 377, 502,
     601, 611, 643, 730, 732, 776, 798, 918, 943}
)

TASK_SELECTIONS = ("all", "codeql-covered")
_TASK_ID = re.compile(r"^(CWE-\d+)[/_](.+?)(?:\.py)?$")


@dataclass(frozen=True)
class Task:
    """One SecurityEval task: the prompt to complete and the CWE it is about."""

    task_id: str  # "CWE-089/author_1"
    cwe: str  # "CWE-089"
    prompt: str
    insecure_code: str = ""
    codeql_covered: bool = False

    @property
    def cwe_id(self) -> int:
        return int(self.cwe.split("-", 1)[1])

    @property
    def path(self) -> str:
        """The file name the generated code gets: the task id, so replays can find it again."""
        return f"{self.task_id}.py"


def task_id_of_path(path: str) -> str:
    return path[:-3] if path.endswith(".py") else path


def _normal_task_id(raw: str) -> tuple[str, str]:
    match = _TASK_ID.match(raw.strip())
    if match is None:
        raise ValueError(f"not a SecurityEval task id: {raw!r}")
    cwe = match.group(1)
    return f"{cwe}/{match.group(2)}", cwe


def task_from_row(row: Mapping[str, object]) -> Task:
    """A task from either shape of row (raises ValueError when it is neither)."""
    raw_id = row.get("task_id", row.get("ID"))
    prompt = row.get("prompt", row.get("Prompt"))
    if not isinstance(raw_id, str) or not isinstance(prompt, str):
        raise ValueError("a task needs task_id/ID and prompt/Prompt strings")
    task_id, cwe = _normal_task_id(raw_id)
    insecure = row.get("insecure_code", row.get("Insecure_code", ""))
    covered = row.get("codeql_covered_rq4")
    task = Task(task_id, cwe, prompt, insecure if isinstance(insecure, str) else "")
    is_covered = covered if isinstance(covered, bool) else task.cwe_id in CODEQL_COVERED_CWES
    return Task(task.task_id, task.cwe, task.prompt, task.insecure_code, is_covered)


def parse_tasks(text: str, *, origin: str) -> list[Task]:
    tasks: list[Task] = []
    seen: set[str] = set()
    for number, task in parse_jsonl(text, origin=origin, what="SecurityEval task", convert=task_from_row):
        if task.task_id in seen:
            raise ConfigError(f"{origin}:{number}: task {task.task_id} appears twice")
        seen.add(task.task_id)
        tasks.append(task)
    if not tasks:
        raise ConfigError(f"{origin}: holds no tasks")
    return tasks


def tasks_digest(tasks: Iterable[Task]) -> str:
    """The sha256 of what the tasks say, whatever the file's formatting.

    Hashes the canonical JSON of the sorted ``[task_id, prompt, insecure_code]`` triples. The task
    id is already normalised by task_from_row (``CWE-089_author_1.py`` and ``CWE-089/author_1``
    agree), and JSON decoding has already absorbed key order, whitespace between tokens, string
    escapes and the file's line endings. Prompt and code are hashed exactly as decoded, with no
    stripping, line-ending or Unicode normalisation: they are what a model is sent and what is
    scanned, so a changed trailing space, ``\\r\\n`` or code point inside them is a changed task.
    Fields only our reshaped copy has (``cwe``, ``codeql_covered_rq4``) are derived, so left out.
    """
    rows = sorted([t.task_id, t.prompt, t.insecure_code] for t in tasks)
    canonical = json.dumps(rows, ensure_ascii=True, separators=(",", ":"))
    return sha256_hex(canonical.encode("ascii"))


def select_tasks(tasks: Sequence[Task], selection: str) -> list[Task]:
    """``all``, ``codeql-covered``, or a comma-separated list of task ids."""
    if selection == "all":
        return list(tasks)
    if selection == "codeql-covered":
        return [t for t in tasks if t.codeql_covered]
    wanted = [part.strip() for part in selection.split(",") if part.strip()]
    by_id = {t.task_id: t for t in tasks}
    missing = [w for w in wanted if w not in by_id]
    if missing or not wanted:
        raise ConfigError(
            f"--tasks: unknown task {missing[0] if missing else selection!r}; "
            "use all, codeql-covered or task ids such as CWE-089/author_1"
        )
    return [by_id[w] for w in dict.fromkeys(wanted)]


# -- download and cache ------------------------------------------------------------------------
def default_dataset_cache(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/vulnloop/securityeval``, else ``~/.cache/vulnloop/securityeval``."""
    environ = os.environ if env is None else env
    base = environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "vulnloop" / "securityeval"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


Fetcher = Callable[[str, float], bytes]


def http_get(url: str, timeout: float) -> bytes:
    """GET over http(s) only: a URL is never allowed to read a local file (file:) or anything else."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise ValueError(f"only http(s) URLs are fetched, not {url!r}")
    with urllib.request.build_opener().open(url, timeout=timeout) as response:
        data: bytes = response.read()
    return data


@dataclass(frozen=True)
class Download:
    path: Path
    sha256: str
    data: bytes = field(repr=False)  # the bytes checked: parse these, not the path again
    note: str = ""


def fetch_dataset(
    *,
    url: str = SECURITYEVAL_URL,
    expected_sha256: str | None = SECURITYEVAL_SHA256,
    expected_content_sha256: str | None = SECURITYEVAL_CONTENT_SHA256,
    cache_dir: Path | None = None,
    fetch: Fetcher = http_get,
    timeout: float = 60.0,
) -> Download:
    """The cached dataset file, downloading it first when absent, and checked before use.

    A pinned byte sha256 (``expected_sha256``) decides alone. Without one, a file from
    SECURITYEVAL_URL must hold tasks whose tasks_digest() is ``expected_content_sha256``; any
    other URL falls back to trusting its first download's recorded sha256.
    """
    directory = (cache_dir or default_dataset_cache()) / _cache_name(url)
    target = directory / "dataset.jsonl"
    recorded = directory / "dataset.jsonl.sha256"
    pinned = expected_sha256.lower() if expected_sha256 else None
    content_pin = _content_pin(url, pinned, expected_content_sha256)
    wanted = pinned or (None if content_pin else _read_recorded(recorded))
    if target.is_file():
        cached = target.read_bytes()
        digest = sha256_hex(cached)
        if content_pin is not None:
            trusted = _content_digest(cached, origin=str(target))[0] == content_pin
        else:
            trusted = wanted is None or digest == wanted
        if trusted:
            return Download(target, digest, data=cached)  # from the cache
        # A damaged or replaced cache entry: fetch it again rather than trust it.
    data = _download(url, fetch, timeout)
    digest = sha256_hex(data)
    note = ""
    if content_pin is not None:
        _check_content(data, url=url, byte_sha256=digest, expected=content_pin)
        note = f"checked the tasks from {url} against the pinned content digest; recorded sha256 {digest}"
    elif wanted is None:
        note = (
            f"no pinned sha256 for {url}: recorded {digest} on first download; "
            "later runs must match it (pass --dataset-sha256 to pin one)"
        )
    elif digest != wanted:
        origin = "expected" if pinned else "recorded at the first download"
        raise ConfigError(
            f"the SecurityEval dataset from {url} has sha256 {digest}, {origin} {wanted}: "
            "refusing to use it (the file changed or the download was tampered with)"
        )
    _write_atomically(target, data)
    _write_atomically(recorded, (digest + "\n").encode("ascii"))
    return Download(target, digest, data, note=note)


def _content_pin(url: str, pinned_bytes: str | None, content_sha256: str | None) -> str | None:
    """The content digest to enforce: only for SecurityEval's own URL, and only without a byte pin."""
    if pinned_bytes is not None or url != SECURITYEVAL_URL or not content_sha256:
        return None
    return content_sha256.lower()


def _download(url: str, fetch: Fetcher, timeout: float) -> bytes:
    try:
        return fetch(url, timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigError(
            f"cannot download the SecurityEval dataset from {url}: {reason}. "
            "Pass --dataset PATH to a local copy of dataset.jsonl (or a tasks.jsonl) instead."
        ) from None


def _content_digest(data: bytes, *, origin: str) -> tuple[str | None, str]:
    """(tasks_digest of the file, "") or (None, why it does not parse)."""
    try:
        return tasks_digest(parse_tasks(data.decode("utf-8"), origin=origin)), ""
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 ({exc})"
    except ConfigError as exc:
        return None, str(exc)


def _check_content(data: bytes, *, url: str, byte_sha256: str, expected: str) -> None:
    got, problem = _content_digest(data, origin=url)
    if got == expected:
        return
    found = f"content sha256 {got}" if got else f"no tasks that parse ({problem})"
    raise ConfigError(
        f"the SecurityEval dataset from {url} holds different tasks than commit "
        f"{SECURITYEVAL_COMMIT}: {found}, expected content sha256 {expected}; refusing to use it "
        "(the file changed or the download was tampered with). Pass --dataset PATH to a copy you "
        f"trust, or, if you have checked this file yourself, --dataset-sha256 {byte_sha256} to pin "
        "its bytes instead."
    )


def _cache_name(url: str) -> str:
    if url == SECURITYEVAL_URL:
        return SECURITYEVAL_COMMIT
    return "url-" + sha256_hex(url.encode("utf-8"))[:16]


def _read_recorded(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip().lower()
    except (OSError, UnicodeDecodeError):
        return None
    return text if re.fullmatch(r"[0-9a-f]{64}", text) else None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Dataset:
    tasks: tuple[Task, ...]
    source: str  # the path read, or the URL downloaded
    sha256: str
    notes: tuple[str, ...] = ()


def load_dataset(
    spec: str,
    *,
    sha256: str | None = None,
    cache_dir: Path | None = None,
    url: str = SECURITYEVAL_URL,
    fetch: Fetcher = http_get,
    content_sha256: str | None = SECURITYEVAL_CONTENT_SHA256,
) -> Dataset:
    """``securityeval`` (download at the pinned commit, cached) or a path to a JSONL file.

    ``sha256`` pins the file's hash (the default for the download is ``SECURITYEVAL_SHA256``).
    Without a byte hash, a download from SECURITYEVAL_URL must match ``content_sha256``.
    """
    if spec == "securityeval":
        download = fetch_dataset(
            url=url, expected_sha256=sha256 or SECURITYEVAL_SHA256,
            expected_content_sha256=content_sha256, cache_dir=cache_dir, fetch=fetch,
        )
        try:
            text = download.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{download.path}: not UTF-8 ({exc})") from None
        tasks = parse_tasks(text, origin=str(download.path))
        notes: tuple[str, ...] = (download.note,) if download.note else ()
        if len(tasks) != SECURITYEVAL_TASKS and url == SECURITYEVAL_URL:
            notes += (f"expected {SECURITYEVAL_TASKS} tasks at the pinned commit, found {len(tasks)}",)
        return Dataset(tuple(tasks), url, download.sha256, notes)
    path = Path(spec)
    if not path.is_file():
        raise ConfigError(
            f"--dataset {spec}: no such file; give a path to dataset.jsonl or tasks.jsonl, "
            "or --dataset securityeval to download it"
        )
    data = path.read_bytes()
    digest = sha256_hex(data)
    if sha256 and digest != sha256.lower():
        raise ConfigError(f"--dataset {spec}: sha256 is {digest}, expected {sha256.lower()}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--dataset {spec}: not UTF-8 ({exc})") from None
    return Dataset(tuple(parse_tasks(text, origin=spec)), str(path), digest)


def task_ids(tasks: Iterable[Task]) -> list[str]:
    return [t.task_id for t in tasks]
