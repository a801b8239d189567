from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vulnloop.engines.bandit import BanditEngine, BanditSettings, load_bandit_settings
from vulnloop.findings import Level
from vulnloop.sources import SourceFile, collect_sources

from tests.samples import CLEAN, MD5, SHELL, YAML


def test_real_bandit_reports_rule_cwe_severity_and_one_based_columns() -> None:
    result = BanditEngine().scan([SourceFile("pkg/tools.py", SHELL), SourceFile("pkg/conf.py", YAML)])
    by_rule = {f.rule_id: f for f in result.findings}
    shell = by_rule["B602"]
    assert shell.cwes == (78,) and shell.severity is Level.HIGH and shell.confidence is Level.HIGH
    assert (shell.path, shell.start_line, shell.start_col) == ("pkg/tools.py", 5, 5)
    assert shell.snippet.strip().startswith("subprocess.call(")
    assert by_rule["B506"].cwes == (20,) and by_rule["B506"].path == "pkg/conf.py"
    assert all(not f.path.startswith("./") for f in result.findings)
    assert all(f.fingerprint for f in result.findings)
    assert result.engines == ("bandit",)


def test_clean_code_has_no_findings_and_is_not_skipped() -> None:
    result = BanditEngine().scan([SourceFile("ok.py", CLEAN)])
    assert result.findings == () and result.skipped == ()


def test_nosec_is_honoured_bare_and_by_test_id() -> None:
    bare = SHELL.replace("shell=True)", "shell=True)  # nosec")
    by_id = SHELL.replace("shell=True)", "shell=True)  # nosec B602")
    other_id = SHELL.replace("shell=True)", "shell=True)  # nosec B101")
    rules = lambda text: {f.rule_id for f in BanditEngine().scan([SourceFile("a.py", text)]).findings}  # noqa: E731
    assert "B602" not in rules(bare)
    assert "B602" not in rules(by_id)
    assert "B602" in rules(other_id)


def test_one_engine_gives_bandits_own_verdicts_with_and_without_nosec_comments(tmp_path: Path) -> None:
    # The engine skips Bandit's comment search in texts without "nosec"; whatever the order of
    # files through one reused engine, its findings must be exactly those of Bandit's own CLI.
    silenced = SHELL.replace("shell=True)", "shell=True)  # nosec B602") + MD5.replace("md5(", "md5(  # nosec\n")
    texts = {
        "a_plain.py": SHELL + MD5 + YAML,
        "b_nosec.py": silenced,
        "c_plain_again.py": SHELL + "# NOSEC is not Bandit's marker\n" + MD5,
        "d_comment_only.py": "# nosec is only mentioned here\n" + SHELL,
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    engine = BanditEngine()
    scanned = engine.scan(collect_sources([tmp_path], root=tmp_path))
    ours = sorted((f.path, f.start_line, f.rule_id) for f in scanned.findings)
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    assert bandit is not None
    done = subprocess.run([bandit, "-q", "-f", "json", *sorted(texts)], cwd=tmp_path, capture_output=True, text=True)
    theirs = sorted((r["filename"].removeprefix("./"), r["line_number"], r["test_id"]) for r in json.loads(done.stdout)["results"])
    assert ours == theirs
    assert ("b_nosec.py", 5, "B602") not in ours and ("a_plain.py", 5, "B602") in ours


def test_unparseable_and_unreadable_files_are_skipped_with_a_reason() -> None:
    result = BanditEngine().scan(
        [SourceFile("broken.py", "def broken(:\n    pass\n"), SourceFile("latin.py", None, "not valid utf-8")]
    )
    reasons = {s.path: s.reason for s in result.skipped}
    assert "syntax error" in reasons["broken.py"]
    assert reasons["latin.py"] == "not valid utf-8"
    assert result.findings == ()


def test_project_skips_and_excludes_apply_even_to_named_files(write_tree) -> None:
    root = write_tree(
        {
            "pyproject.toml": '[tool.bandit]\nskips = ["B404"]\nexclude_dirs = ["tests"]\n',
            "app/tool.py": SHELL,
            "tests/test_tool.py": "def test_x():\n    assert 1 + 1 == 2\n",
        }
    )
    settings = load_bandit_settings(root)
    assert settings.skips == ("B404", "B413") and settings.exclude_dirs == ("tests",)
    sources = collect_sources(["app/tool.py", "tests/test_tool.py"], root=root)
    result = BanditEngine(settings).scan(sources, root=root)
    rules = {(f.path, f.rule_id) for f in result.findings}
    assert ("app/tool.py", "B602") in rules
    assert ("app/tool.py", "B404") not in rules  # skipped by the project
    assert not any(path.startswith("tests/") for path, _ in rules)  # B101 in tests: excluded
    unconfigured = BanditEngine(BanditSettings()).scan(sources, root=root)
    assert ("tests/test_tool.py", "B101") in {(f.path, f.rule_id) for f in unconfigured.findings}


def test_many_files_print_nothing_and_never_exit(capsys) -> None:
    sources = [SourceFile(f"m{i}.py", MD5) for i in range(60)]
    result = BanditEngine().scan(sources)
    assert len([f for f in result.findings if f.rule_id == "B324"]) == 60
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_engine_reports_itself_available() -> None:
    engine = BanditEngine()
    assert engine.unavailable_reason() is None
    assert engine.version.startswith("1.9")


def test_settings_reject_bad_types(write_tree) -> None:
    import pytest

    from vulnloop.errors import ConfigError

    root = write_tree({"pyproject.toml": "[tool.bandit]\nskips = 3\n"})
    with pytest.raises(ConfigError, match="skips must be a list"):
        load_bandit_settings(Path(root))


CRYPTO_IMPORT = "from Crypto.Cipher import AES\n\n\ndef box(key):\n    return AES.new(key, AES.MODE_GCM)\n"


@pytest.mark.parametrize(
    ("files", "kept"),
    [
        ({}, False),  # no dependency file: `Crypto` is pycryptodome's namespace today
        ({"requirements.txt": "flask==3.0\npycryptodome>=3.20\n"}, False),
        ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["pycryptodomex"]\n'}, False),
        ({"requirements/base.txt": "PyCrypto==2.6.1  # legacy\n"}, True),
        ({"setup.py": "setup(name='x', install_requires=['pycrypto'])\n"}, True),
        ({"pyproject.toml": '[tool.bandit]\ntests = ["B413", "B304"]\n'}, True),  # asked for by name
    ],
)
def test_b413_only_when_the_project_can_mean_pycrypto(write_tree, files, kept) -> None:
    root = write_tree({**files, "app/box.py": CRYPTO_IMPORT})
    engine = BanditEngine(load_bandit_settings(Path(root)))
    result = engine.scan(collect_sources(["app/box.py"], root=root), root=root)
    assert ("B413" in {f.rule_id for f in result.findings}) is kept


def test_a_scan_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    from vulnloop.engines.bandit import BanditEngine

    engine = BanditEngine()
    was = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            findings, reason = engine.scan_text("a.py", "import pickle\npickle.loads(b'')\n")
            assert reason is None and findings
            assert gc.isenabled() is state
    finally:
        (gc.enable if was else gc.disable)()
