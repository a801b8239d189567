"""A local OpenAI-compatible chat server for tests: scripted answers over real HTTP on 127.0.0.1.

Use it with the real ``openai`` client (or any HTTP client)::

    from fake_openai import FakeOpenAI, answer, rate_limited

    with FakeOpenAI([rate_limited(retry_after=1), answer("```python\\nx = 1\\n```")]) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="test-key")
        ...
        assert len(server.requests) == 2
        assert server.requests[0].messages[0]["role"] == "system"

Replies come from a queue (``FakeOpenAI([...])``, ``server.add(...)``) or from a callable that
receives each :class:`RecordedRequest` and returns a :class:`Reply` (or a plain string, which is
the assistant's text). A queue that runs dry answers HTTP 400 naming the request, so a test that
makes one call too many fails loudly instead of hanging in retries.

``fake_openai_servers()`` is a context manager handing out started servers and closing them all
at its end; ``make_fake_openai`` wraps it as a pytest fixture (register it with
``pytest_plugins = ["fake_openai"]``, or define a three-line fixture around the context manager).
"""
from __future__ import annotations

import collections
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Iterator, Mapping, Union

import pytest


@dataclass(frozen=True)
class Reply:
    """What the server does with one request.

    ``text`` is the assistant message content (None sends ``"content": null``). ``status`` other
    than 200 sends an OpenAI-style error body with ``error_message``. ``delay`` waits that many
    seconds before answering; ``hang`` never answers (until the server closes or ``hang_limit``).
    ``body`` replaces the generated JSON body: a dict/list is sent as JSON, a str as raw bytes.
    Token counts default to a rough chars/4 estimate of the prompt and the answer.
    """

    text: str | None = ""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"
    error_message: str = ""
    body: Any = None


ReplyLike = Union[Reply, str]


def answer(text: str | None, **kwargs: Any) -> Reply:
    """A 200 answer whose assistant message is ``text``."""
    return Reply(text=text, **kwargs)


def rate_limited(retry_after: float | str | None = 1, **kwargs: Any) -> Reply:
    """HTTP 429, with a ``Retry-After`` header unless ``retry_after`` is None."""
    headers = dict(kwargs.pop("headers", {}))
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    kwargs.setdefault("error_message", "Rate limit reached for requests")
    return Reply(text=None, status=429, headers=headers, **kwargs)


def server_error(status: int = 500, message: str = "The server had an error", **kwargs: Any) -> Reply:
    return Reply(text=None, status=status, error_message=message, **kwargs)


def hang() -> Reply:
    """Accept the request and never answer: for client timeouts."""
    return Reply(text=None, hang=True)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; ``body`` is the parsed JSON (None if not JSON)."""

    index: int
    method: str
    path: str
    headers: Mapping[str, str]
    raw: bytes
    body: Any
    received_at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []

    @property
    def prompt_text(self) -> str:
        """All message contents joined: handy for 'is X in the prompt' assertions."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


Responder = Callable[[RecordedRequest], ReplyLike]


class FakeOpenAI:
    """A threaded HTTP server speaking enough of the OpenAI API for chat completions."""

    def __init__(
        self,
        replies: Iterable[ReplyLike] | Responder = (),
        *,
        model_names: Iterable[str] = ("fake-model",),
        hang_limit: float = 30.0,
    ) -> None:
        self._responder: Responder | None = replies if callable(replies) else None
        self._queue: collections.deque[ReplyLike] = collections.deque(
            () if callable(replies) else replies
        )
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._hang_limit = hang_limit
        self._model_names = tuple(model_names)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # wakes handlers that delay or hang
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- what tests use ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake OpenAI server is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give an OpenAI client (ends in ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def add(self, *replies: ReplyLike) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        with self._lock:
            return len(self._queue)

    # -- inside the server -----------------------------------------------------------------
    def _record(self, method: str, path: str, headers: Mapping[str, str], raw: bytes) -> RecordedRequest:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            request = RecordedRequest(
                len(self._requests), method, path, dict(headers), raw, body, time.monotonic()
            )
            self._requests.append(request)
        return request

    def _next_reply(self, request: RecordedRequest) -> Reply:
        if self._responder is not None:
            chosen: ReplyLike = self._responder(request)
        else:
            with self._lock:
                if not self._queue:
                    return server_error(
                        400, f"fake_openai: no scripted reply left for request #{request.index}"
                    )
                chosen = self._queue.popleft()
        return Reply(text=chosen) if isinstance(chosen, str) else chosen

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server closes first; True when it is closing."""
        return self._closing.wait(seconds)


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def _completion_body(request: RecordedRequest, reply: Reply) -> dict[str, Any]:
    prompt_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else _estimate_tokens(request.prompt_text)
    )
    completion_tokens = (
        reply.completion_tokens
        if reply.completion_tokens is not None
        else _estimate_tokens(reply.text or "")
    )
    model = request.body.get("model", "fake-model") if isinstance(request.body, dict) else "fake-model"
    return {
        "id": f"chatcmpl-fake-{request.index}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error_body(status: int, message: str) -> dict[str, Any]:
    kind = {429: "rate_limit_exceeded", 401: "invalid_request_error"}.get(status, "server_error")
    return {"error": {"message": message or f"HTTP {status}", "type": kind, "param": None, "code": None}}


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeOpenAI/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
            return

        def _send(self, status: int, payload: Any, headers: Mapping[str, str] = {}) -> None:
            data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to tell it

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            fake._record("GET", self.path, dict(self.headers.items()), b"")
            if self.path.rstrip("/").endswith("/models"):
                data = [{"id": name, "object": "model", "owned_by": "fake"} for name in fake._model_names]
                self._send(200, {"object": "list", "data": data})
            else:
                self._send(404, _error_body(404, f"no route {self.path}"))

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = fake._record("POST", self.path, dict(self.headers.items()), raw)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, _error_body(404, f"no route {self.path}"))
                return
            reply = fake._next_reply(request)
            if reply.hang:
                fake._wait(fake._hang_limit)
                return  # close the connection without a response
            if reply.delay and fake._wait(reply.delay):
                return
            if reply.body is not None:
                self._send(reply.status, reply.body, reply.headers)
            elif reply.status == 200:
                self._send(200, _completion_body(request, reply), reply.headers)
            else:
                self._send(reply.status, _error_body(reply.status, reply.error_message), reply.headers)

    return Handler


@contextlib.contextmanager
def fake_openai_servers() -> Iterator[Callable[..., FakeOpenAI]]:
    """``with fake_openai_servers() as make: server = make([answer("...")])``: every server made
    is started, and closed when the block ends."""
    servers: list[FakeOpenAI] = []

    def make(replies: Iterable[ReplyLike] | Responder = (), **kwargs: Any) -> FakeOpenAI:
        server = FakeOpenAI(replies, **kwargs).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.close()


@pytest.fixture
def make_fake_openai() -> Iterator[Callable[..., FakeOpenAI]]:
    """Fixture factory, for ``pytest_plugins = ["fake_openai"]`` or a module's own fixture:
    ``server = make_fake_openai([answer("...")])``; all close at teardown."""
    with fake_openai_servers() as make:
        yield make
