"""Reading the project's pyproject.toml, where both our settings and Bandit's live."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from vulnloop.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start``, stopping at a repository root."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def read_tool_table(pyproject: Path | None, tool: str) -> dict[str, Any]:
    if pyproject is None:
        return {}
    try:
        with pyproject.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get(tool, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.{tool}] must be a table")
    return table
