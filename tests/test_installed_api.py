"""Names of installed third-party packages, read from their source and never imported, so that a
repair calling an invented API (``argon2.hash``) is refused while a real one passes."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from llm_helpers import finding
from vulnloop.repair.gate import check_untrusted
from vulnloop.repair.installed_api import invented_name, top_level_names


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path to install throwaway packages into."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    top_level_names.cache_clear()
    yield folder
    top_level_names.cache_clear()


def install(site: Path, name: str, init: str, *, files: tuple[str, ...] = (), folders: tuple[str, ...] = ()) -> None:
    package = site / name
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(init), encoding="utf-8")
    for file in files:
        (package / file).write_text("", encoding="utf-8")
    for sub in folders:
        (package / sub).mkdir()


HASHER = """\
    import pathlib
    pathlib.Path(__file__).with_name("RAN").write_text("imported")  # must never run
    from ._impl import hash_password, verify_password as verify
    from . import low_level
    VERSION = "1.0"
    try:
        from ._speedups import fast
    except ImportError:
        fast = None

    class PasswordHasher:
        pass

    def __getattr__(name):
        if name not in {"__version__", "__uri__"}:
            raise AttributeError(name)
        return "1.0"
"""


def test_an_installed_package_is_read_without_running_it(site: Path) -> None:
    install(site, "hasher", HASHER, files=("_impl.py", "profiles.py", "_native.cpython-311-x86_64-linux-gnu.so"),
            folders=("backends",))
    names = top_level_names("hasher")
    assert names is not None
    assert {"hash_password", "verify", "low_level", "VERSION", "fast", "PasswordHasher", "__version__",
            "profiles", "backends", "_native"} <= names
    assert not (site / "hasher" / "RAN").exists()
    assert invented_name("hasher.hash") == "hash" and invented_name("hasher.generate_salt") == "generate_salt"
    assert invented_name("hasher.hash_password") is None and invented_name("hasher.profiles.fast") is None


@pytest.mark.parametrize(
    "init",
    [
        "from ._impl import *\n",
        "def __getattr__(name):\n    return name\n",
        "for _name in ('a', 'b'):\n    globals()[_name] = _name\n",
        "import sys\nsys.modules[__name__].extra = 1\n",
    ],
    ids=["star-import", "open-getattr", "globals", "sys-modules"],
)
def test_a_namespace_built_at_run_time_gives_no_answer(site: Path, init: str) -> None:
    install(site, "dynamic", init)
    assert top_level_names("dynamic") is None
    assert invented_name("dynamic.anything") is None


def test_packages_not_installed_and_the_standard_library_give_no_answer(site: Path) -> None:
    assert top_level_names("surely_not_installed_pkg") is None
    assert top_level_names("os") is None and invented_name("os.nonexistent") is None
    assert invented_name("relative") is None


HASHING = '''\
import hashlib

import hasher


def store(password):
    return hashlib.md5(password.encode()).hexdigest()
'''


def test_the_gate_refuses_an_invented_call_of_an_installed_package_and_passes_a_real_one(site: Path) -> None:
    install(site, "hasher", HASHER, files=("_impl.py",))
    invented = HASHING.replace("hashlib.md5(password.encode()).hexdigest()", "hasher.hash(password, rounds=3)")
    real = HASHING.replace("hashlib.md5(password.encode()).hexdigest()", "hasher.hash_password(password)")
    refused = check_untrusted(HASHING, invented, [finding(7, rule_id="B324")])
    assert refused.text is None and "the installed `hasher` has no `hash`" in refused.reason
    assert check_untrusted(HASHING, real, [finding(7, rule_id="B324")]).text is not None
