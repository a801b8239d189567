"""The hooks as users run them: the real pre-commit framework and a plain git hook, in real repos."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.samples import CLEAN, SHELL, YAML

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


def new_repo(path: Path, files: dict[str, str | bytes]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", cwd=path)
    for rel, content in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return path


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A committed snapshot of this project (tracked and new files), as pre-commit would clone it."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for rel in filter(None, listed):
        source = REPO_ROOT / rel
        if source.is_file() and not rel.startswith(("tests/", "benchmarks/", "examples/")):
            target = snapshot / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", "-b", "main", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot, git("rev-parse", "HEAD", cwd=snapshot).stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {**{k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}, "PRE_COMMIT_HOME": str(home)}


def install_hooks(repo: Path, hook_repo: tuple[Path, str], env: dict[str, str], hooks: tuple[str, ...]) -> None:
    path, sha = hook_repo
    listed = "\n".join(f"      - id: {hook}" for hook in hooks)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path}\n    rev: {sha}\n    hooks:\n{listed}\n"
    )
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True,
                   capture_output=True)
    git("add", ".pre-commit-config.yaml", cwd=repo)


def commit(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    done = subprocess.run(["git", "commit", "-m", "change"], cwd=repo, env=env, capture_output=True, text=True)
    # git shows hook output on stderr; tests read it as one stream
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout + done.stderr, "")


def test_framework_blocks_a_vulnerable_commit_and_lets_a_clean_one_through(tmp_path, hook_repo, pre_commit_env) -> None:
    repo = new_repo(tmp_path / "user", {"tools.py": SHELL, "ok.py": CLEAN})
    install_hooks(repo, hook_repo, pre_commit_env, ("vulnloop",))
    git("add", "tools.py", cwd=repo)
    blocked = commit(repo, pre_commit_env)
    assert blocked.returncode != 0, blocked.stdout
    assert "tools.py:5  B602  CWE-78  high  subprocess call with shell=True" in blocked.stdout
    git("reset", "-q", "tools.py", cwd=repo)
    git("add", "ok.py", cwd=repo)
    passed = commit(repo, pre_commit_env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_try_repo_reports_syntax_errors_and_bad_encodings_without_a_traceback(tmp_path, hook_repo, pre_commit_env) -> None:
    repo = new_repo(tmp_path / "user", {"broken.py": "def broken(:\n    pass\n", "latin.py": b"name = 'caf\xe9'\n"})
    git("add", "-A", cwd=repo)
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo[0]), "vulnloop",
                           "--ref", hook_repo[1], "--all-files"], cwd=repo, env=pre_commit_env,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "broken.py: could not be checked: syntax error" in done.stdout
    assert "latin.py: could not be checked: not valid utf-8" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_fix_hook_rewrites_a_fixable_file_and_the_next_run_passes(tmp_path, hook_repo, pre_commit_env) -> None:
    repo = new_repo(tmp_path / "user", {"conf.py": YAML})
    install_hooks(repo, hook_repo, pre_commit_env, ("vulnloop-fix",))
    git("add", "conf.py", cwd=repo)
    first = commit(repo, pre_commit_env)
    assert first.returncode != 0
    assert "Fixing conf.py" in first.stdout
    assert "yaml.safe_load(handle)" in (repo / "conf.py").read_text()
    git("add", "conf.py", cwd=repo)
    second = commit(repo, pre_commit_env)
    assert second.returncode == 0, second.stdout


def test_bandit_excludes_in_pyproject_keep_test_asserts_out(tmp_path, hook_repo, pre_commit_env) -> None:
    repo = new_repo(tmp_path / "user", {
        "pyproject.toml": '[tool.bandit]\nexclude_dirs = ["tests"]\n',
        "tests/test_math.py": "def test_add():\n    assert 1 + 1 == 2\n",
    })
    install_hooks(repo, hook_repo, pre_commit_env, ("vulnloop",))
    git("add", "-A", cwd=repo)
    done = commit(repo, pre_commit_env)
    assert done.returncode == 0, done.stdout



def test_hook_honours_nosec_and_the_severity_setting_and_shows_verified_diffs(tmp_path, hook_repo, pre_commit_env) -> None:
    def try_repo(repo: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo[0]), "vulnloop",
                               "--ref", hook_repo[1], "--all-files"], cwd=repo, env=pre_commit_env,
                              capture_output=True, text=True)

    repo = new_repo(tmp_path / "user", {
        "pyproject.toml": '[tool.vulnloop]\nseverity = "high"\n',
        "silenced.py": SHELL.replace("shell=True)", "shell=True)  # nosec B602"),
        "low_only.py": "import subprocess\n\nVERSION = subprocess.__name__\n",  # B404: low
        "digest.py": "import hashlib\n\n\ndef cache_key(name):\n    return hashlib.sha1(name.encode()).hexdigest()\n",
    })
    git("add", "-A", cwd=repo)
    done = try_repo(repo)
    assert done.returncode != 0
    assert "digest.py:5  B324  CWE-327  high" in done.stdout
    assert "verified fix (codemod:weak-hash)" in done.stdout
    assert "+    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()" in done.stdout
    assert "silenced.py" not in done.stdout and "low_only.py" not in done.stdout
    git("rm", "-q", "-f", "digest.py", cwd=repo)
    assert try_repo(repo).returncode == 0

def test_plain_git_hook_checks_the_staged_version(tmp_path) -> None:
    repo = new_repo(tmp_path / "plain", {"tools.py": SHELL})
    hook = repo / ".git" / "hooks" / "pre-commit"
    shutil.copy(REPO_ROOT / "hooks" / "pre-commit", hook)
    hook.chmod(0o755)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    git("add", "tools.py", cwd=repo)
    (repo / "tools.py").write_text(CLEAN)  # fixed in the work tree only: the staged copy is still vulnerable
    blocked = commit(repo, env)
    assert blocked.returncode != 0
    assert "tools.py:5  B602" in blocked.stdout
    git("add", "tools.py", cwd=repo)
    assert commit(repo, env).returncode == 0
