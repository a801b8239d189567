"""``name = tempfile.mktemp()`` -> ``fd, name = tempfile.mkstemp(); os.close(fd)``.

mktemp only invents a name, so another process can create that file first (or a symlink there).
mkstemp creates the file itself, readable only by its owner. The rewrite is made only when every
later use of the name works the same on an existing, empty file: ``open`` in a mode other than
"x", print, os.remove/os.unlink, and returning it after it was opened.
"""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    call_shape_ok,
    keyword_arg,
    positional_args,
    string_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

_MKTEMP = frozenset({"tempfile.mktemp"})
_OPEN = frozenset({"builtins.open", "io.open"})
_TAKES_PATH = frozenset({"os.remove", "os.unlink"})
_PRINT = frozenset({"builtins.print"})
_FD_NAMES = ("fd", "tmp_fd", "temp_fd", "tempfile_fd")


class _Names(cst.CSTVisitor):
    def __init__(self, wanted: str) -> None:
        self.wanted = wanted
        self.found: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.wanted:
            self.found.append(node)


class TempfileMkstemp(ParsedCodemod):
    info = INFOS["tempfile_mkstemp"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _MKTEMP) is not None
        )
        if call is None or not call_shape_ok(call, 3, {"suffix", "prefix", "dir"}):
            return None
        assign = parsed.parent(call)
        line = parsed.parent(assign) if assign is not None else None
        if not (
            isinstance(assign, cst.Assign)
            and isinstance(line, cst.SimpleStatementLine)
            and len(line.body) == 1
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
        ):
            return None
        name = assign.targets[0].target.value
        function = self._function_of(parsed, line)
        if function is None or not self._uses_allow_existing_file(parsed, function, name):
            return None
        new_func = parsed.sibling(call.func, "tempfile", "mkstemp")
        os_ref = parsed.module_reference("os")
        fd = next((n for n in _FD_NAMES if not parsed.has_name(n)), None)
        if new_func is None or os_ref is None or fd is None:
            return None
        mkstemp = parsed.code(call.with_changes(func=new_func[0]))
        newline = parsed.default_newline
        first = cst.parse_statement(f"{fd}, {name} = {mkstemp}{newline}").with_changes(
            leading_lines=line.leading_lines, trailing_whitespace=line.trailing_whitespace
        )
        close = cst.parse_statement(f"{parsed.code(os_ref[0])}.close({fd}){newline}")
        return parsed.render([(line, cst.FlattenSentinel([first, close]))], [new_func[1], os_ref[1]])

    @staticmethod
    def _function_of(parsed: ParsedSource, node: cst.CSTNode) -> cst.FunctionDef | None:
        current = parsed.parent(node)
        while current is not None and not isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Module)):
            current = parsed.parent(current)
        return current if isinstance(current, cst.FunctionDef) else None

    def _uses_allow_existing_file(self, parsed: ParsedSource, function: cst.FunctionDef, name: str) -> bool:
        names = _Names(name)
        function.visit(names)
        opened = False
        returned = False
        assignments = 0
        for node in names.found:
            parent = parsed.parent(node)
            if isinstance(parent, cst.AssignTarget):
                assignments += 1
                continue
            if isinstance(parent, cst.Return):
                returned = True
                continue
            use = self._enclosing_call_use(parsed, node)
            if use is None:
                return False
            opened = opened or use == "open"
        return assignments == 1 and (opened or not returned)

    @staticmethod
    def _enclosing_call_use(parsed: ParsedSource, name: cst.Name) -> str | None:
        arg = parsed.parent(name)
        call = parsed.parent(arg) if arg is not None else None
        if isinstance(arg, cst.Arg) and isinstance(call, cst.Call):
            positional = positional_args(call)
            if parsed.resolves_to(call.func, _OPEN) and positional and positional[0] is arg:
                mode = keyword_arg(call, "mode") or (positional[1] if len(positional) > 1 else None)
                text = "r" if mode is None else string_value(mode.value)
                return "open" if text is not None and "x" not in text else None
            if parsed.resolves_to(call.func, _TAKES_PATH) and positional == [arg]:
                return "remove"
        node: cst.CSTNode | None = name
        while node is not None and not isinstance(node, cst.BaseStatement):
            if isinstance(node, cst.Call) and parsed.resolves_to(node.func, _PRINT):
                return "print"
            node = parsed.parent(node)
        return None


CODEMOD = TempfileMkstemp()
