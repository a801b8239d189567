"""Settings: defaults, then ``[tool.vulnloop]`` in pyproject.toml, then command-line flags."""
from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from vulnloop.errors import ConfigError
from vulnloop.findings import Level
from vulnloop.pyproject_file import find_pyproject, read_tool_table

ENGINE_NAMES = ("bandit", "codeql", "semgrep", "redos", "callflow")
# What `auto` runs wherever it is installed. CodeQL is not among them: its licence covers only
# open-source repositories on GitHub.com and academic research, so it runs when named, or in the
# Action when the event says the repository is public.
AUTO_ENGINES = ("bandit", "semgrep", "redos", "callflow")


@dataclass(frozen=True)
class Config:
    engines: tuple[str, ...] = ("auto",)
    severity: Level = Level.LOW
    confidence: Level = Level.LOW
    exclude: tuple[str, ...] = ()
    max_iterations: int = 3
    llm: bool = True
    hook_llm: bool = False  # pre-commit hooks stay offline unless asked
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    token_budget: int = 200_000
    concurrency: int = 4
    llm_timeout: float = 60.0
    llm_deadline: float = 1800.0  # seconds for all LLM work in a run; 0: no limit
    retry_temperature: float = 0.7  # sampling for repair rounds 2+ (round 1: the model's, 0)
    prompt_style: str = "worked"  # "worked" or "plain" (see repair/prompt.py)
    verify_cmd: str | None = None
    codeql_threads: int = 0
    codeql_ram: int | None = None
    cache_dir: str | None = None
    source: Path | None = field(default=None, compare=False)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """Apply flags that were given (None means 'not given'), validating like the file."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **_validate(given, origin="command line"))


def _as_str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    return value


def as_int(key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise ConfigError(f"{key}: expected a whole number, got {value!r}") from None
    if value < minimum:
        raise ConfigError(f"{key}: must be at least {minimum}, got {value}")
    return int(value)


def parse_seconds(key: str, value: Any, minimum: float = 0) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a number of seconds, got {value!r}")
    try:
        seconds = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"{key}: expected a number of seconds, got {value!r}") from None
    if not math.isfinite(seconds) or seconds < minimum:
        raise ConfigError(f"{key}: must be at least {minimum:g} seconds, got {value!r}")
    return seconds


def _as_url(key: str, value: Any) -> str:
    from vulnloop.llm.client import check_base_url

    return check_base_url(_as_str(key, value), what=key)


def _as_fraction(key: str, value: Any, maximum: float) -> float:
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or not 0 <= number <= maximum:
        raise ConfigError(f"{key}: expected a number from 0 to {maximum:g}, got {value!r}")
    return number


def _as_choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"{key}: expected one of {', '.join(choices)}; got {value!r}")
    return str(value)


def _as_command(key: str, value: Any) -> str:
    """A command line that shlex can split (it runs without a shell)."""
    text = _as_str(key, value)
    try:
        shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"{key}: cannot split {text!r} into words ({exc}); check its quotes") from None
    return text


def as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def as_level(key: str, value: Any) -> Level:
    if isinstance(value, Level):
        return value
    try:
        return Level.parse(_as_str(key, value))
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _as_list(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [_as_str(key, item).strip() for item in value]
    else:
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    return tuple(item for item in items if item)


def parse_engines(key: str, value: Any) -> tuple[str, ...]:
    names = _as_list(key, value)
    if not names:
        raise ConfigError(f"{key}: name at least one engine (auto, {', '.join(ENGINE_NAMES)})")
    if names == ("auto",):
        return names
    unknown = [name for name in names if name not in ENGINE_NAMES]
    if unknown:
        raise ConfigError(
            f"{key}: unknown engine {unknown[0]!r}; choose auto or a comma-separated list of "
            f"{', '.join(ENGINE_NAMES)}"
        )
    return tuple(dict.fromkeys(names))


_PARSERS = {
    "engines": parse_engines,
    "severity": as_level,
    "confidence": as_level,
    "exclude": _as_list,
    "max_iterations": lambda k, v: as_int(k, v, minimum=1),
    "llm": as_bool,
    "hook_llm": as_bool,
    "model": _as_str,
    "base_url": _as_url,
    "api_key_env": _as_str,
    "token_budget": lambda k, v: as_int(k, v, minimum=0),
    "concurrency": lambda k, v: as_int(k, v, minimum=1),
    "llm_timeout": lambda k, v: parse_seconds(k, v, minimum=1),
    "llm_deadline": parse_seconds,
    "retry_temperature": lambda k, v: _as_fraction(k, v, maximum=2.0),
    "prompt_style": lambda k, v: _as_choice(k, v, ("worked", "plain")),
    "verify_cmd": _as_command,
    "codeql_threads": lambda k, v: as_int(k, v, minimum=0),
    "codeql_ram": lambda k, v: as_int(k, v, minimum=256),
    "cache_dir": _as_str,
}


def _validate(raw: Mapping[str, Any], *, origin: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        normal = key.replace("-", "_")
        parser = _PARSERS.get(normal)
        if parser is None:
            known = ", ".join(sorted(k.replace("_", "-") for k in _PARSERS))
            raise ConfigError(f"{origin}: unknown setting {key!r}; known settings: {known}")
        try:
            out[normal] = parser(f"{origin}: {key}", value)
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{origin}: {key}: {exc}") from None
    return out


def load_config(start: Path) -> Config:
    """Defaults overlaid with ``[tool.vulnloop]`` of the nearest pyproject.toml."""
    pyproject = find_pyproject(start)
    table = read_tool_table(pyproject, "vulnloop")
    origin = f"{pyproject} [tool.vulnloop]" if pyproject else "[tool.vulnloop]"
    return replace(Config(), **_validate(table, origin=origin), source=pyproject)
