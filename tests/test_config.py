from __future__ import annotations

from dataclasses import fields

import pytest

from vulnloop import config as config_module
from vulnloop.config import Config, load_config
from vulnloop.errors import ConfigError
from vulnloop.findings import Level


def test_every_setting_has_a_parser() -> None:
    assert set(config_module._PARSERS) == {f.name for f in fields(Config)} - {"source"}


def test_pyproject_settings_then_flags(write_tree) -> None:
    root = write_tree(
        {"pyproject.toml": '[tool.vulnloop]\nseverity = "medium"\nexclude = ["migrations"]\nmax-iterations = 5\n'}
    )
    config = load_config(root)
    assert config.severity is Level.MEDIUM and config.exclude == ("migrations",) and config.max_iterations == 5
    overridden = config.with_overrides({"severity": "high", "engines": "bandit", "model": None})
    assert overridden.severity is Level.HIGH and overridden.engines == ("bandit",)
    assert overridden.model == Config().model


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('sevrity = "high"', "unknown setting 'sevrity'"),
        ('severity = "critical"', "severity: expected one of low, medium, high"),
        ("max_iterations = 0", "max_iterations: must be at least 1"),
        ('engines = ["bandit", "sonar"]', "unknown engine 'sonar'"),
        ("llm = 3", "llm: expected true or false"),
    ],
)
def test_bad_settings_name_the_key(write_tree, table: str, message: str) -> None:
    root = write_tree({"pyproject.toml": f"[tool.vulnloop]\n{table}\n"})
    with pytest.raises(ConfigError, match=message) as info:
        load_config(root)
    assert "pyproject.toml" in str(info.value)


def test_invalid_toml_is_a_clear_error(write_tree) -> None:
    root = write_tree({"pyproject.toml": "[tool.vulnloop\n"})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(root)


def test_retry_temperature_and_prompt_style_are_checked_settings() -> None:
    config = Config().with_overrides({"retry_temperature": "0.4", "prompt_style": "plain"})
    assert (config.retry_temperature, config.prompt_style) == (0.4, "plain")
    for bad in ({"retry_temperature": "hot"}, {"retry_temperature": 3}, {"prompt_style": "fancy"}):
        with pytest.raises(ConfigError):
            Config().with_overrides(bad)
