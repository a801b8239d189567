"""Pairing before- and after-findings: the keyed lookup must pair exactly as the plain search it
replaced (first free before-finding, in pool order, for each after-finding, pass by pass)."""
from __future__ import annotations

import random

from vulnloop.findings import Finding, Level
from vulnloop.fingerprints import normalise_code
from vulnloop.repair.verify import _line_origins, pair_findings


def _finding(rule: str, line: int, fingerprint: str, snippet: str) -> Finding:
    return Finding(
        engine="bandit", rule_id=rule, cwes=(78,), severity=Level.HIGH, confidence=Level.HIGH, path="app.py",
        start_line=line, end_line=line + (line % 3 == 0), start_col=1, end_col=5, message="m",
        fingerprint=fingerprint, snippet=snippet,
    )


def _searched(before_text, before, after_text, after, targets):  # the plain search, as a reference
    origins = _line_origins(before_text, after_text)

    def origin_lines(f):
        return set().union(*(origins.get(n, set()) for n in range(f.start_line, f.end_line + 1)))

    def key(f):
        return (f.engine, f.rule_id, normalise_code(f.snippet))

    passes = (
        lambda b, a: (b.engine, b.rule_id) == (a.engine, a.rule_id) and b.start_line in origin_lines(a),
        lambda b, a: b.fingerprint == a.fingerprint,
        lambda b, a: key(b) == key(a),
    )
    pairs = {}
    for pool in ([i for i, f in enumerate(before) if f.fingerprint not in targets],
                 [i for i, f in enumerate(before) if f.fingerprint in targets]):
        free = list(pool)
        for matches in passes:
            for a_index, f in enumerate(after):
                if a_index in pairs:
                    continue
                chosen = next((b for b in free if matches(before[b], f)), None)
                if chosen is not None:
                    pairs[a_index] = chosen
                    free.remove(chosen)
    return pairs


def test_pairing_matches_the_plain_search_on_random_edits() -> None:
    rng = random.Random(12)
    for _ in range(300):
        lines = [f"x{rng.randrange(6)} = call({rng.randrange(3)})" for _ in range(rng.randrange(1, 25))]
        edited = [line if rng.random() < 0.7 else f"y = {rng.randrange(4)}" for line in lines]
        rng.shuffle(edited) if rng.random() < 0.2 else None
        edited[rng.randrange(len(edited)):0] = ["import os"] * rng.randrange(3)

        def findings(text_lines: list[str]) -> list[Finding]:
            return [
                _finding(rng.choice("AB"), rng.randrange(1, len(text_lines) + 1), f"fp{rng.randrange(8)}",
                         rng.choice(["call(1)", "call( 1 )", "call(2)"]))
                for _ in range(rng.randrange(0, 12))
            ]

        before, after = findings(lines), findings(edited)
        targets = {f"fp{rng.randrange(8)}" for _ in range(rng.randrange(3))}
        before_text, after_text = "\n".join(lines) + "\n", "\n".join(edited) + "\n"
        expected = _searched(before_text, before, after_text, after, targets)
        assert pair_findings(before_text, before, after_text, after, targets) == expected
