"""The codemod worker: a forked process whose answers must be exactly the registry's."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from vulnloop.engines.bandit import BanditEngine
from vulnloop.findings import Finding
from vulnloop.repair.codemods import load, modules_for
from vulnloop.repair.loop import severity_order
from vulnloop.repair.worker import CodemodWorker
from vulnloop.sources import SourceFile

from tests.conftest import run_cli

# Each way the worker can start, where this platform has it (fork: Linux's default; spawn: elsewhere).
METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]

# Two fixable findings in one file (the second edit is made on the first one's result), and one
# finding no codemod answers.
TWO_FIXES = """\
import hashlib
import subprocess


def cache_key(name):
    return hashlib.sha1(name.encode()).hexdigest()


def checksum(data):
    return hashlib.md5(data).hexdigest()


def run(command):
    return subprocess.call(command, shell=True)
"""


def _findings(text: str, path: str = "keys.py") -> list[Finding]:
    return list(BanditEngine().scan([SourceFile(path, text)]).findings)


def _fixable(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if modules_for(f.rule_id)]


@pytest.mark.parametrize("method", METHODS)
def test_prepared_and_requested_edits_are_the_registrys_own(method: str) -> None:
    findings = sorted(_fixable(_findings(TWO_FIXES)), key=severity_order)  # the loop's order
    assert sorted(f.rule_id for f in findings) == ["B324", "B324", "B602"]
    worker = CodemodWorker(method)
    try:
        worker.prepare(TWO_FIXES, findings)
        text = TWO_FIXES
        for finding in findings:
            remotes = worker.codemods_for(finding)  # B602 has two (a constant command, one built from values)
            local = [load(module) for module in modules_for(finding.rule_id)]
            assert [r.info for r in remotes] == [c.info for c in local]
            answers = [r.apply(text, finding) for r in remotes]
            assert answers == [c.apply(text, finding) for c in local]
            text = next((a for a in answers if a is not None), text)  # B602 with a parameter: no safe edit
        assert text.count("usedforsecurity=False") == 2
        # A request nobody prepared (a finding on another text) is computed on demand.
        other = "import hashlib\nprint(hashlib.md5(b'x').hexdigest())\n"
        [finding] = _fixable(_findings(other, "other.py"))
        [remote] = worker.codemods_for(finding)
        assert remote.apply(other, finding) == load(modules_for("B324")[0]).apply(other, finding)
    finally:
        worker.close()
    assert not worker._process.is_alive()


def test_a_codemod_error_in_the_worker_reaches_the_caller_as_that_codemods_failure() -> None:
    [finding] = _fixable(_findings("import hashlib\nhashlib.md5(b'x')\n"))
    worker = CodemodWorker()
    try:
        [remote] = worker.codemods_for(finding)
        with pytest.raises(RuntimeError, match="Error"):
            remote.apply(None, finding)  # type: ignore[arg-type]
        # The worker survives it and answers the next request.
        assert remote.apply("import hashlib\nhashlib.md5(b'x')\n", finding) is not None
    finally:
        worker.close()


def test_a_dead_worker_falls_back_to_in_process_codemods() -> None:
    [finding] = _fixable(_findings("import hashlib\nhashlib.md5(b'x')\n"))
    worker = CodemodWorker()
    worker._process.kill()
    worker._process.join()
    try:
        worker.prepare("import hashlib\nhashlib.md5(b'x')\n", [finding])  # no error: just not prepared
        [remote] = worker.codemods_for(finding)
        local = load(modules_for("B324")[0])
        assert remote.info == local.info
        assert remote.apply("import hashlib\nhashlib.md5(b'x')\n", finding) == local.apply(
            "import hashlib\nhashlib.md5(b'x')\n", finding
        )
    finally:
        worker.close()


@pytest.mark.parametrize("fix", [False, True])
def test_the_hook_says_and_writes_the_same_with_and_without_the_worker(write_tree, tmp_path: Path, fix: bool) -> None:
    outputs = []
    settings = ("1", *METHODS, "0")
    for setting in settings:
        root = write_tree({"app/keys.py": TWO_FIXES, "app/clean.py": "VALUE = 1\n", "pyproject.toml": ""})
        args = ["hook", *(["--fix"] if fix else []), "app/keys.py", "app/clean.py"]
        done = run_cli(*args, cwd=root, env={"VULNLOOP_HOOK_WORKER": setting})
        outputs.append((done.returncode, done.stdout, (root / "app" / "keys.py").read_text(encoding="utf-8")))
        (tmp_path / "tree").rename(tmp_path / f"tree-{setting}")
    assert all(output == outputs[0] for output in outputs)
    code, stdout, written = outputs[0]
    assert code == 1 and "B602" in stdout  # shell=True with a variable: no codemod, still reported
    if fix:
        assert "Fixing app/keys.py" in stdout and written.count("usedforsecurity=False") == 2
    else:
        assert stdout.count("verified fix (codemod:weak-hash)") == 2 and written == TWO_FIXES
