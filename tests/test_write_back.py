"""`fix --write` and `hook --fix` on awkward real files: nothing lost, nothing outside the tree."""
from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.samples import YAML
from vulnloop.write_back import WriteError, restore_line_endings, write_repaired

UNSAFE = "yaml.load(handle, Loader=yaml.Loader)"
SAFE = "yaml.safe_load(handle)"


def _fix_write(root: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return run_cli("fix", "--no-llm", "--engines", "bandit", "--write", *(paths or (".",)), cwd=root)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("crlf.py", YAML.replace("\n", "\r\n").encode()),
        ("mixed.py", YAML.replace("\n", "\r\n", 3).encode()),
        ("old_mac.py", YAML.replace("\n", "\r").encode()),
        ("bom.py", b"\xef\xbb\xbf" + YAML.encode()),
        ("bom_crlf.py", b"\xef\xbb\xbf" + YAML.replace("\n", "\r\n").encode()),
        ("latin.py", ("# -*- coding: latin-1 -*-\n# caf\u00e9 cr\u00e8me\n" + YAML).encode("latin-1")),
        ("cp1252.py", ("# coding: cp1252\r\n# \u201cquoted\u201d \u20ac\r\n" + YAML.replace("\n", "\r\n")).encode("cp1252")),
    ],
)
def test_write_keeps_encoding_bom_and_line_endings_byte_for_byte(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    done = _fix_write(tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"Fixing {name}" in done.stderr and "Traceback" not in done.stderr
    assert "changed on disk" not in done.stderr
    # Only the repaired call differs; every other byte (BOM, endings, accents) is as it was.
    assert (tmp_path / name).read_bytes() == data.replace(UNSAFE.encode(), SAFE.encode())
    again = run_cli("fix", "--no-llm", "--engines", "bandit", cwd=tmp_path)
    assert again.returncode == 0 and "0 findings" in again.stdout


def test_hook_fix_on_a_crlf_file_writes_the_repair_and_the_next_run_passes(tmp_path: Path) -> None:
    data = YAML.replace("\n", "\r\n").encode()
    (tmp_path / "conf.py").write_bytes(data)
    first = run_cli("hook", "--fix", "conf.py", cwd=tmp_path)
    assert first.returncode == 1 and "Fixing conf.py" in first.stdout
    assert (tmp_path / "conf.py").read_bytes() == data.replace(UNSAFE.encode(), SAFE.encode())
    second = run_cli("hook", "--fix", "conf.py", cwd=tmp_path)
    assert second.returncode == 0, second.stdout


def test_a_read_only_file_is_reported_and_the_others_are_written(tmp_path: Path) -> None:
    (tmp_path / "a_locked.py").write_text(YAML)
    (tmp_path / "b_open.py").write_text(YAML)
    os.chmod(tmp_path / "a_locked.py", 0o444)
    done = _fix_write(tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "a_locked.py: read-only; not written" in done.stderr
    assert (tmp_path / "a_locked.py").read_text() == YAML
    assert stat.S_IMODE((tmp_path / "a_locked.py").stat().st_mode) == 0o444
    assert "Fixing b_open.py" in done.stderr and SAFE in (tmp_path / "b_open.py").read_text()


def test_hook_fix_blocks_when_a_verified_repair_could_not_be_written(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text(YAML)
    os.chmod(tmp_path / "conf.py", 0o444)
    done = run_cli("hook", "--fix", "conf.py", cwd=tmp_path)
    assert done.returncode == 1  # the finding is still on disk: no bypass
    assert "conf.py: read-only; not written" in done.stdout
    assert "conf.py:6  B506" in done.stdout and "could not be written" in done.stdout
    assert (tmp_path / "conf.py").read_text() == YAML


def test_write_keeps_the_file_mode(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text(YAML)
    os.chmod(tmp_path / "tool.py", 0o751)
    assert _fix_write(tmp_path).returncode == 1
    assert stat.S_IMODE((tmp_path / "tool.py").stat().st_mode) == 0o751
    assert SAFE in (tmp_path / "tool.py").read_text()


def test_a_full_disk_leaves_the_file_whole_and_names_it(tmp_path: Path) -> None:
    # Padding puts the file well over the size limit, so the write fails midway through it.
    padding = "".join(f"# padding line {n:04d} keeps this file long enough\n" for n in range(200))
    original = YAML + padding
    (tmp_path / "big.py").write_text(original)
    (tmp_path / "small.py").write_text(YAML)
    limit = 4096
    assert len(original) > 2 * limit

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "INPUT_", "GITHUB_"))}
    done = subprocess.run(
        [sys.executable, "-m", "vulnloop", "fix", "--no-llm", "--engines", "bandit", "--write", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=limit_file_size,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "big.py: cannot write: File too large; the file is unchanged" in done.stderr
    assert (tmp_path / "big.py").read_text() == original
    assert "Fixing small.py" in done.stderr and SAFE in (tmp_path / "small.py").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.py", "small.py"]  # no temporary left


def test_a_symlink_out_of_the_tree_is_skipped_and_its_target_untouched(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret_settings.py").write_text(YAML)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside / "secret_settings.py")
    (tree / "own.py").write_text(YAML)
    done = _fix_write(tree)
    assert "SKIPPED  link.py: symlink to" in done.stdout and "outside the scanned tree" in done.stdout
    assert (outside / "secret_settings.py").read_text() == YAML
    assert (tree / "link.py").is_symlink()
    assert SAFE in (tree / "own.py").read_text()
    # Named explicitly, it is not followed either.
    named = _fix_write(tree, "link.py")
    assert "outside the scanned tree" in named.stdout and (outside / "secret_settings.py").read_text() == YAML


def test_a_symlink_inside_the_tree_rewrites_its_file_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text(YAML)
    (tmp_path / "alias.py").symlink_to("real.py")
    done = _fix_write(tmp_path, "alias.py")
    assert "Fixing real.py" in done.stderr
    assert (tmp_path / "alias.py").is_symlink() and SAFE in (tmp_path / "real.py").read_text()


def test_a_symlink_loop_is_skipped_with_a_reason_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    (tmp_path / "conf.py").write_text(YAML)
    done = _fix_write(tmp_path)
    assert "Traceback" not in done.stderr
    assert "SKIPPED  a.py: symlink loop" in done.stdout and "SKIPPED  b.py: symlink loop" in done.stdout
    assert "Fixing conf.py" in done.stderr
    hooked = run_cli("hook", "a.py", "conf.py", cwd=tmp_path)
    assert hooked.returncode == 1 and "a.py: could not be checked: symlink loop" in hooked.stdout


def test_a_repair_the_declared_encoding_cannot_hold_is_refused_by_name(tmp_path: Path) -> None:
    original = "# -*- coding: latin-1 -*-\nNAME = 'caf\u00e9'\n"
    path = tmp_path / "latin.py"
    path.write_bytes(original.encode("latin-1"))
    with pytest.raises(WriteError, match="latin.py: the repair has '\u2192', which iso-8859-1"):
        write_repaired(path, original, original + "ARROW = '\u2192'\n", shown="latin.py")
    assert path.read_bytes() == original.encode("latin-1")


def test_mixed_endings_keep_each_unchanged_line_and_new_lines_take_the_usual_one() -> None:
    stored = "a\r\nb\nc\r\nd\r\n"
    final = "a\nb\nnew\nc\nd\n"
    assert restore_line_endings(final, stored) == "a\r\nb\nnew\r\nc\r\nd\r\n"
    assert restore_line_endings("a\nB\nc\nd\n", stored) == "a\r\nB\nc\r\nd\r\n"  # rewritten in place
    assert restore_line_endings("x\ny", "x\r\ny") == "x\r\ny"
