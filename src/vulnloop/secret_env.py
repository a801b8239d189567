"""Which environment variables hold secrets: one rule for prompts and for child processes.

A name looks secret when it speaks of a key, token, secret, password or credential; the Action's
inputs (``INPUT_*``), the LLM's settings (``OPENAI_*``) and the runner's own tokens never leave
either. Prompts mask the values (``repair/prompt.py``); engines' child processes do not get them.
"""
from __future__ import annotations

import os
import re
from typing import Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL", re.IGNORECASE)
SECRET_PREFIXES = ("OPENAI_", "INPUT_", "ACTIONS_RUNTIME_", "ACTIONS_ID_TOKEN_")
MIN_SECRET_LENGTH = 8  # shorter values ("1", "true", "us") would shred ordinary code when masked


def looks_secret(name: str) -> bool:
    return name.startswith(SECRET_PREFIXES) or SECRET_NAME.search(name) is not None


def secret_values(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Secret-looking variables whose values are long enough to matter."""
    environ = os.environ if env is None else env
    return {
        name: value
        for name, value in environ.items()
        if looks_secret(name) and len(value.strip()) >= MIN_SECRET_LENGTH
    }


def child_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process (an engine's CLI), less everything that looks secret."""
    environ = os.environ if env is None else env
    return {name: value for name, value in environ.items() if not looks_secret(name)}
