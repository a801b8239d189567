"""``subprocess.run("ls -l", shell=True)`` -> ``subprocess.run(["ls", "-l"])``: a constant
command with nothing for a shell to interpret runs the same without one."""
from __future__ import annotations

import re
import shlex

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.built_string import quote_of
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    has_star_args,
    is_name,
    keyword_arg,
    positional_args,
    remove_arg,
    replace_arg_value,
    string_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

_SUBPROCESS = frozenset(
    f"subprocess.{name}" for name in ("run", "call", "check_call", "check_output", "Popen")
)

# Words made only of these characters mean the same to /bin/sh as to an argument list: no quoting,
# globbing, expansion, redirection, chaining or assignment (`=` is refused in the first word).
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")

# Commands that exist only inside a shell, or change it: without one they fail or do nothing.
_SHELL_ONLY = frozenset({
    "cd", "export", "source", ".", "exit", "set", "unset", "alias", "unalias", "ulimit", "umask",
    "eval", "exec", "read", "wait", "trap", "shift", "type", "hash", "command", "builtin", "let",
    "local", "declare", "typeset", "readonly", "times", "jobs", "fg", "bg", "history", "pushd",
    "popd", "dirs", "shopt", "test", "[", "true", "false", "echo", "printf", "kill",
})


def plain_program(word: str) -> bool:
    """A program name that runs the same without a shell: plain, no assignment, no builtin."""
    return bool(_PLAIN_WORD.fullmatch(word)) and not (
        "=" in word or word in _SHELL_ONLY or word.startswith("-")
    )


def plain_argument(word: str) -> bool:
    return bool(_PLAIN_WORD.fullmatch(word))


def _argument_list(command: str) -> list[str] | None:
    if "\n" in command or "\t" in command or "\r" in command:
        return None
    words = command.split(" ")
    words = [w for w in words if w]
    if not words or not plain_program(words[0]) or not all(plain_argument(w) for w in words):
        return None
    if shlex.split(command) != words:  # belt and braces: shlex must agree with the plain split
        return None
    return words


def shell_command(parsed: ParsedSource, finding: Finding) -> tuple[cst.Call, cst.Arg] | None:
    """The flagged ``subprocess.<run...>(command, shell=True, ...)`` call and its command argument,
    when the call has no other positional argument, no *args/**kwargs and no ``executable``."""
    call = parsed.locate(
        finding, cst.Call, lambda c: parsed.resolves_to(c.func, _SUBPROCESS) is not None
    )
    if call is None or has_star_args(call) or keyword_arg(call, "executable") is not None:
        return None
    shell = keyword_arg(call, "shell")
    positional = positional_args(call)
    if shell is None or not is_name(shell.value, "True") or len(positional) != 1:
        return None
    return call, positional[0]


def without_shell(call: cst.Call, command: cst.Arg, listing: cst.BaseExpression | None) -> cst.Call:
    """The call with ``shell=True`` dropped and, unless None, ``listing`` as its command."""
    new_call = call if listing is None else replace_arg_value(call, command, listing)
    new_shell = keyword_arg(new_call, "shell")
    assert new_shell is not None
    return remove_arg(new_call, new_shell)


class SubprocessShellLiteral(ParsedCodemod):
    info = INFOS["subprocess_shell_literal"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        found = shell_command(parsed, finding)
        if found is None:
            return None
        call, command_arg = found
        command = string_value(command_arg.value)
        if command is None:
            return None
        words = _argument_list(command)
        if words is None:
            return None
        quote = quote_of(parsed.code(command_arg.value))
        listing = cst.parse_expression("[" + ", ".join(f"{quote}{w}{quote}" for w in words) + "]")
        return parsed.render([(call, without_shell(call, command_arg, listing))])


CODEMOD = SubprocessShellLiteral()
