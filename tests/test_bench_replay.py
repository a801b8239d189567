"""The replay model: recorded generations and first-round repairs, nothing more."""
from __future__ import annotations

from pathlib import Path

import pytest
from bench_helpers import TASKS, write_labels

from vulnloop.bench.prompts import extract_code, generated_code, generation_messages
from vulnloop.bench.replay import ReplayModel
from vulnloop.errors import ConfigError
from vulnloop.llm.client import ChatMessage

PROMPT = (ChatMessage("user", "anything"),)


def test_answers_generation_and_first_repair_round_only(tmp_path: Path) -> None:
    model = ReplayModel.from_spec(f"replay:{write_labels(tmp_path / 'labels.jsonl')}")
    assert (model.generator, model.fixer) == ("g", "f")  # the first found
    task = TASKS[0]
    generation = model.complete(generation_messages(task["prompt"]), context={"task_id": task["task_id"], "stage": "generate"})
    assert generation.ok and extract_code(generation.text or "") == task["gen"]
    assert generation.usage.calls == 1 and generation.usage.prompt_tokens > 0
    # The loop passes only the file's path: the task is found from it.
    repair = model.complete(PROMPT, context={"path": f"{task['task_id']}.py", "stage": "repair", "round": "1"})
    assert repair.ok and extract_code(repair.text or "") == task["fix"]
    second = model.complete(PROMPT, context={"path": f"{task['task_id']}.py", "stage": "repair", "round": "2"})
    assert not second.ok and "no recorded answer" in (second.error or "") and second.usage.calls == 0
    clean_task = model.complete(PROMPT, context={"task_id": "CWE-020/t_4", "stage": "repair", "round": "1"})
    assert not clean_task.ok  # reviewers asked for no repair of clean code: none was recorded
    assert not model.complete(PROMPT).ok  # no context, no answer


def test_unknown_generator_or_fixer_is_a_configuration_error(tmp_path: Path) -> None:
    labels = write_labels(tmp_path / "labels.jsonl")
    with pytest.raises(ConfigError, match="--replay-generator gpt-5: not in"):
        ReplayModel.from_spec(f"replay:{labels}", generator="gpt-5")
    with pytest.raises(ConfigError, match="--replay-fixer nobody"):
        ReplayModel.from_spec(f"replay:{labels}", fixer="nobody")
    with pytest.raises(ConfigError, match="cannot read"):
        ReplayModel.from_spec(f"replay:{tmp_path / 'missing.jsonl'}")


def test_generated_code_takes_whole_files_or_bodies() -> None:
    prompt = "import os\n\n\ndef size(path):\n    '''Size of path.'''"
    body = "Sure!\n```python\n    return os.path.getsize(path)\n```"
    assert generated_code(prompt, body) == prompt + "\n    return os.path.getsize(path)\n"
    whole = "```py\nimport os\ndef size(path):\n    return 1\n```\nThis works."
    assert generated_code(prompt, whole) == "import os\ndef size(path):\n    return 1\n"
    prose = "I cannot help with that."
    assert generated_code(prompt, prose) == "I cannot help with that.\n"  # kept, and it will not parse
