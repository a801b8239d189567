"""What one repair strategy did to one generated file, round by round."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from vulnloop.llm.usage import TokenUsage


@dataclass
class RoundStats:
    """One repair round of one file. ``unparseable``: answers with no valid Python in them;
    ``unusable``: other answers that could not be turned into a candidate; ``new_findings``:
    findings a candidate had that the code it repaired did not."""

    round: int
    calls: int = 0
    answered: int = 0
    unanswered: int = 0
    unparseable: int = 0
    unusable: int = 0
    new_findings: int = 0
    accepted: int = 0
    accepted_unparseable: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def add_usage(self, usage: TokenUsage) -> None:
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass
class StrategyOutcome:
    """Index 0 of the ``*_by_round`` lists is the generated code, index k the code after round k."""

    strategy: str
    flagged_by_round: list[bool]
    parses_by_round: list[bool]
    findings_by_round: list[int]
    rounds: list[RoundStats]
    final_code: str
    fixed_by: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def usage(self) -> TokenUsage:
        return TokenUsage(
            sum(r.prompt_tokens for r in self.rounds),
            sum(r.completion_tokens for r in self.rounds),
            sum(r.answered for r in self.rounds),
        )


def untouched(strategy: str, *, flagged: bool, parses: bool, findings: int, code: str, iterations: int) -> StrategyOutcome:
    """The outcome for a file no strategy repairs (clean, unparseable, or not generated)."""
    return StrategyOutcome(
        strategy=strategy,
        flagged_by_round=[flagged] * (iterations + 1),
        parses_by_round=[parses] * (iterations + 1),
        findings_by_round=[findings] * (iterations + 1),
        rounds=[RoundStats(k) for k in range(1, iterations + 1)],
        final_code=code,
    )
