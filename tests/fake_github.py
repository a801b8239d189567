"""A small stateful GitHub REST server for tests, on 127.0.0.1, checked against GitHub's own API description.

It serves one pull request whose files and patches come from two real commits of a real git
repository, records the reviews posted to it, and applies the rules GitHub enforces on review
comments that the OpenAPI description cannot express (HTTP 422 for the whole review when one
comment is bad): a comment's lines must be part of the diff on its side, ``side`` is LEFT or RIGHT,
``start_line`` comes before ``line`` in the same hunk, the path is a file of the pull request.

Every request it receives and every response it sends is validated with openapi-core against
``tests/data/github_openapi_subset.json`` (extracted from @octokit/openapi by
``scripts/extract_openapi.py``); mismatches are collected in ``server.problems``, which a test
asserts empty::

    with FakeGitHub(repo_dir, base=base_sha, head=head_sha) as gh:
        ... run the action with GITHUB_API_URL=gh.base_url ...
        assert gh.problems == []
        assert gh.reviews[0]["comments"][0]["line"] == 5
"""
from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
import threading
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

SPEC_PATH = Path(__file__).resolve().parent / "data" / "github_openapi_subset.json"
DOCS = "https://docs.github.com/rest"
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


# -- the API description ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


# Where GitHub's description is known to be stricter than GitHub itself. Real responses carry
# null in these fields (a single-line comment has no start_side; an outdated comment has no line;
# a comment made with line/side has no position; github/rest-api-description#5568), but the
# OpenAPI 3.0 rendering lists an enum without null or a plain integer. Only these are relaxed.
_NULLABLE_IN_PRACTICE = {
    "pull-request-review-comment": ("line", "original_line", "position", "original_position", "start_side"),
}


def _relaxed(spec: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    for schema_name, fields in _NULLABLE_IN_PRACTICE.items():
        properties = out["components"]["schemas"][schema_name]["properties"]
        for name in fields:
            properties[name]["nullable"] = True
            if "enum" in properties[name] and None not in properties[name]["enum"]:
                properties[name]["enum"] = [*properties[name]["enum"], None]
    return out


@lru_cache(maxsize=1)
def _openapi() -> Any:
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(_relaxed(_spec()))


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = _spec()
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def example(schema: Mapping[str, Any], depth: int = 0) -> Any:
    """The smallest value valid for ``schema``: required properties only, first enum member."""
    if "$ref" in schema:
        return example(_resolve(schema["$ref"]), depth)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(part, depth)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    if "oneOf" in schema or "anyOf" in schema:
        return example((schema.get("oneOf") or schema["anyOf"])[0], depth)
    if schema.get("nullable") and depth > 0:
        return None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props.get(name, {}), depth + 1) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2024-05-01T12:00:00Z"
    if fmt == "uri":
        return "https://github.com/octo-org/demo"
    if fmt == "email":
        return "octocat@example.com"
    return "x"


def _schema(name: str) -> dict[str, Any]:
    return _spec()["components"]["schemas"][name]


def _deep_update(target: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


class _OARequest:
    """openapi-core's Request protocol over one HTTP request this server received."""

    def __init__(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = "https://api.github.com"  # the server our fake stands in for
        self.path = path
        self.method = method.lower()
        self.body = body or None
        self.content_type = headers.get("Content-Type", "application/json").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
            header=Headers(list(headers.items())),
        )


class _OAResponse:
    def __init__(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.headers = Headers(list(headers.items()))
        self.content_type = headers.get("Content-Type", "application/json")
        self.data = data


def _describe(exc: Exception) -> str:
    causes = []
    current: BaseException | None = exc
    while current is not None and len(causes) < 4:
        text = str(current).strip().splitlines()[0] if str(current).strip() else type(current).__name__
        causes.append(text[:300])
        schema_errors = getattr(current, "schema_errors", None)
        if schema_errors:
            causes.extend(f"{list(e.path)}: {e.message}"[:300] for e in list(schema_errors)[:3])
        current = current.__cause__ or current.__context__
    return " <- ".join(causes)


# -- the pull request, from real commits --------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@dataclass
class PrFile:
    filename: str
    status: str
    sha: str | None
    additions: int
    deletions: int
    patch: str | None
    previous_filename: str | None = None
    right: dict[int, int] = field(default_factory=dict)  # head line -> hunk index
    left: dict[int, int] = field(default_factory=dict)  # base line -> hunk index


def _parse_hunks(patch: str) -> tuple[dict[int, int], dict[int, int]]:
    right: dict[int, int] = {}
    left: dict[int, int] = {}
    hunk = -1
    old = new = 0
    for line in patch.splitlines():
        match = HUNK.match(line)
        if match:
            hunk += 1
            old, new = int(match.group(1)), int(match.group(3))
            continue
        if hunk < 0 or line.startswith("\\"):
            continue
        if line.startswith("+"):
            right[new] = hunk
            new += 1
        elif line.startswith("-"):
            left[old] = hunk
            old += 1
        else:
            right[new] = hunk
            left[old] = hunk
            old += 1
            new += 1
    return right, left


def pull_request_files(repo: Path, base: str, head: str) -> list[PrFile]:
    """The files of base...head as GitHub lists them: status, blob sha, counts and hunks-only patch."""
    import unidiff

    merge_base = _git(repo, "merge-base", base, head).strip()
    raw = _git(repo, "diff", "--raw", "-z", "--find-renames", "--no-abbrev", merge_base, head)
    full = _git(repo, "diff", "--find-renames", "--no-color", "--no-ext-diff", "-U3", merge_base, head)
    patches: dict[str, str] = {}
    counts: dict[str, tuple[int, int]] = {}
    for patched in unidiff.PatchSet(full):
        name = (patched.source_file if patched.is_removed_file else patched.target_file)[2:]
        patches[name] = "".join(str(hunk) for hunk in patched).rstrip("\n")  # GitHub: no final newline
        counts[name] = (patched.added, patched.removed)
    fields = raw.split("\0")
    files: list[PrFile] = []
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].split()
        status_letter = meta[4][0]
        if status_letter in "RC":
            old_path, path = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old_path, path = fields[i + 1], fields[i + 1]
            i += 2
        status = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}[status_letter]
        patch = patches.get(path) or None
        additions, deletions = counts.get(path, (0, 0))
        sha = meta[3] if status != "removed" else meta[2]
        entry = PrFile(path, status, sha, additions, deletions, patch, old_path if status == "renamed" else None)
        if patch:
            entry.right, entry.left = _parse_hunks(patch)
        files.append(entry)
    return files


# -- the server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def _error(status: int, message: str, errors: list[Any] | None = None) -> _Reply:
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS}
    if errors is not None:
        body["errors"] = errors
    return _Reply(status, body)


class FakeGitHub:
    """One repository with one open pull request, served over real HTTP on 127.0.0.1."""

    def __init__(
        self,
        repo: Path,
        *,
        base: str,
        head: str,
        owner: str = "octo-org",
        name: str = "demo",
        number: int = 7,
        token: str = "ghs_testtoken",
        read_only: bool = False,
        omit_patch: Mapping[str, bool] | tuple[str, ...] = (),
        max_files: int = 3000,
        reject_comment: Callable[[Mapping[str, Any]], str | None] | None = None,
        reject_review: Callable[[Mapping[str, Any]], str | None] | None = None,
        throttle_posts: int = 0,
        retry_after: str = "0",
        bot_login: str = "github-actions[bot]",
        token_user: str | None = None,
        validate: bool = True,
    ) -> None:
        self.repo_dir = repo
        self.owner, self.name, self.number = owner, name, number
        self.token = token
        self.read_only = read_only
        self.omit_patch = set(omit_patch)
        self.max_files = max_files
        self.reject_comment = reject_comment
        self.reject_review = reject_review  # a refusal of a submitted review as a whole, never of a probe
        self.throttle_posts = throttle_posts
        self.retry_after = retry_after
        self.bot_login = bot_login
        # None: the token is the workflow's GITHUB_TOKEN (it posts as the bot and may not call
        # GET /user); a login: a personal access token of that user, who then authors the reviews.
        self.token_user = token_user
        self.validate = validate  # False only for benchmarks: GitHub's own checks still apply
        self.base_sha = _git(repo, "rev-parse", base).strip()
        self.head_sha = ""
        self.files: list[PrFile] = []
        self.reviews: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._next_id = 1000
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.set_head(head)

    # -- state ---------------------------------------------------------------------------------

    def set_head(self, head: str) -> None:
        """Move the pull request's head (a ``synchronize``): earlier comments whose line changed go outdated."""
        new_head = _git(self.repo_dir, "rev-parse", head).strip()
        with self._lock:
            old_head = self.head_sha
            self.head_sha = new_head
            self.files = pull_request_files(self.repo_dir, self.base_sha, new_head)
            if old_head:
                for comment in self.comments:
                    comment["line"] = self._carried_line(comment, old_head, new_head)
                    if comment["line"] is None:
                        comment["start_line"] = None

    def _carried_line(self, comment: Mapping[str, Any], old_head: str, new_head: str) -> int | None:
        line = comment.get("line")
        if line is None or comment.get("side") != "RIGHT":
            return None
        try:
            old_text = _git(self.repo_dir, "show", f"{old_head}:{comment['path']}").splitlines()
            new_text = _git(self.repo_dir, "show", f"{new_head}:{comment['path']}").splitlines()
        except subprocess.CalledProcessError:
            return None
        in_diff = any(f.filename == comment["path"] and line in f.right for f in self.files)
        same = line <= len(old_text) and line <= len(new_text) and old_text[line - 1] == new_text[line - 1]
        return line if same and in_diff else None

    @property
    def submitted_reviews(self) -> list[dict[str, Any]]:
        return [r for r in self.reviews if r["state"] != "PENDING"]

    def comments_of(self, review: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["pull_request_review_id"] == review["id"]]

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGitHub:
        if self.validate:
            _openapi()  # load the description before the first request, not during it
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- URLs and objects ----------------------------------------------------------------------

    @property
    def repo_url(self) -> str:
        return f"{self.base_url}/repos/{self.owner}/{self.name}"

    @property
    def pull_url(self) -> str:
        return f"{self.repo_url}/pulls/{self.number}"

    def _user(self, login: str | None = None) -> dict[str, Any]:
        user = example(_schema("simple-user"))
        if login is None or login == self.bot_login:
            return _deep_update(user, {"login": self.bot_login, "id": 41898282, "type": "Bot"})
        return _deep_update(user, {"login": login, "id": 583231, "type": "User"})

    def add_comment_by(self, login: str, path: str, line: int, body: str) -> None:
        """A review comment by someone else (a person commenting on the pull request)."""
        with self._lock:
            review = {"id": self._new_id(), "body": "", "event": "COMMENT", "state": "COMMENTED",
                      "commit_id": self.head_sha, "login": login}
            self.reviews.append(review)
            self.comments.append({
                "id": self._new_id(), "pull_request_review_id": review["id"], "path": path, "body": body,
                "line": line, "original_line": line, "start_line": None, "original_start_line": None,
                "side": "RIGHT", "start_side": None, "commit_id": self.head_sha,
                "original_commit_id": self.head_sha, "diff_hunk": self._diff_hunk(path, line), "login": login,
            })

    def _file_json(self, f: PrFile) -> dict[str, Any]:
        blob = f"https://github.com/{self.owner}/{self.name}/blob/{self.head_sha}/{urllib.parse.quote(f.filename)}"
        out: dict[str, Any] = {
            "sha": f.sha,
            "filename": f.filename,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.additions + f.deletions,
            "blob_url": blob,
            "raw_url": blob.replace("/blob/", "/raw/"),
            "contents_url": f"{self.repo_url}/contents/{urllib.parse.quote(f.filename)}?ref={self.head_sha}",
        }
        if f.patch is not None and f.filename not in self.omit_patch:
            out["patch"] = f.patch
        if f.previous_filename:
            out["previous_filename"] = f.previous_filename
        return out

    def _review_json(self, review: Mapping[str, Any]) -> dict[str, Any]:
        out = example(_schema("pull-request-review"))
        html = f"https://github.com/{self.owner}/{self.name}/pull/{self.number}#pullrequestreview-{review['id']}"
        _deep_update(out, {
            "id": review["id"],
            "node_id": f"PRR_{review['id']}",
            "user": self._user(review.get("login")),
            "body": review["body"],
            "state": review["state"],
            "commit_id": review["commit_id"],
            "html_url": html,
            "pull_request_url": self.pull_url,
            "_links": {"html": {"href": html}, "pull_request": {"href": self.pull_url}},
            "author_association": "NONE",
        })
        if review["state"] != "PENDING":
            out["submitted_at"] = "2024-05-01T12:00:00Z"
        return out

    def _comment_json(self, comment: Mapping[str, Any]) -> dict[str, Any]:
        out = example(_schema("pull-request-review-comment"))
        html = f"https://github.com/{self.owner}/{self.name}/pull/{self.number}#discussion_r{comment['id']}"
        url = f"{self.repo_url}/pulls/comments/{comment['id']}"
        _deep_update(out, {
            "url": url,
            "id": comment["id"],
            "node_id": f"PRRC_{comment['id']}",
            "pull_request_review_id": comment["pull_request_review_id"],
            "diff_hunk": comment["diff_hunk"],
            "path": comment["path"],
            "commit_id": comment["commit_id"],
            "original_commit_id": comment["original_commit_id"],
            "user": self._user(comment.get("login")),
            "body": comment["body"],
            "html_url": html,
            "pull_request_url": self.pull_url,
            "author_association": "NONE",
            "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": self.pull_url}},
            "line": comment["line"],
            "original_line": comment["original_line"],
            "side": comment["side"],
            "start_line": comment["start_line"],
            "original_start_line": comment["original_start_line"],
            "start_side": comment["start_side"],
            "position": None,
            "original_position": None,
        })
        return out

    # -- GitHub's rules for review comments ---------------------------------------------------------

    def _comment_problem(self, index: int, comment: Mapping[str, Any]) -> str | None:
        files = {f.filename: f for f in self.files}
        entry = files.get(str(comment.get("path")))
        if entry is None:
            return "Path could not be resolved"
        if "position" in comment:
            return "vulnloop never uses the deprecated 'position'; this fake does not accept it"
        if not str(comment.get("body", "")).strip():
            return "Body can't be blank"
        side = comment.get("side", "RIGHT")
        start_side = comment.get("start_side", side)
        if side not in ("LEFT", "RIGHT") or start_side not in ("LEFT", "RIGHT"):
            return "Side must be LEFT or RIGHT"
        line = comment.get("line")
        if not isinstance(line, int):
            return "Line could not be resolved"
        lines = entry.right if side == "RIGHT" else entry.left
        if line not in lines:
            return "Pull request review thread line must be part of the diff"
        start = comment.get("start_line")
        if start is not None:
            start_lines = entry.right if start_side == "RIGHT" else entry.left
            if not isinstance(start, int) or start >= line:
                return "Pull request review thread start line must precede the end line"
            if start not in start_lines:
                return "Pull request review thread start line must be part of the diff"
            if start_lines[start] != lines[line]:
                return "Pull request review thread start line must be part of the same hunk as the line."
        if self.reject_comment is not None:
            return self.reject_comment(comment)
        return None

    def _diff_hunk(self, path: str, line: int) -> str:
        entry = next(f for f in self.files if f.filename == path)
        assert entry.patch is not None
        chunks = re.split(r"(?m)^(?=@@ )", entry.patch)
        chunks = [c for c in chunks if c.startswith("@@")]
        index = entry.right.get(line, 0)
        return chunks[index].rstrip("\n")

    def _create_review(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        if self.read_only:
            raise _error(403, "Resource not accessible by integration")
        if self.throttle_posts > 0:
            self.throttle_posts -= 1
            raise _Reply(
                403,
                {"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", "documentation_url": DOCS},
                {"Retry-After": self.retry_after},
            )
        commit_id = payload.get("commit_id", self.head_sha)
        pr_commits = set(_git(self.repo_dir, "rev-list", f"{self.base_sha}..{self.head_sha}").split())
        if commit_id not in pr_commits:
            raise _error(422, "Unprocessable Entity", ["Commit could not be resolved"])
        event = payload.get("event")
        body = payload.get("body", "")
        if event in ("COMMENT", "REQUEST_CHANGES") and not body:
            raise _error(422, "Unprocessable Entity", ["Body is required for this event"])
        if len(body) > 65536:
            raise _error(422, "Unprocessable Entity", ["Body is too long (maximum is 65536 characters)"])
        comments = list(payload.get("comments", []))
        for index, comment in enumerate(comments):
            problem = self._comment_problem(index, comment)
            if problem:
                raise _error(422, "Unprocessable Entity", [problem])
        whole = self.reject_review(payload) if self.reject_review is not None and event is not None else None
        if whole:
            raise _error(422, "Unprocessable Entity", [whole])
        if event is None and any(r["state"] == "PENDING" for r in self.reviews):
            raise _error(422, "Unprocessable Entity", ["User can only have one pending review per pull request"])
        review = {
            "id": self._new_id(),
            "body": body,
            "event": event,
            "state": {"COMMENT": "COMMENTED", "APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}.get(str(event), "PENDING"),
            "commit_id": commit_id,
            "login": self.token_user,
        }
        self.reviews.append(review)
        for comment in comments:
            side = comment.get("side", "RIGHT")
            self.comments.append({
                "id": self._new_id(),
                "pull_request_review_id": review["id"],
                "path": comment["path"],
                "body": comment["body"],
                "line": comment["line"],
                "original_line": comment["line"],
                "start_line": comment.get("start_line"),
                "original_start_line": comment.get("start_line"),
                "side": side,
                "start_side": comment.get("start_side", side) if comment.get("start_line") else None,
                "commit_id": commit_id,
                "original_commit_id": commit_id,
                "diff_hunk": self._diff_hunk(comment["path"], comment["line"]) if side == "RIGHT" else "@@",
                "login": self.token_user,
            })
        return self._review_json(review)

    def _delete_review(self, review_id: int) -> dict[str, Any]:
        review = next((r for r in self.reviews if r["id"] == review_id), None)
        if review is None:
            raise _error(404, "Not Found")
        if review["state"] != "PENDING":
            raise _error(422, "Unprocessable Entity", ["Can not delete a non-pending pull request review"])
        self.reviews.remove(review)
        self.comments = [c for c in self.comments if c["pull_request_review_id"] != review_id]
        return self._review_json(review)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- routing -------------------------------------------------------------------------------

    def _paginate(self, items: list[Any], query: Mapping[str, str], path: str) -> _Reply:
        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max((len(items) + per_page - 1) // per_page, 1)
        links = []
        if page < last:
            links.append(f'<{self.base_url}{path}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{self.base_url}{path}?per_page={per_page}&page={last}>; rel="last"')
        return _Reply(200, chunk, {"Link": ", ".join(links)} if links else {})

    def handle(self, method: str, path: str, query: Mapping[str, str], body: Any) -> _Reply:
        prefix = f"/repos/{self.owner}/{self.name}"
        pull = f"{prefix}/pulls/{self.number}"
        with self._lock:
            if method == "GET" and path == "/user":
                return _Reply(200, self._authenticated_user())
            if method == "GET" and path == pull:
                return _Reply(200, self._pull_json())
            if method == "GET" and path == f"{pull}/files":
                return self._paginate([self._file_json(f) for f in self.files[: self.max_files]], query, path)
            if method == "GET" and path == f"{pull}/comments":
                return self._paginate([self._comment_json(c) for c in self.comments], query, path)
            if method == "GET" and path == f"{pull}/reviews":
                return self._paginate([self._review_json(r) for r in self.reviews], query, path)
            if method == "POST" and path == f"{pull}/reviews":
                return _Reply(200, self._create_review(body or {}))
            match = re.fullmatch(re.escape(pull) + r"/reviews/(\d+)", path)
            if method == "DELETE" and match:
                return _Reply(200, self._delete_review(int(match.group(1))))
            if method == "GET" and path.startswith(f"{prefix}/contents/"):
                return _Reply(200, self._contents(urllib.parse.unquote(path[len(prefix) + 10 :]), query.get("ref", self.head_sha)))
        raise _error(404, "Not Found")

    def _contents(self, file_path: str, ref: str) -> dict[str, Any]:
        try:
            data = subprocess.run(
                ["git", "-C", str(self.repo_dir), "show", f"{ref}:{file_path}"], check=True, capture_output=True
            ).stdout
            sha = _git(self.repo_dir, "rev-parse", f"{ref}:{file_path}").strip()
        except subprocess.CalledProcessError:
            raise _error(404, "Not Found") from None
        url = f"{self.repo_url}/contents/{urllib.parse.quote(file_path)}?ref={ref}"
        html = f"https://github.com/{self.owner}/{self.name}/blob/{ref}/{file_path}"
        git_url = f"{self.repo_url}/git/blobs/{sha}"
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": file_path.rsplit("/", 1)[-1],
            "path": file_path,
            "content": base64.encodebytes(data).decode("ascii"),
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html,
            "download_url": html.replace("/blob/", "/raw/"),
            "_links": {"self": url, "git": git_url, "html": html},
        }

    def _authenticated_user(self) -> dict[str, Any]:
        if self.token_user is None:  # what GitHub answers an installation token such as GITHUB_TOKEN
            raise _error(403, "Resource not accessible by integration")
        user = example(_schema("public-user"))
        return _deep_update(user, {"login": self.token_user, "id": 583231, "type": "User", "user_view_type": "public"})

    def _pull_json(self) -> dict[str, Any]:
        out = example(_schema("pull-request"))
        return _deep_update(out, {
            "url": self.pull_url,
            "number": self.number,
            "state": "open",
            "title": "A pull request",
            "head": {"sha": self.head_sha, "ref": "feature"},
            "base": {"sha": self.base_sha, "ref": "main"},
            "changed_files": len(self.files),
        })


def _make_handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def _serve(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()}
            query = dict(urllib.parse.parse_qsl(parsed.query))
            oa_request = _OARequest(self.command, parsed.path, parsed.query, headers, raw)
            auth = headers.get("Authorization", "")
            if auth not in (f"token {fake.token}", f"Bearer {fake.token}"):
                fake.problems.append(f"{self.command} {parsed.path}: missing or wrong token")
            body: Any = None
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                fake.problems.append(f"{self.command} {parsed.path}: body is not JSON")
            try:
                if fake.validate:
                    _openapi().validate_request(oa_request)
            except Exception as exc:  # any mismatch with GitHub's description is a test failure
                fake.problems.append(f"request {self.command} {parsed.path}: {_describe(exc)}")
            try:
                reply = fake.handle(self.command, parsed.path, query, body)
            except _Reply as error:
                reply = error
            except Exception as exc:  # a bug in the fake: answer, and make the test fail
                fake.problems.append(f"fake server error on {self.command} {parsed.path}: {exc!r}")
                reply = _Reply(500, {"message": "fake server error", "documentation_url": DOCS})
            data = json.dumps(reply.body).encode()
            out_headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
            try:
                if fake.validate:
                    _openapi().validate_response(oa_request, _OAResponse(reply.status, out_headers, data))
            except Exception as exc:
                fake.problems.append(f"response {reply.status} to {self.command} {parsed.path}: {_describe(exc)}")
            fake.requests.append(Recorded(self.command, parsed.path, query, body, reply.status))
            self.send_response(reply.status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    return Handler


def iter_hunk_lines(patch: str) -> Iterator[tuple[int, int]]:
    """(hunk index, head line) for every head line shown in a patch: for assertions in tests."""
    right, _ = _parse_hunks(patch)
    yield from ((hunk, line) for line, hunk in sorted(right.items()))
