"""The command line: argparse and dispatch. Each command lives in ``commands/<verb>.py``."""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from vulnloop import __version__
from vulnloop.errors import ConfigError

# Each module exposes ``register(subparsers)``, which adds its parser and sets ``run``:
# a function taking the parsed arguments and returning the exit code.
COMMANDS = ("scan", "fix", "hook", "action", "bench")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that command's module is imported (hooks start faster)."""
    parser = argparse.ArgumentParser(
        prog="vulnloop",
        description=(
            "Scan Python with Bandit and CodeQL, repair findings with codemods or an LLM, "
            "and keep only repairs that a re-scan verifies."
        ),
        epilog="Exit codes: 0 clean, 1 findings remain (or files changed), 2 usage or configuration error.",
    )
    parser.add_argument("--version", action="version", version=f"vulnloop {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"vulnloop.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"vulnloop.commands.{name}":
                continue  # a command not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = arguments[0] if arguments else None
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(arguments)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(f"vulnloop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vulnloop: interrupted", file=sys.stderr)
        return 130
