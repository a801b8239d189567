"""Bandit findings the flagged call itself shows to be safe are dropped; the unsafe twins stay."""
from __future__ import annotations

import pytest

from vulnloop.engines.bandit import BanditEngine

HEADER = "import os\nimport shlex\nimport subprocess\nimport tarfile\n\n\ndef f(archive, name, dest, program):\n"


def _rules(body: str) -> set[str]:
    text = HEADER + "".join(f"    {line}\n" for line in body.splitlines())
    findings, reason = BanditEngine().scan_text("case.py", text)
    assert reason is None
    return {f.rule_id for f in findings}


@pytest.mark.parametrize("body,rule", [
    ('tarfile.open(archive).extractall(dest, filter="data")', "B202"),
    ('tarfile.open(archive).extractall(dest, filter=tarfile.data_filter)', "B202"),
    ('os.system(f"ls {shlex.quote(name)}")', "B605"),
    ('os.system("ls " + shlex.quote(name) + " | wc -l")', "B605"),
    ('os.system("ls {}".format(shlex.quote(name)))', "B605"),
    ('os.system(shlex.join(["ls", name]))', "B605"),
    ('subprocess.run(["ls", "-l", name], check=True)', "B603"),
    ('subprocess.check_output(("git", "log", name))', "B603"),
])
def test_safe_call_is_not_reported(body: str, rule: str) -> None:
    assert rule not in _rules(body)


@pytest.mark.parametrize("body,rule", [
    ('tarfile.open(archive).extractall(dest)', "B202"),
    ('tarfile.open(archive).extractall(dest, filter="fully_trusted")', "B202"),
    ('os.system(f"ls {name}")', "B605"),
    ('os.system(f"ls {shlex.quote(name)} {dest}")', "B605"),
    ('os.system("ls " + name)', "B605"),
    ('subprocess.run([program, name], check=True)', "B603"),
    ('subprocess.run(name.split(), check=True)', "B603"),
    # two calls on one line: the unsafe one keeps the finding
    ('subprocess.run(["ls"]); subprocess.run([program])', "B603"),
])
def test_unsafe_twin_is_still_reported(body: str, rule: str) -> None:
    assert rule in _rules(body)


def test_unparseable_text_is_left_to_bandit() -> None:
    findings, reason = BanditEngine().scan_text("bad.py", "def (:\n")
    assert findings == [] and reason is not None
