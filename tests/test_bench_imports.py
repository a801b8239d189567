"""The benchmark sits beside the product: it reaches vulnloop only through vulnloop.api (and the
findings and CWE records), and `vulnloop bench --help` loads none of it."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import vulnloop.api
import vulnloop.bench

BENCH = Path(vulnloop.bench.__file__).parent
ALLOWED = {"vulnloop", "vulnloop.api", "vulnloop.findings", "vulnloop.cwe"}


def product_imports(source: str) -> set[str]:
    """The vulnloop modules a file imports, the benchmark's own left out."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {n for n in names if n.split(".")[0] == "vulnloop" and not n.startswith("vulnloop.bench")}
    return found


def test_the_check_sees_an_import_of_a_product_internal() -> None:
    source = "from vulnloop.api import Engine\ndef f():\n    from vulnloop.repair.verify import compiles\n"
    assert product_imports(source) - ALLOWED == {"vulnloop.repair.verify"}


def test_bench_reaches_the_product_only_through_the_api() -> None:
    modules = sorted(BENCH.glob("*.py"))
    assert len(modules) > 10
    outside = {
        path.name: sorted(product_imports(path.read_text(encoding="utf-8")) - ALLOWED) for path in modules
    }
    assert {name: found for name, found in outside.items() if found} == {}


def test_every_api_name_is_there() -> None:
    missing = [name for name in vulnloop.api.__all__ if not hasattr(vulnloop.api, name)]
    assert vulnloop.api.__all__ and missing == []


def test_bench_help_loads_no_benchmark_module() -> None:
    script = (
        "import sys\n"
        "from vulnloop.main import main\n"
        "try:\n"
        "    main(['bench', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('vulnloop.bench.') or m == 'vulnloop.api'))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "generate" in run.stdout  # the help was printed
    assert run.stdout.strip().splitlines()[-1] == "[]"
