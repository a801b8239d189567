"""``yaml.load`` with the default or an object-building Loader -> ``yaml.safe_load``."""
from __future__ import annotations

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    call_shape_ok,
    keyword_arg,
    positional_args,
    remove_arg,
)
from vulnloop.repair.codemods.catalogue import INFOS

_SAFE_NAMES = {"yaml.load": "safe_load", "yaml.load_all": "safe_load_all"}

# Loaders that build arbitrary (Unsafe) or some (Full) Python objects. BaseLoader is left alone:
# it is already safe and safe_load would turn its all-strings results into ints, dates, ...
_OBJECT_LOADERS = frozenset(
    f"yaml.{module}{name}"
    for module in ("", "loader.", "cyaml.")
    for name in ("Loader", "FullLoader", "UnsafeLoader", "CLoader", "CFullLoader", "CUnsafeLoader")
)


class YamlSafeLoad(ParsedCodemod):
    info = INFOS["yaml_safe_load"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, set(_SAFE_NAMES)) is not None
        )
        if call is None or not call_shape_ok(call, 2, {"stream", "Loader"}):
            return None
        positional = positional_args(call)
        if bool(positional) + (keyword_arg(call, "stream") is not None) != 1:
            return None  # the stream is passed exactly once
        loader = keyword_arg(call, "Loader") or (positional[1] if len(positional) == 2 else None)
        if loader is not None and parsed.resolves_to(loader.value, _OBJECT_LOADERS) is None:
            return None
        function = parsed.resolves_to(call.func, set(_SAFE_NAMES))
        assert function is not None
        new_func = parsed.sibling(call.func, "yaml", _SAFE_NAMES[function])
        if new_func is None:
            return None
        new_call = call if loader is None else remove_arg(call, loader)
        new_call = new_call.with_changes(func=new_func[0])
        return parsed.render([(call, new_call)], [new_func[1]])


CODEMOD = YamlSafeLoad()
