"""`vulnloop bench` without the `bench` extra's packages: one line naming the install, exit 2.

(The Action's workflow_dispatch benchmark runs in the image, which has the extra; without
matplotlib there it still writes its results and says why there is no chart: test_bench_workflow.)
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from vulnloop.main import main

INSTALL = "pip install 'vulnloop[bench]'"


@pytest.mark.parametrize("missing", ["tqdm", "matplotlib"])
def test_each_bench_command_without_the_extra_says_how_to_install_it(
    missing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # what Python does for a package that cannot be imported
    for argv in (["bench", "merge", str(tmp_path)], ["bench", "detect", "--labels", str(tmp_path / "x.jsonl")]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"vulnloop: error: vulnloop bench needs the bench extra ({missing} not installed): {INSTALL}"]


def test_with_the_extra_the_command_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An empty folder has no records: the merge says so itself, not the extra check.
    main(["bench", "merge", str(tmp_path)])
    assert INSTALL not in capsys.readouterr().err
