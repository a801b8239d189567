from __future__ import annotations

import pytest

from vulnloop.errors import ConfigError
from vulnloop.sources import collect_sources, decode_source, is_excluded


def test_folders_expand_to_python_files_skipping_venvs_and_excludes(write_tree) -> None:
    root = write_tree(
        {
            "app/main.py": "x = 1\n",
            "app/gen/skip_me.py": "x = 1\n",
            ".venv/lib/site.py": "x = 1\n",
            "notes.txt": "hello\n",
        }
    )
    found = [s.path for s in collect_sources(["."], root=root, excludes=["app/gen"])]
    assert found == ["app/main.py"]


def test_excludes_apply_to_explicit_file_names(write_tree) -> None:
    root = write_tree({"tests/test_a.py": "assert True\n", "a.py": "x = 1\n"})
    found = [s.path for s in collect_sources(["tests/test_a.py", "a.py"], root=root, excludes=["tests"])]
    assert found == ["a.py"]


def test_glob_patterns_match_parts_and_prefixes() -> None:
    assert is_excluded("src/migrations/0001.py", ["migrations"])
    assert is_excluded("src/app/test_x.py", ["test_*.py"])
    assert is_excluded("src/app/x.py", ["src/app"])
    assert not is_excluded("src/application/x.py", ["src/app"])


def test_decoding_follows_pep_263_and_reports_bad_bytes() -> None:
    latin = "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1")
    text, reason = decode_source(latin)
    assert reason is None and text is not None and "café" in text
    text, reason = decode_source(b"name = 'caf\xe9'\n")
    assert text is None and reason is not None and "utf-8" in reason
    text, reason = decode_source("\ufeffx = 1\n".encode("utf-8"))
    assert text == "x = 1\n"


def test_missing_path_is_a_clear_error(write_tree) -> None:
    root = write_tree({"a.py": "x = 1\n"})
    with pytest.raises(ConfigError, match="nope.py: no such file"):
        collect_sources(["nope.py"], root=root)
