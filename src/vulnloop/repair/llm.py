"""The LLM repairer: prompt a chat model with the findings and splice its answer into the file.

It proposes; it does not judge. A proposal that still leaks, or that adds a suppression
comment, comes back as it is: the repair loop re-scans every candidate and rejects those.
"""
from __future__ import annotations

import ast
import functools
from typing import Iterable, Mapping, Sequence

from vulnloop.findings import Finding
from vulnloop.linediff import line_opcodes
from vulnloop.llm.client import ChatModel
from vulnloop.llm.usage import TokenUsage
from vulnloop.quiet_parse import parse_quietly
from vulnloop.repair.answer import splice_answer
from vulnloop.repair.prompt import build_prompt, find_region, placeholder_problem, secret_environment, unmark
from vulnloop.repair.proposal import Proposal


class LlmRepairer:
    def __init__(
        self,
        model: ChatModel,
        *,
        whole_file_max_lines: int = 120,
        secrets: Iterable[str] | None = None,
        prompt_style: str = "worked",
    ) -> None:
        """``secrets``: values never to send (they are replaced by placeholders in the prompt
        and restored in the answer); by default the values of environment variables whose
        names look secret (KEY, TOKEN, SECRET, PASSWORD), read now."""
        self.model = model
        self.whole_file_max_lines = whole_file_max_lines
        self.prompt_style = prompt_style
        self._secrets = tuple(secret_environment().values() if secrets is None else secrets)

    @property
    def name(self) -> str:
        return f"llm:{self.model.name}"

    def __repr__(self) -> str:
        return f"LlmRepairer(model={self.model!r}, whole_file_max_lines={self.whole_file_max_lines})"

    def propose(
        self,
        *,
        path: str,
        source: str,
        findings: Sequence[Finding],
        feedback: Sequence[str] = (),
        round: int = 1,  # noqa: A002 - the loop's word for an iteration
        context: Mapping[str, str] | None = None,
        temperature: float | None = None,
    ) -> Proposal:
        if not findings:
            return Proposal(None, "no findings to repair", TokenUsage())
        try:
            tree = parse_quietly(source, path)
        except (SyntaxError, ValueError) as exc:
            return Proposal(None, f"the file does not parse: {exc}", TokenUsage())
        prompt = build_prompt(
            path=path,
            source=source,
            findings=findings,
            feedback=feedback,
            whole_file_max_lines=self.whole_file_max_lines,
            secrets=self._secrets,
            tree=tree,
            style=self.prompt_style,
        )
        hints = {"stage": "repair", "round": str(round), "path": path, **(context or {})}
        completion = self.model.complete(prompt.messages, context=hints, temperature=temperature)
        if completion.error is not None:
            return Proposal(None, f"LLM error: {completion.error}", completion.usage, prompt.chars)
        if not completion.text or not completion.text.strip():
            return Proposal(None, "LLM error: empty answer", completion.usage, prompt.chars)
        refused = placeholder_problem(completion.text, prompt.messages[-1].content)
        if refused:
            return Proposal(None, refused, completion.usage, prompt.chars)
        answer = prompt.redactor.restore(unmark(completion.text))
        spliced = splice_answer(source, prompt.region, answer, path=path)
        if spliced.new_text is not None and secret_on_changed_line(source, spliced.new_text, self._secrets):
            return Proposal(None, "the answer writes a secret value into changed code", completion.usage, prompt.chars)
        return Proposal(spliced.new_text, spliced.reason, completion.usage, prompt.chars)

    def region_of(self, source: str, finding: Finding) -> str:
        """The label of the region a request for ``finding`` shows: findings sharing it share a request."""
        try:
            tree = _parsed(source)
        except (SyntaxError, ValueError):
            return ""
        return find_region(source, [finding], whole_file_max_lines=self.whole_file_max_lines, tree=tree).label


@functools.lru_cache(maxsize=4)
def _parsed(source: str) -> ast.Module:
    return parse_quietly(source)


def secret_on_changed_line(before: str, after: str, secrets: Sequence[str]) -> bool:
    """True when a line the edit added or rewrote holds a secret value that the lines it replaced
    did not: no secret may travel into a suggestion, a diff or a report."""
    if not secrets:
        return False
    old, new = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in line_opcodes(old, new):
        if tag == "equal":
            continue
        replaced = set(old[i1:i2])
        for line in new[j1:j2]:
            if line not in replaced and any(secret in line for secret in secrets):
                return True
    return False
