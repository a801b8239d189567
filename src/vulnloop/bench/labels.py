"""The reviewers' labelled pieces of LLM-written code (LLMSecureCode ``labeled_code.jsonl``).

Stages: ``rq1`` first generations, ``rq1_discussion`` further generations, ``rq3`` single-round
repairs of a vulnerable ``rq1`` piece by ``fixer``. ``manual_vulnerable`` is None where the
reviewers gave no verdict.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vulnloop.api import ConfigError
from vulnloop.bench.records import parse_jsonl


@dataclass(frozen=True)
class LabelledPiece:
    piece_id: str
    stage: str
    task_id: str
    cwe: str
    generator: str
    fixer: str | None
    run: int
    code: str
    manual_vulnerable: bool | None


def _piece(row: dict[str, object]) -> LabelledPiece:
    def text(key: str) -> str:
        value = row.get(key)
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        return value

    fixer = row.get("fixer")
    vulnerable = row.get("manual_vulnerable")
    run = row.get("run", 1)
    return LabelledPiece(
        piece_id=text("piece_id"),
        stage=text("stage"),
        task_id=text("task_id"),
        cwe=text("cwe"),
        generator=text("generator"),
        fixer=fixer if isinstance(fixer, str) else None,
        run=run if isinstance(run, int) and not isinstance(run, bool) else 1,
        code=text("code"),
        manual_vulnerable=vulnerable if isinstance(vulnerable, bool) else None,
    )


def load_labels(path: Path | str) -> list[LabelledPiece]:
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the labelled code: {exc.strerror or exc}") from None
    pieces = [piece for _, piece in parse_jsonl(text, origin=str(source), what="labelled piece", convert=_piece)]
    if not pieces:
        raise ConfigError(f"{source}: holds no labelled pieces")
    return pieces
