"""``TarFile.extractall(...)`` trusting every member -> ``extractall(..., filter="data")``.

The "data" filter refuses members that would land outside the destination (absolute paths,
``..``, links pointing out), device files, and drops set-uid bits and odd permissions (PEP 706).

Which Pythons have it: 3.12 and later, and the security releases 3.8.17, 3.9.17, 3.10.12 and
3.11.4 onwards. The edit is the same everywhere, because it fails closed: on an older,
unpatched interpreter the call raises TypeError instead of extracting unsafely.

Only an archive the file opens itself is rewritten (``tarfile.open(...)`` or ``TarFile(...)``
called directly, assigned to the name, or bound by ``with ... as``): ``extractall`` is a
ZipFile method too, where ``filter`` does not exist. A ``filter`` the program already chose is
left alone.
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    has_star_args,
    keyword_arg,
    positional_args,
)
from vulnloop.repair.codemods.catalogue import INFOS

_OPENERS = frozenset(
    {"tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open"}
    | {f"tarfile.TarFile.{kind}open" for kind in ("taropen", "gz", "bz2", "xz")}
)
_MAX_POSITIONAL = 2  # extractall(path, members, *, numeric_owner, filter)


class TarfileDataFilter(ParsedCodemod):
    info = INFOS["tarfile_data_filter"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(finding, cst.Call, self._is_extractall)
        if call is None or has_star_args(call) or len(positional_args(call)) > _MAX_POSITIONAL:
            return None
        if keyword_arg(call, "filter") is not None:
            return None  # the program's own choice
        assert isinstance(call.func, cst.Attribute)
        if not self._opened_tar(parsed, call.func.value):
            return None
        return parsed.render([(call, append_keyword(call, "filter", cst.SimpleString('"data"')))])

    @staticmethod
    def _is_extractall(call: cst.Call) -> bool:
        return isinstance(call.func, cst.Attribute) and call.func.attr.value == "extractall"

    @staticmethod
    def _opened_tar(parsed: ParsedSource, receiver: cst.BaseExpression) -> bool:
        """Whether ``receiver`` is an archive opened by tarfile: the call itself, or a name
        bound (only) to one, by assignment or ``with ... as``."""
        if isinstance(receiver, cst.Call):
            return parsed.resolves_to(receiver.func, _OPENERS) is not None
        if not isinstance(receiver, cst.Name):
            return False
        scope = parsed.scope(receiver)
        if scope is None:
            return False
        bindings = list(scope[receiver.value])
        if not bindings:
            return False
        for binding in bindings:
            if not isinstance(binding, Assignment) or not isinstance(binding.node, cst.Name):
                return False
            holder = parsed.parent(binding.node)
            if isinstance(holder, cst.AssignTarget):
                assign = parsed.parent(holder)
                value = assign.value if isinstance(assign, cst.Assign) and len(assign.targets) == 1 else None
            elif isinstance(holder, cst.AsName):
                item = parsed.parent(holder)
                value = item.item if isinstance(item, cst.WithItem) else None
            else:
                value = None
            if not (isinstance(value, cst.Call) and parsed.resolves_to(value.func, _OPENERS)):
                return False
        return True


CODEMOD = TarfileDataFilter()
