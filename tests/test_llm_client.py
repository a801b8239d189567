"""The OpenAI-compatible transport, through the real ``openai`` client and a local HTTP server."""
from __future__ import annotations

import logging
import re
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
from vulnloop.llm.client import CircuitBreaker, check_base_url, scrub
from vulnloop.llm.usage import TokenUsage

KEY = "sk-test-Zq8XwV3n7LmP0aB2cD4e"
MESSAGES = (ChatMessage("system", "You fix code."), ChatMessage("user", "Fix `x = eval(s)`."))
MakeServer = Callable[..., FakeOpenAI]


@pytest.fixture
def make_fake_openai() -> Iterator[MakeServer]:
    with fake_openai_servers() as make:
        yield make


def model_for(server: FakeOpenAI, **kwargs: Any) -> OpenAIChatModel:
    kwargs.setdefault("timeout", 5)
    kwargs.setdefault("max_retries", 2)
    return OpenAIChatModel(model="gpt-test", base_url=server.base_url, api_key=KEY, **kwargs)


def test_answer_text_usage_and_request_body(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("```python\nx = 1\n```", prompt_tokens=120, completion_tokens=30)])
    completion = model_for(server).complete(MESSAGES)
    assert completion.ok and completion.text == "```python\nx = 1\n```"
    assert completion.usage == TokenUsage(prompt_tokens=120, completion_tokens=30, calls=1)
    assert (completion.cached, completion.error) == (False, None)
    (request,) = server.chat_requests
    assert request.body["model"] == "gpt-test"
    assert request.body["temperature"] == 0
    assert request.messages == [{"role": m.role, "content": m.content} for m in MESSAGES]
    assert request.header("Authorization") == f"Bearer {KEY}"


def test_temperature_none_is_left_out(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("ok")])
    model_for(server, temperature=None).complete(MESSAGES)
    assert "temperature" not in server.chat_requests[0].body


def test_a_call_can_sample_hotter_and_is_cached_apart(make_fake_openai: MakeServer, tmp_path: Path) -> None:
    server = make_fake_openai([answer("cold"), answer("hot")])
    model = model_for(server, cache=ResponseCache(tmp_path))
    assert model.complete(MESSAGES).text == "cold"
    assert model.complete(MESSAGES, temperature=0.7).text == "hot"  # not the cold answer from the cache
    assert [r.body["temperature"] for r in server.chat_requests] == [0, 0.7]


def test_the_clients_own_retries_honour_retry_after_then_succeed(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([rate_limited(retry_after=1), answer("done")])
    started = time.monotonic()
    completion = model_for(server).complete(MESSAGES)
    elapsed = time.monotonic() - started
    assert completion.text == "done"
    assert len(server.chat_requests) == 2
    gap = server.chat_requests[1].received_at - server.chat_requests[0].received_at
    assert gap >= 0.95 and elapsed < 5


def test_server_errors_are_retried_by_the_client_up_to_max_retries(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([server_error(500), server_error(503), answer("ok")])
    assert model_for(server, max_retries=2).complete(MESSAGES).text == "ok"
    assert len(server.chat_requests) == 3
    failing = make_fake_openai([server_error(502)] * 2)
    completion = model_for(failing, max_retries=1).complete(MESSAGES)
    assert completion.error == "HTTP 502: The server had an error"
    assert completion.usage == TokenUsage(calls=1) and len(failing.chat_requests) == 2


def test_client_errors_are_not_retried(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([server_error(400, "model 'gpt-test' does not exist"), answer("never")])
    completion = model_for(server).complete(MESSAGES)
    assert completion.error == "HTTP 400: model 'gpt-test' does not exist"
    assert len(server.chat_requests) == 1


def test_a_timed_out_call_is_not_sent_again(make_fake_openai: MakeServer) -> None:
    # A local model still generating would only generate the same answer again.
    server = make_fake_openai([hang(), answer("never")])
    started = time.monotonic()
    completion = model_for(server, timeout=0.3, max_retries=2).complete(MESSAGES)
    assert time.monotonic() - started < 3
    assert completion.error is not None and completion.error.startswith("timed out after 0.3s")
    assert len(server.chat_requests) == 1


def test_slow_answer_within_the_timeout_is_fine(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([answer("slow", delay=0.3)])
    assert model_for(server, timeout=3).complete(MESSAGES).text == "slow"


def _dead_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_endpoint_is_an_error_not_an_exception() -> None:
    model = OpenAIChatModel(model="m", base_url=f"http://127.0.0.1:{_dead_port()}/v1", api_key=KEY, max_retries=0)
    completion = model.complete(MESSAGES)
    assert completion.error is not None and completion.error.startswith("cannot reach the LLM endpoint")


def test_the_breaker_turns_the_llm_off_after_three_failed_calls_and_says_so_once(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai(lambda request: server_error(503))
    heard: list[str] = []
    model = model_for(server, max_retries=0, breaker=CircuitBreaker(failures=3, on_open=heard.append))
    errors = [model.complete(MESSAGES).error for _ in range(6)]
    assert len(server.chat_requests) == 3  # the fourth call and later never reach the endpoint
    assert errors[:3] == ["HTTP 503: The server had an error"] * 3
    assert all(e is not None and e.startswith("LLM off for the rest of the run: 3 calls in a row failed") for e in errors[3:])
    assert heard == [errors[3]]


def test_a_success_resets_the_count_of_failures_in_a_row(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([server_error(500), server_error(500), answer("ok"), server_error(500), server_error(500), answer("ok")])
    model = model_for(server, max_retries=0, breaker=CircuitBreaker(failures=3))
    assert [model.complete(MESSAGES).text for _ in range(6)] == [None, None, "ok", None, None, "ok"]


def test_the_deadline_turns_the_llm_off_once_it_passes() -> None:
    now = [100.0]
    heard: list[str] = []
    breaker = CircuitBreaker(deadline=30, on_open=heard.append, clock=lambda: now[0])
    assert breaker.refusal() is None and breaker.seconds_left() == 30
    now[0] = 131.0
    assert breaker.refusal() == "LLM off for the rest of the run: the LLM deadline of 30s (llm-deadline) has passed"
    breaker.refusal()
    assert len(heard) == 1


def test_the_deadline_cuts_a_hanging_call_short(make_fake_openai: MakeServer) -> None:
    server = make_fake_openai([hang(), answer("never")])
    started = time.monotonic()
    completion = model_for(server, timeout=60, breaker=CircuitBreaker(deadline=0.5)).complete(MESSAGES)
    assert time.monotonic() - started < 5 and len(server.chat_requests) == 1
    assert completion.error is not None and completion.error.startswith("timed out after 0.")


@pytest.mark.parametrize(
    "url, problem",
    [
        ("localhost:8000/v1", "it must start with http:// or https://"),
        ("ftp://models.example/v1", "it must start with http:// or https://"),
        ("http:///v1", "it names no host"),
        ("http://localhost:99999/v1", "Port out of range"),
        ("http://[::1/v1", "Invalid IPv6 URL"),
    ],
)
def test_an_unusable_base_url_is_a_configuration_error(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        check_base_url(url)
    with pytest.raises(ConfigError, match="is not a usable URL"):
        OpenAIChatModel(model="m", base_url=url, api_key=KEY)


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
    assert second.usage == TokenUsage(cached_calls=1)
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
