"""The one error type that crosses module boundaries; the CLI turns it into a message and exit 2."""
from __future__ import annotations


class ConfigError(Exception):
    """A usage or configuration problem the user can fix: the message says what and how."""
