"""The worked examples shown in repair prompts: each "after" is code our own scanners accept, and
each "before" is the weakness they exist to show (so the pair teaches what the verifier checks)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from semgrep_helpers import require_semgrep

from vulnloop.engines import Engine
from vulnloop.engines.bandit import BanditEngine
from vulnloop.engines.callflow import CallflowEngine
from vulnloop.engines.redos import RedosEngine
from vulnloop.engines.semgrep import SemgrepEngine
from vulnloop.findings import Finding, Level
from vulnloop.repair.examples import _EXAMPLES, _WITH_PACKAGE, worked_examples
from vulnloop.sources import SourceFile

PAIRS = sorted(_EXAMPLES.items()) + [(family, pair) for family, (_, pair) in _WITH_PACKAGE.items()]
IMPORTS = (
    "import ast, hashlib, html, operator, os, pickle, random, re, subprocess, tempfile, xml.etree.ElementTree\n"
    "import argon2, defusedxml.ElementTree, jwt, requests, yaml\n"
    "from urllib.parse import urlparse\n"
    "from Crypto.Cipher import AES\n"
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "from flask import Flask, abort, redirect, request, Response\n"
)


def as_module(snippet: str, parameters: str) -> str:
    """The snippet as the body of a function taking the names it reads from outside."""
    return IMPORTS + f"\n\ndef example({parameters}):\n" + textwrap.indent(snippet, "    ") + "\n"


PARAMETERS = "name, text, password, salt, key, token, url, domain, stream, f, response, headers, cur, BASE, ALLOWED_HOSTS, ALLOWED_PATHS"


BODY_START = IMPORTS.count("\n") + 4  # the first line of the snippet


def in_snippet(findings: list[Finding], least: Level = Level.LOW) -> list[str]:
    """Findings in the snippet itself (the imports above it draw their own), at ``least`` severity."""
    return sorted(
        f"{f.rule_id}@{f.start_line - BODY_START + 1}" for f in findings
        if f.severity >= least and f.start_line >= BODY_START
    )


def scan_all(texts: list[str]) -> list[list[Finding]]:
    """Every engine of `auto`, as the loop's verifier runs them."""
    engines: list[Engine] = [BanditEngine(), SemgrepEngine(), RedosEngine(), CallflowEngine()]
    per_text: list[list[Finding]] = [[] for _ in texts]
    for engine in engines:
        result = engine.scan([SourceFile(f"example{i}.py", t) for i, t in enumerate(texts)], root=Path("."))
        assert not result.skipped, result.skipped
        for finding in result.findings:
            per_text[int(finding.path.removeprefix("example").removesuffix(".py"))].append(finding)
    return per_text


# A string returned as HTML is markup only by what its caller does: no scanner sees it in a snippet.
UNSEEN = {(79, 80, 116)}


def test_every_after_is_accepted_by_our_scanners_and_every_before_is_flagged() -> None:
    require_semgrep()
    befores = [as_module(before, PARAMETERS) for _, (before, _) in PAIRS]
    afters = [as_module(after, PARAMETERS) for _, (_, after) in PAIRS]
    found = scan_all(befores + afters)
    flagged_before, flagged_after = found[: len(PAIRS)], found[len(PAIRS):]
    for (family, _), before, after in zip(PAIRS, flagged_before, flagged_after):
        # Low-severity reminders (B603 on every subprocess call) may stay, as in the loop.
        shown = in_snippet(after, Level.MEDIUM)
        assert not shown, f"CWE {family}: the example's fix is itself flagged: {shown}"
        assert in_snippet(before) or family in UNSEEN, f"CWE {family}: the example's weakness is not flagged"


@pytest.mark.parametrize("cwe, shown", [(95, "ast.BinOp"), (760, "os.urandom(32)"), (20, ".hostname")])
def test_the_example_for_a_cwe_is_the_one_shown(cwe: int, shown: str) -> None:
    assert shown in worked_examples([cwe])
    assert worked_examples([999_999]) == ""


def test_the_arithmetic_example_computes_and_refuses_what_eval_would_run() -> None:
    # Our own example text (never code under review): what the model is shown must itself be right.
    import ast
    import operator

    namespace: dict[str, object] = {"ast": ast, "operator": operator}
    exec(_EXAMPLES[(94, 95)][1], namespace)  # noqa: S102 - vulnloop's own constant
    calculate = namespace["calculate"]
    assert callable(calculate)
    assert [calculate(e) for e in ("2 * (3 + 4) + 6", "1 + 2 * 3 ** 3", "-2 / 4")] == ["20", "55", "-0.5"]
    assert [calculate(e) for e in ("__import__('os')", "9**9**9**9", "1 / 0", "True + 1", "x")] == [""] * 5


def test_a_file_that_imports_argon2_is_shown_its_hasher_and_others_the_standard_library() -> None:
    from vulnloop.repair.prompt import build_prompt

    source = "import hashlib\n{}\n\ndef store(password):\n    return hashlib.md5(password.encode()).hexdigest()\n"
    findings = [Finding(path="app.py", start_line=5, end_line=5, rule_id="B324", engine="bandit",
                        start_col=11, end_col=60, message="weak hash", severity=Level.HIGH, confidence=Level.HIGH, cwes=(916,))]
    with_argon2 = build_prompt(path="app.py", source=source.format("import argon2"), findings=findings)
    without = build_prompt(path="app.py", source=source.format(""), findings=findings)
    assert "argon2.PasswordHasher().hash(password)" in with_argon2.messages[0].content
    assert "argon2" not in without.messages[0].content and "pbkdf2_hmac" in without.messages[0].content


def test_every_whole_function_example_passes_our_gate_as_an_answer_to_its_before() -> None:
    """A model that copies an example's shape must not be refused for it (a new exception, an
    ``except`` answer dropped, a check on the wrong value)."""
    from vulnloop.repair.gate import check_untrusted

    require_semgrep()
    functions = [(family, pair) for family, pair in PAIRS if pair[0].startswith("def ")]
    assert len(functions) >= 5  # JWT, salts, the calculator, paths, SSRF
    befores = [IMPORTS + "\nBASE = 'notes'\n\n\n" + before + "\n" for _, (before, _) in functions]
    found = scan_all(befores)
    for (family, (_, after)), before, findings in zip(functions, befores, found):
        targets = [f for f in findings if f.severity >= Level.MEDIUM]
        assert targets, f"CWE {family}: the example's weakness is not flagged"
        candidate = IMPORTS + "\nBASE = 'notes'\n\n\n" + after + "\n"
        result = check_untrusted(before, candidate, targets)
        assert result.text is not None, f"CWE {family}: {result.reason}"
