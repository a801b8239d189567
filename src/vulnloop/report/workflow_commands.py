"""Workflow commands and files a job step uses to talk to the runner.

Annotations and masks are lines on stdout (``::warning file=...::message``); outputs and the job
summary are files named by ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``. The functions here build
the text; the command decides where it goes.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Mapping

ANNOTATION_LEVELS = ("notice", "warning", "error")


def escape_data(text: str) -> str:
    """Escape a command's message so a newline or '%' in it cannot end or forge a command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: object) -> str:
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    end_line: int | None = None,
    title: str | None = None,
) -> str:
    if level not in ANNOTATION_LEVELS:
        raise ValueError(f"annotation level must be one of {', '.join(ANNOTATION_LEVELS)}")
    return command(
        level,
        message,
        file=file,
        line=line,
        endLine=end_line if end_line is not None and line is not None and end_line != line else None,
        title=title,
    )


def log_line(message: str, prefix: str = "vulnloop: ") -> str:
    """One plain log line: text from the pull request (a file name may hold a newline) must not
    start a new line that the runner would read as a workflow command."""
    return prefix + " ".join(message.splitlines())


def add_mask(value: str) -> str:
    return command("add-mask", value)


def format_outputs(outputs: Mapping[str, str]) -> str:
    """``GITHUB_OUTPUT`` lines; multi-line values use a delimiter that cannot occur in the value."""
    lines: list[str] = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            while delimiter in value:
                delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            lines.extend([f"{name}<<{delimiter}", value, delimiter])
        else:
            lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def append_file(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")
