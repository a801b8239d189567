"""Standard-library XML parsing -> the ``defusedxml`` equivalents (entity expansion and external
entities refused); lxml parsing -> an explicit parser that does not resolve entities.

When the flagged call's module is imported under a name used only for things defusedxml provides
(``import xml.etree.ElementTree as ET`` with only ``ET.fromstring``/``ET.parse``...), the import
itself is swapped, which also clears Bandit's import warning. Otherwise only the call is
rewritten, to ``defusedxml.<module>.<function>``. Calls passing their own ``parser`` are refused:
defusedxml's protection lives in its parser.

defusedxml is a new dependency for most projects. No standard-library rewrite would do: the
scanners flag every use of these modules (recent Pythons resolve no external entities and
bundle an expat that limits expansion, but the scanners cannot know the interpreter), so the
repair keeps defusedxml and the ledger, review, SARIF and summary name the dependency with the
file to declare it in (``repair/dependencies.py``).
"""
from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.metadata import ImportAssignment

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    append_keyword,
    call_shape_ok,
    has_star_args,
    is_name,
    keyword_arg,
    keyword_names,
    positional_args,
    replace_arg_value,
)
from vulnloop.repair.codemods.catalogue import INFOS

# stdlib module -> defusedxml module
_DEFUSED = {
    "xml.etree.ElementTree": "defusedxml.ElementTree",
    "xml.etree.cElementTree": "defusedxml.ElementTree",
    "xml.dom.minidom": "defusedxml.minidom",
    "xml.dom.pulldom": "defusedxml.pulldom",
    "xml.sax": "defusedxml.sax",
    "xml.dom.expatbuilder": "defusedxml.expatbuilder",
    "xml.sax.expatreader": "defusedxml.expatreader",
}

# function -> (most positional arguments, keywords) that mean the same to stdlib and defusedxml.
_SHAPES: dict[str, tuple[int, frozenset[str]]] = {}
for _etree in ("xml.etree.ElementTree", "xml.etree.cElementTree"):
    _SHAPES.update({
        f"{_etree}.parse": (1, frozenset({"source"})),
        f"{_etree}.iterparse": (2, frozenset({"source", "events"})),
        f"{_etree}.fromstring": (1, frozenset({"text"})),
        f"{_etree}.XML": (1, frozenset({"text"})),
        f"{_etree}.XMLParser": (0, frozenset({"target", "encoding"})),
    })
for _dom in ("xml.dom.minidom", "xml.dom.pulldom"):
    _SHAPES.update({
        f"{_dom}.parse": (1, frozenset({"file", "stream_or_string", "bufsize"})),
        f"{_dom}.parseString": (1, frozenset({"string"})),
    })
_SHAPES.update({
    "xml.sax.parse": (3, frozenset({"source", "handler", "errorHandler"})),
    "xml.sax.parseString": (3, frozenset({"string", "handler", "errorHandler"})),
    "xml.sax.make_parser": (1, frozenset({"parser_list"})),
    "xml.dom.expatbuilder.parse": (2, frozenset({"file", "namespaces"})),
    "xml.dom.expatbuilder.parseString": (2, frozenset({"string", "namespaces"})),
    "xml.sax.expatreader.create_parser": (2, frozenset({"namespaceHandling", "bufsize"})),
})
# Names the defused modules also provide that need no argument check (not parsers).
_PASSTHROUGH = {
    "defusedxml.ElementTree": frozenset({"ParseError", "tostring"}),
}
_LXML = frozenset({
    "lxml.etree.fromstring", "lxml.etree.XML", "lxml.etree.parse", "lxml.etree.XMLID", "lxml.etree.fromstringlist",
})
_LXML_SOURCE = frozenset({"text", "source", "strings"})  # the keyword naming the document


def _module_of(function: str) -> str:
    return function.rsplit(".", 1)[0]


class DefusedXml(ParsedCodemod):
    info = INFOS["defused_xml"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        flagged = frozenset(_SHAPES) | _LXML
        call = parsed.locate(finding, cst.Call, lambda c: parsed.resolves_to(c.func, flagged) is not None)
        if call is not None:
            return self._fix_call(parsed, call)
        for kind in (cst.Import, cst.ImportFrom):
            statement = parsed.locate(finding, kind, lambda s: self._stdlib_import(parsed, s))
            if statement is not None:
                return self._swap_import(parsed, statement)
        return None

    # --- calls ----------------------------------------------------------------------------

    def _fix_call(self, parsed: ParsedSource, call: cst.Call) -> str | None:
        function = parsed.resolves_to(call.func, frozenset(_SHAPES) | _LXML)
        assert function is not None
        if function in _LXML:
            return self._lxml_parser(parsed, call)
        statement = self._binding_import(parsed, call.func)
        if statement is not None:
            swapped = self._swap_import(parsed, statement)
            if swapped is not None:
                return swapped
        most, keywords = _SHAPES[function]
        if not call_shape_ok(call, most, keywords):
            return None
        reference = parsed.module_reference(_DEFUSED[_module_of(function)])
        if reference is None:
            return None
        new_func = cst.Attribute(value=reference[0], attr=cst.Name(function.rsplit(".", 1)[1]))
        return parsed.render([(call, call.with_changes(func=new_func))], [reference[1]])

    @staticmethod
    def _lxml_parser(parsed: ParsedSource, call: cst.Call) -> str | None:
        """``parser=`` an lxml parser resolving no entities, added or in place of ``None``."""
        positional = positional_args(call)
        parser = keyword_arg(call, "parser") or (positional[1] if len(positional) == 2 else None)
        if parser is not None and not is_name(parser.value, "None"):
            return None
        keywords = keyword_names(call) - {"parser"}
        if has_star_args(call) or not keywords <= _LXML_SOURCE | {"base_url"} or len(
            [a for a in positional if a is not parser]
        ) + len(keywords & _LXML_SOURCE) != 1:
            return None
        if isinstance(call.func, cst.Attribute) and parsed.qualified_names(call.func.value) == {"lxml.etree"}:
            etree: cst.BaseExpression = call.func.value
            need = None
        else:
            reference = parsed.module_reference("lxml.etree")
            if reference is None:
                return None
            etree, need = reference
        safe = cst.parse_expression(f"{parsed.code(etree)}.XMLParser(resolve_entities=False, no_network=True)")
        if parser is None:
            new_call = append_keyword(call, "parser", safe)
        else:
            new_call = replace_arg_value(call, parser, safe)
        return parsed.render([(call, new_call)], [need])

    # --- imports --------------------------------------------------------------------------

    def _stdlib_import(self, parsed: ParsedSource, statement: cst.CSTNode) -> bool:
        return bool(self._imported_modules(parsed, statement))

    def _imported_modules(self, parsed: ParsedSource, statement: cst.CSTNode) -> list[str]:
        """The stdlib XML modules (or functions' modules) a statement imports."""
        found: list[str] = []
        if isinstance(statement, cst.Import):
            found = [parsed.code(a.name) for a in statement.names if parsed.code(a.name) in _DEFUSED]
        elif isinstance(statement, cst.ImportFrom) and statement.module is not None and not statement.relative:
            module = parsed.code(statement.module)
            if module in _DEFUSED:
                found = [module]
            elif not isinstance(statement.names, cst.ImportStar):
                found = [
                    f"{module}.{parsed.code(a.name)}"
                    for a in statement.names
                    if f"{module}.{parsed.code(a.name)}" in _DEFUSED
                ]
        return found

    def _binding_import(self, parsed: ParsedSource, func: cst.BaseExpression) -> cst.CSTNode | None:
        """The import statement that binds the name the call's function is reached through."""
        base = func.value if isinstance(func, cst.Attribute) else func
        if not isinstance(base, cst.Name):
            return None
        scope = parsed.scope(base)
        if scope is None:
            return None
        bindings = [a for a in scope[base.value] if isinstance(a, ImportAssignment)]
        if len(bindings) != 1:
            return None
        return bindings[0].node

    def _swap_import(self, parsed: ParsedSource, statement: cst.CSTNode) -> str | None:
        new: cst.CSTNode | None = None
        if isinstance(statement, cst.Import):
            new = self._swap_plain(parsed, statement)
        elif isinstance(statement, cst.ImportFrom):
            new = self._swap_from(parsed, statement)
        return None if new is None else parsed.render([(statement, new)])

    def _swap_plain(self, parsed: ParsedSource, statement: cst.Import) -> cst.Import | None:
        # `import xml.etree.ElementTree as ET`: one aliased module, else its users must change too.
        if len(statement.names) != 1 or statement.names[0].asname is None:
            return None
        alias = statement.names[0]
        module = parsed.code(alias.name)
        if module not in _DEFUSED or not self._module_uses_ok(parsed, alias, module):
            return None
        return statement.with_changes(
            names=[alias.with_changes(name=cst.parse_expression(_DEFUSED[module]))]
        )

    def _swap_from(self, parsed: ParsedSource, statement: cst.ImportFrom) -> cst.ImportFrom | None:
        if statement.module is None or statement.relative or isinstance(statement.names, cst.ImportStar):
            return None
        module = parsed.code(statement.module)
        aliases = list(statement.names)
        if module in _DEFUSED:  # from xml.etree.ElementTree import fromstring, ParseError
            for alias in aliases:
                if not self._function_uses_ok(parsed, alias, f"{module}.{parsed.code(alias.name)}", _DEFUSED[module]):
                    return None
            return statement.with_changes(module=cst.parse_expression(_DEFUSED[module]))
        new_aliases = []
        for alias in aliases:  # from xml.etree import ElementTree as ET
            full = f"{module}.{parsed.code(alias.name)}"
            if full not in _DEFUSED or not self._module_uses_ok(parsed, alias, full):
                return None
            leaf = _DEFUSED[full].rsplit(".", 1)[1]
            changed = alias.with_changes(name=cst.Name(leaf))
            if leaf != parsed.code(alias.name) and alias.asname is None:
                changed = changed.with_changes(asname=cst.AsName(name=cst.Name(parsed.code(alias.name))))
            new_aliases.append(changed)
        return statement.with_changes(module=cst.Name("defusedxml"), names=new_aliases)

    # --- checking every use of an imported name -------------------------------------------

    def _uses(self, parsed: ParsedSource, alias: cst.ImportAlias) -> Sequence[cst.Name] | None:
        """Every use of the name an import alias binds, or None when it is bound anywhere else
        or used somewhere libcst could not attribute to this import."""
        bound = parsed.code(alias.asname.name) if alias.asname else parsed.code(alias.name)
        if "." in bound:
            return None
        assignments = parsed.assignments(bound, with_references=True)
        if len(assignments) != 1 or not isinstance(assignments[0], ImportAssignment):
            return None
        uses = [r.node for r in assignments[0].references if isinstance(r.node, cst.Name)]
        if parsed.name_count(bound) != len(uses) + 1 or len(uses) != len(assignments[0].references):
            return None
        return uses

    def _module_uses_ok(self, parsed: ParsedSource, alias: cst.ImportAlias, module: str) -> bool:
        uses = self._uses(parsed, alias)
        if uses is None:
            return False
        for use in uses:
            attribute = parsed.parent(use)
            if not isinstance(attribute, cst.Attribute) or attribute.value is not use:
                return False
            if not self._member_use_ok(parsed, attribute, f"{module}.{attribute.attr.value}", _DEFUSED[module]):
                return False
        return True

    def _function_uses_ok(self, parsed: ParsedSource, alias: cst.ImportAlias, function: str, defused: str) -> bool:
        uses = self._uses(parsed, alias)
        return uses is not None and all(self._member_use_ok(parsed, use, function, defused) for use in uses)

    @staticmethod
    def _member_use_ok(parsed: ParsedSource, node: cst.BaseExpression, function: str, defused: str) -> bool:
        name = function.rsplit(".", 1)[1]
        if name in _PASSTHROUGH.get(defused, frozenset()):
            return True
        call = parsed.parent(node)
        if function not in _SHAPES or not isinstance(call, cst.Call) or call.func is not node:
            return False
        most, keywords = _SHAPES[function]
        return call_shape_ok(call, most, keywords)


CODEMOD = DefusedXml()
