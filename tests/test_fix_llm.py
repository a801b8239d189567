"""`vulnloop fix` end to end: the real CLI, the real openai client over HTTP to a local
OpenAI-compatible server, real Bandit re-scans."""
from __future__ import annotations

import json
from pathlib import Path


from fake_openai import FakeOpenAI, answer, rate_limited
from tests.conftest import run_cli
from tests.samples import SHELL

FIXED_FUNCTION = '''```python
def archive(folder):
    subprocess.call(["tar", "czf", "backup.tgz", folder])
```'''


def fix(root: Path, server: FakeOpenAI, *args: str, cache: Path):
    env = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "XDG_CACHE_HOME": str(cache)}
    return run_cli("fix", "--engines", "bandit", "--severity", "medium", "--base-url", server.base_url,
                   "--model", "fake-model", *args, cwd=root, env=env)


def test_llm_repair_is_verified_written_and_then_clean(write_tree, tmp_path) -> None:
    root = write_tree({"tools.py": SHELL})
    with FakeOpenAI([answer(FIXED_FUNCTION)]) as server:
        done = fix(root, server, "--write", cache=tmp_path / "cache")
        prompt = server.chat_requests[0].prompt_text
    assert done.returncode == 1, done.stderr  # a file changed
    assert "Fixing tools.py" in done.stderr
    assert "FIXED    tools.py:5:5  B602" in done.stdout and "by llm:fake-model in round 1" in done.stdout
    assert 'subprocess.call(["tar", "czf", "backup.tgz", folder])' in (root / "tools.py").read_text()
    assert "CWE-78" in prompt and "sk-test-0123456789abcdef" not in prompt
    again = run_cli("scan", "--engines", "bandit", "--severity", "medium", cwd=root)
    assert again.returncode == 0, again.stdout


def test_a_rerun_on_the_same_code_is_answered_from_the_cache(write_tree, tmp_path) -> None:
    root = write_tree({"tools.py": SHELL})
    with FakeOpenAI([answer(FIXED_FUNCTION)]) as server:
        first = fix(root, server, "--format", "json", cache=tmp_path / "cache")
        second = fix(root, server, "--format", "json", cache=tmp_path / "cache")
        assert len(server.chat_requests) == 1
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["entries"][0]["status"] == two["entries"][0]["status"] == "fixed"
    assert one["usage"]["calls"] == 1 and two["usage"]["cached_calls"] == 1 and two["usage"]["calls"] == 0


def test_rate_limit_then_success(write_tree, tmp_path) -> None:
    root = write_tree({"tools.py": SHELL})
    with FakeOpenAI([rate_limited(retry_after=0), answer(FIXED_FUNCTION)]) as server:
        done = fix(root, server, cache=tmp_path / "cache")
        assert len(server.chat_requests) == 2
    assert "FIXED    tools.py:5:5  B602" in done.stdout


def test_suppression_answer_is_rejected_and_the_reason_reaches_round_two(write_tree, tmp_path) -> None:
    root = write_tree({"tools.py": SHELL})
    nosec = FIXED_FUNCTION.replace('["tar", "czf", "backup.tgz", folder])', '"tar czf backup.tgz %s" % folder, shell=True)  # nosec')
    with FakeOpenAI([answer(nosec), answer("I cannot help with that."), answer(FIXED_FUNCTION)]) as server:
        done = fix(root, server, "--max-iterations", "3", cache=tmp_path / "cache")
        second_prompt = server.chat_requests[1].prompt_text
        third_prompt = server.chat_requests[2].prompt_text
    assert "suppression" in second_prompt
    assert "no code block" in third_prompt.lower() or "no python code" in third_prompt.lower()
    assert "FIXED    tools.py:5:5  B602" in done.stdout and "in round 3" in done.stdout


def test_unreachable_endpoint_leaves_the_finding_unfixed_with_the_reason(write_tree, tmp_path) -> None:
    root = write_tree({"tools.py": SHELL})
    server = FakeOpenAI([]).start()
    url = server.base_url
    server.close()  # nothing listens there any more
    env = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "XDG_CACHE_HOME": str(tmp_path / "c")}
    done = run_cli("fix", "--engines", "bandit", "--severity", "medium", "--base-url", url,
                   "--max-iterations", "1", cwd=root, env=env)
    assert done.returncode == 1
    assert "UNFIXED  tools.py:5:5  B602" in done.stdout
    assert "sk-test" not in done.stdout + done.stderr


def test_without_a_key_fix_uses_codemods_and_says_so_once(write_tree) -> None:
    root = write_tree({"tools.py": SHELL})
    done = run_cli("fix", "--engines", "bandit", cwd=root)
    assert done.stderr.count("no LLM configured") == 1
    assert "UNFIXED  tools.py:5:5  B602" in done.stdout


def rq3_cases(shared: Path, limit: int) -> list[tuple[dict, dict]]:
    pieces = [json.loads(line) for line in (shared / "llmsecurecode" / "labeled_code.jsonl").open()]
    first = {(p["task_id"], p["generator"]): p for p in pieces if p["stage"] == "rq1"}
    cases = []
    for repair in pieces:
        if repair["stage"] == "rq3" and (repair["task_id"], repair["generator"]) in first:
            cases.append((first[(repair["task_id"], repair["generator"])], repair))
    return cases[:limit]


def test_recorded_gpt_repairs_are_judged_by_rescanning(shared_data, tmp_path) -> None:
    """Replay real GPT repairs (rq3) as the endpoint's answers: every accepted repair leaves a file
    that compiles and no longer holds the targeted finding; every rejection says why."""
    from vulnloop.engines.bandit import BanditEngine
    from vulnloop.llm.cache import ResponseCache
    from vulnloop.llm.client import OpenAIChatModel
    from vulnloop.repair.ledger import Status
    from vulnloop.repair.llm import LlmRepairer
    from vulnloop.repair.loop import LoopOptions, RepairLoop
    from vulnloop.sources import SourceFile

    engine = BanditEngine()
    cases = [(o, r) for o, r in rq3_cases(shared_data, 400)
             if any(f.severity >= 2 for f in engine.scan([SourceFile("piece.py", o["code"])]).findings)]
    assert len(cases) >= 20
    answers = {original["code"]: repair["code"] for original, repair in cases[:20]}

    def respond(request) -> str:
        source = next(code for code in answers if code.strip().splitlines()[-1].strip() in request.prompt_text)
        return f"```python\n{answers[source]}\n```"

    fixed = unfixed = 0
    with FakeOpenAI(respond) as server:
        model = OpenAIChatModel(model="gpt-replay", base_url=server.base_url, api_key="sk-test-0123456789",
                                cache=ResponseCache(tmp_path / "cache"), max_retries=0)
        loop = RepairLoop(engines=[engine], root=tmp_path, llm=LlmRepairer(model),
                          options=LoopOptions(max_iterations=1, use_codemods=False))
        sources = [SourceFile(f"piece{i}.py", code) for i, code in enumerate(answers)]
        scan = loop.scan(sources)
        report = loop.repair(sources, scan, [f for f in scan.findings if f.severity >= 2])
    for outcome in report.files:
        after = engine.scan([SourceFile(outcome.path, outcome.final)])
        assert after.skipped == ()  # every accepted text parses
        remaining = {f.fingerprint for f in after.findings}
        for entry in outcome.entries:
            if entry.status is Status.FIXED:
                fixed += 1
                assert entry.finding.fingerprint not in remaining
                assert entry.repair is not None and entry.repair.diff
            else:
                unfixed += 1
                assert entry.reason
    assert fixed >= 3 and unfixed >= 5  # real single-round repairs: some verified, many still leaking
