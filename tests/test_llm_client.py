"""The OpenAI-compatible transport, through the real ``openai`` client and a local HTTP server."""
from __future__ import annotations

import email.utils
import logging
import socket
import stat
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from fake_openai import (
    FakeOpenAI,
    RecordedRequest,
    Reply,
    answer,
    hang,
    fake_openai_servers,
    rate_limited,
    server_error,
)
from vulnloop.errors import ConfigError
from vulnloop.llm import (
    ChatMessage,
    OpenAIChatModel,
    ResponseCache,
    TokenBudget,
    api_key_from_env,
    default_cache_dir,
)
from vulnloop.llm.cache import cache_key
from vulnloop.llm.client import parse_retry_after, scrub
from vulnloop.repair.ledger import TokenUsage

KEY = "sk-test-Zq8XwV3n7LmP0aB2cD4e"
MESSAGES = (ChatMessage("system", "You fix code."), ChatMessage("user", "Fix `x = eval(s)`."))
MakeServer = Callable[..., FakeOpenAI]


@pytest.fixture
def make_fake_openai() -> Iterator[MakeServer]:
    with fake_openai_servers() as make:
        yield make


class Sleeps:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def model_for(server: FakeOpenAI, **kwargs: Any) -> OpenAIChatModel:
    kwargs.setdefault("timeout", 5)
    kwargs.setdefault("max_retries", 2)
    return OpenAIChatModel(model="gpt-test", base_url=server.base_url, api_key=KEY, **kwargs)


def test_answer_text_usage_and_request_body(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("```python\nx = 1\n```", prompt_tokens=120, completion_tokens=30)])
    completion = model_for(server).complete(MESSAGES)
    assert completion.ok and completion.text == "```python\nx = 1\n```"
    assert completion.usage == TokenUsage(prompt_tokens=120, completion_tokens=30, calls=1)
    assert (completion.attempts, completion.cached, completion.error) == (1, False, None)
    (request,) = server.chat_requests
    assert request.body["model"] == "gpt-test"
    assert request.body["temperature"] == 0
    assert request.messages == [{"role": m.role, "content": m.content} for m in MESSAGES]
    assert request.header("Authorization") == f"Bearer {KEY}"


def test_temperature_none_is_left_out(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("ok")])
    model_for(server, temperature=None).complete(MESSAGES)
    assert "temperature" not in server.chat_requests[0].body


def test_429_honours_retry_after_then_succeeds(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([rate_limited(retry_after=1), answer("done")])
    started = time.monotonic()
    completion = model_for(server).complete(MESSAGES)
    elapsed = time.monotonic() - started
    assert completion.text == "done" and completion.attempts == 2
    assert len(server.chat_requests) == 2
    gap = server.chat_requests[1].received_at - server.chat_requests[0].received_at
    assert gap >= 0.95 and elapsed < 5


def test_retry_after_values_are_used_as_given(make_fake_openai: MakeServer) -> None:
    sleeps = Sleeps()
    server = make_fake_openai([
        rate_limited(retry_after="2.5"),
        rate_limited(retry_after=None, headers={"retry-after-ms": "1500"}),
        answer("done"),
    ])
    completion = model_for(server, sleep=sleeps, max_retries=3).complete(MESSAGES)
    assert completion.text == "done" and completion.attempts == 3
    assert sleeps.calls == [2.5, 1.5]


def test_retry_after_beyond_the_limit_gives_up_at_once(make_fake_openai: MakeServer) -> None:
    sleeps = Sleeps()
    server = make_fake_openai([rate_limited(retry_after=3600), answer("never")])
    completion = model_for(server, sleep=sleeps, max_retry_after=60).complete(MESSAGES)
    assert completion.text is None and sleeps.calls == []
    assert completion.error is not None and "HTTP 429" in completion.error and "3600s" in completion.error
    assert len(server.chat_requests) == 1


def test_500_then_success_with_jittered_exponential_backoff(make_fake_openai: MakeServer) -> None:
    sleeps = Sleeps()
    server = make_fake_openai([server_error(500), server_error(503), answer("ok")])
    completion = model_for(server, sleep=sleeps, backoff=0.4, random_fraction=lambda: 1.0).complete(MESSAGES)
    assert completion.text == "ok" and completion.attempts == 3
    assert sleeps.calls == [0.4, 0.8]


def test_backoff_jitter_stays_within_half_to_full_step(make_fake_openai: MakeServer) -> None:
    sleeps = Sleeps()
    server = make_fake_openai([server_error(502)] * 4)
    completion = model_for(
        server, sleep=sleeps, backoff=1.0, max_backoff=3.0, max_retries=3, random_fraction=lambda: 0.0
    ).complete(MESSAGES)
    assert sleeps.calls == [0.5, 1.0, 1.5]  # half of 1, 2, then the 3 s cap
    assert completion.error == "HTTP 502: The server had an error (4 attempts)"
    assert completion.usage == TokenUsage(calls=1) and completion.attempts == 4


def test_client_errors_are_not_retried(make_fake_openai: MakeServer) -> None:
    sleeps = Sleeps()
    server = make_fake_openai([server_error(400, "model 'gpt-test' does not exist"), answer("never")])
    completion = model_for(server, sleep=sleeps).complete(MESSAGES)
    assert completion.error == "HTTP 400: model 'gpt-test' does not exist"
    assert sleeps.calls == [] and len(server.chat_requests) == 1


def test_timeouts_are_retried_then_reported(make_fake_openai: MakeServer) -> None:
    sleeps = Sleeps()
    server = make_fake_openai([hang(), hang()])
    started = time.monotonic()
    completion = model_for(server, timeout=0.3, max_retries=1, sleep=sleeps).complete(MESSAGES)
    assert time.monotonic() - started < 3
    assert completion.error == "timed out after 0.3s (2 attempts)"
    assert completion.attempts == 2 and len(server.chat_requests) == 2


def test_slow_answer_within_the_timeout_is_fine(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("slow", delay=0.3)])
    assert model_for(server, timeout=3).complete(MESSAGES).text == "slow"


def test_unreachable_endpoint_is_an_error_not_an_exception() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    model = OpenAIChatModel(
        model="m", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=1, sleep=sleeps
    )
    completion = model.complete(MESSAGES)
    assert completion.error is not None and completion.error.startswith("cannot reach the LLM endpoint")
    assert completion.attempts == 2 and len(sleeps.calls) == 1


@pytest.mark.parametrize(
    "reply, expected",
    [
        (answer(None), "the answer had no text (finish reason: stop)"),
        (answer("   ", finish_reason="length"), "the answer had no text (finish reason: length)"),
        (Reply(body={"id": "x", "object": "chat.completion", "choices": []}), "the answer had no choices"),
        (Reply(body="<html>gateway</html>"), "unexpected answer from the LLM endpoint"),
    ],
    ids=["null-content", "blank", "no-choices", "not-json"],
)
def test_odd_answers_become_errors(make_fake_openai: MakeServer, reply: Reply, expected: str) -> None:
    server = make_fake_openai([reply])
    completion = model_for(server).complete(MESSAGES)
    assert completion.text is None
    assert completion.error is not None and completion.error.startswith(expected)


def test_budget_refuses_once_spent_without_calling(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("one", prompt_tokens=80, completion_tokens=40), answer("two")])
    budget = TokenBudget(100)
    model = model_for(server, budget=budget)
    assert model.complete(MESSAGES).text == "one"
    assert budget.spent == 120 and budget.exhausted
    refused = model.complete(MESSAGES)
    assert refused.text is None and refused.usage == TokenUsage()
    assert refused.error == "token budget exhausted (spent 120 of 100 tokens)"
    assert len(server.chat_requests) == 1 and server.pending == 1


def test_budget_is_shared_safely_between_threads(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai(lambda request: answer("ok", prompt_tokens=10, completion_tokens=5))
    budget = TokenBudget(None)
    model = model_for(server, budget=budget)
    results = []

    def work(i: int) -> None:
        results.append(model.complete([ChatMessage("user", f"task {i}")]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert [r.text for r in results] == ["ok"] * 8
    assert budget.spent == 8 * 15 and len(server.chat_requests) == 8


def test_budget_reservations_stop_concurrent_calls_on_the_last_tokens() -> None:
    budget = TokenBudget(100)
    assert budget.try_reserve(60)
    assert budget.try_reserve(30)  # 90 in flight: below the limit, may start
    assert budget.try_reserve(30)
    assert not budget.try_reserve(1)  # 120 in flight: nothing more starts
    budget.settle(60, 20)
    assert budget.spent == 20 and not budget.exhausted
    assert budget.try_reserve(10)  # 20 spent + 60 in flight
    budget.settle(30, 50)
    budget.settle(30, 50)
    assert budget.spent == 120 and budget.exhausted and not budget.try_reserve(0)


def test_cache_hit_on_rerun_sends_no_request(make_fake_openai: MakeServer, tmp_path: Path) -> None:
    server = make_fake_openai([answer("cached answer", prompt_tokens=50, completion_tokens=10)])
    first = model_for(server, cache=ResponseCache(tmp_path)).complete(MESSAGES)
    assert not first.cached and first.usage.total == 60
    budget = TokenBudget(0)  # a cached answer costs nothing, so even a spent budget gets it
    second = model_for(server, cache=ResponseCache(tmp_path), budget=budget).complete(MESSAGES)
    assert second.cached and second.text == "cached answer"
    assert second.usage == TokenUsage(cached_calls=1) and second.attempts == 0
    assert len(server.chat_requests) == 1
    (entry,) = tmp_path.glob("*/*.json")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_failures_are_not_cached_and_damaged_entries_are_misses(
    make_fake_openai: MakeServer, tmp_path: Path
) -> None:
    server = make_fake_openai([server_error(400), answer("good"), answer("again")])
    cache = ResponseCache(tmp_path)
    assert model_for(server, cache=cache).complete(MESSAGES).error is not None
    assert model_for(server, cache=cache).complete(MESSAGES).text == "good"
    (entry,) = tmp_path.glob("*/*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert model_for(server, cache=cache).complete(MESSAGES).text == "again"
    assert len(server.chat_requests) == 3


def test_cache_key_ignores_the_endpoint_but_not_the_question() -> None:
    pairs = [(m.role, m.content) for m in MESSAGES]
    base = cache_key("gpt-test", pairs, 0.0)
    assert base == cache_key("gpt-test", list(pairs), 0.0)
    assert len({base, cache_key("gpt-other", pairs, 0.0), cache_key("gpt-test", pairs, 0.7),
                cache_key("gpt-test", pairs[:1], 0.0), cache_key("gpt-test", pairs, None)}) == 5


def test_same_cache_for_two_endpoints(make_fake_openai: MakeServer, tmp_path: Path) -> None:
    one = make_fake_openai([answer("from one")])
    two = make_fake_openai([answer("from two")])
    model_for(one, cache=ResponseCache(tmp_path)).complete(MESSAGES)
    assert model_for(two, cache=ResponseCache(tmp_path)).complete(MESSAGES).text == "from one"
    assert two.chat_requests == []


def test_default_cache_dir_follows_xdg() -> None:
    assert default_cache_dir({"XDG_CACHE_HOME": "/x/cache"}) == Path("/x/cache/vulnloop/llm")
    assert default_cache_dir({}) == Path.home() / ".cache" / "vulnloop" / "llm"


def test_key_never_in_repr_errors_logs_or_prompts(
    make_fake_openai: MakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    echo = f"Incorrect API key provided: {KEY}. You can find your API key at https://example.invalid."
    server = make_fake_openai([server_error(401, echo), server_error(500, f"Bearer {KEY}"), answer("ok")])
    caplog.set_level(logging.DEBUG)
    model = model_for(server, max_retries=0)
    assert KEY not in repr(model) and KEY not in str(model)
    assert repr(model) == f"OpenAIChatModel(model='gpt-test', base_url='{server.base_url}')"
    unauthorised = model.complete(MESSAGES)
    assert unauthorised.error is not None and unauthorised.error.startswith("HTTP 401: Incorrect API key provided")
    assert KEY not in unauthorised.error and "<redacted>" in unauthorised.error
    failed = model.complete(MESSAGES)
    assert failed.error is not None and KEY not in failed.error
    leaking = [ChatMessage("user", f"my key is {KEY}, fix config.py")]
    assert model.complete(leaking).text == "ok"
    assert KEY not in server.chat_requests[-1].prompt_text
    assert "my key is <redacted>" in server.chat_requests[-1].prompt_text
    assert all(KEY not in record.getMessage() for record in caplog.records)


def test_scrub_hides_key_shapes_and_cuts_long_text() -> None:
    text = scrub("token sk-abcDEF123456789 and Bearer abc.def plus " + "x" * 500, ["nothing-here"])
    assert "sk-abc" not in text and "abc.def" not in text and len(text) <= 200


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after({"retry-after": when}, now=1_000_000) == pytest.approx(30)


def test_api_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VULNLOOP_TEST_KEY", "  abc123  ")
    monkeypatch.setenv("VULNLOOP_BLANK_KEY", "   ")
    monkeypatch.delenv("VULNLOOP_MISSING_KEY", raising=False)
    assert api_key_from_env("VULNLOOP_TEST_KEY") == "abc123"
    assert api_key_from_env("VULNLOOP_BLANK_KEY") is None
    assert api_key_from_env("VULNLOOP_MISSING_KEY") is None


def test_fake_server_records_requests_and_reports_an_empty_queue(make_fake_openai: MakeServer) -> None:
    seen: list[RecordedRequest] = []

    def responder(request: RecordedRequest) -> str:
        seen.append(request)
        return f"echo {request.messages[-1]['content']}"

    server = make_fake_openai(responder)
    assert model_for(server).complete([ChatMessage("user", "hi")]).text == "echo hi"
    assert seen[0].body["messages"] == [{"role": "user", "content": "hi"}]
    empty = make_fake_openai([])
    completion = model_for(empty).complete(MESSAGES)
    assert completion.error is not None and "no scripted reply left for request #0" in completion.error


def test_missing_key_is_a_config_error_unless_the_endpoint_is_local(make_fake_openai: MakeServer) -> None:
    with pytest.raises(ConfigError, match="no API key"):
        OpenAIChatModel(model="m", base_url=None, api_key="  ")
    server = make_fake_openai([answer("ok")])
    model = OpenAIChatModel(model="m", base_url=server.base_url, api_key="")
    assert model.complete(MESSAGES).text == "ok"
    assert server.chat_requests[0].header("Authorization") == "Bearer not-needed"
