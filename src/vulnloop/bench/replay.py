"""A chat model that answers from recorded outputs: ``--model replay:FILE``.

Generation prompts are answered with the ``rq1`` piece of the chosen generator for the task,
first-round repair prompts with the ``rq3`` piece of that generator's code repaired by the chosen
fixer. Anything else (a second repair round, a task with no record) is an unanswered call:
``Completion.error`` says so and the finding stays unfixed. Answers carry no real token counts;
``usage`` holds a chars/4 estimate so that token figures stay comparable between strategies.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Mapping, Sequence

from vulnloop.api import ChatMessage, Completion, ConfigError, TokenUsage
from vulnloop.bench.dataset import task_id_of_path
from vulnloop.bench.labels import LabelledPiece, load_labels

REPLAY_PREFIX = "replay:"


def _estimate(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


class ReplayModel:
    """A ``ChatModel`` over labelled pieces; thread-safe (read-only after construction)."""

    def __init__(
        self,
        pieces: Sequence[LabelledPiece],
        *,
        generator: str | None = None,
        fixer: str | None = None,
        source: str = "labels",
        delay: float = 0.0,
    ) -> None:
        generations = [p for p in pieces if p.stage == "rq1"]
        repairs = [p for p in pieces if p.stage == "rq3" and p.fixer]
        generators = list(dict.fromkeys(p.generator for p in generations))
        fixers = list(dict.fromkeys(p.fixer for p in repairs if p.fixer))
        if not generators:
            raise ConfigError(f"{source}: no rq1 generations to replay")
        self.generator = generator or generators[0]
        if self.generator not in generators:
            raise ConfigError(
                f"--replay-generator {self.generator}: not in {source} (has {', '.join(generators)})"
            )
        self.fixer = fixer or (fixers[0] if fixers else None)
        if fixer and fixer not in fixers:
            raise ConfigError(f"--replay-fixer {fixer}: not in {source} (has {', '.join(fixers) or 'none'})")
        self.name = f"replay:{self.generator}" + (f"->{self.fixer}" if self.fixer else "")
        self.delay = delay
        self._generations = {p.task_id: p for p in generations if p.generator == self.generator}
        self._repairs = {
            p.task_id: p for p in repairs if p.generator == self.generator and p.fixer == self.fixer
        }

    @classmethod
    def from_spec(
        cls, spec: str, *, generator: str | None = None, fixer: str | None = None, delay: float = 0.0
    ) -> ReplayModel:
        path = Path(spec[len(REPLAY_PREFIX):] if spec.startswith(REPLAY_PREFIX) else spec)
        return cls(load_labels(path), generator=generator, fixer=fixer, source=str(path), delay=delay)

    def __repr__(self) -> str:
        return f"ReplayModel({self.name!r})"

    def recorded_generation(self, task_id: str) -> LabelledPiece | None:
        return self._generations.get(task_id)

    def recorded_repair(self, task_id: str) -> LabelledPiece | None:
        return self._repairs.get(task_id)

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        context: Mapping[str, str] | None = None,
        temperature: float | None = None,  # a recording has one answer whatever the sampling
    ) -> Completion:
        hints = dict(context or {})
        task_id = hints.get("task_id") or task_id_of_path(hints.get("path", ""))
        stage = hints.get("stage", "")
        piece: LabelledPiece | None = None
        if stage == "generate":
            piece = self._generations.get(task_id)
        elif stage == "repair" and hints.get("round", "1") == "1":
            piece = self._repairs.get(task_id)
        if self.delay:
            time.sleep(self.delay)
        if piece is None:
            what = f"{stage or 'unknown'} round {hints.get('round', '1')}" if stage == "repair" else stage or "unknown"
            return Completion(None, TokenUsage(), error=f"replay: no recorded answer ({what}, {task_id or 'no task'})")
        prompt_tokens = sum(_estimate(m.content) for m in messages)
        answer = f"```python\n{piece.code.rstrip()}\n```"
        return Completion(answer, TokenUsage(prompt_tokens, _estimate(answer), calls=1))
