"""``root.xpath(f"//user[name='{name}']")`` -> ``root.xpath("//user[name=$name]", name=name)``: values
formatted into an lxml XPath query become XPath variables, compared as strings and never read as
XPath.

Every value must fill a whole XPath string literal (``'{name}'`` or ``"{name}"``): a value outside
quotes was meant as XPath (a path, a number), and one sharing its quotes with other text
(``'user-{id}'``) would need ``concat()``; both are refused. The query may also come through a
variable assigned just before the call and used nowhere else; its values are then only names,
attributes and subscripts, so that moving them into the call changes no order of evaluation.

Semgrep's rule flags ``.xpath(...)`` on any receiver, and other libraries' ``xpath`` methods (parsel,
Scrapy) take other arguments: the receiver must be known to be lxml's, i.e. made by an lxml parse
or element call (directly, through ``.getroot()`` or a name assigned once from one), or a
parameter annotated with lxml's element or tree type.
"""
from __future__ import annotations

import re

import libcst as cst

from vulnloop.findings import Finding
from vulnloop.repair.codemods.built_string import (
    Placeholder,
    annotated_as,
    only_assignment,
    pieces,
    quote_of,
    single_use_value,
    value_expression,
)
from vulnloop.repair.codemods.catalogue import INFOS
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    Replacement,
    append_keyword,
    calls_in,
    has_star_args,
    keyword_names,
    positional_args,
    replace_arg_value,
)

_LXML_MAKERS = frozenset(
    [f"lxml.etree.{f}" for f in ("fromstring", "XML", "HTML", "parse", "ElementTree", "Element", "SubElement",
                                   "fromstringlist")]
    + [f"lxml.html.{f}" for f in ("fromstring", "document_fromstring", "fragment_fromstring", "parse")]
    + [f"lxml.objectify.{f}" for f in ("fromstring", "XML", "parse")]
)
_LXML_TYPES = frozenset({"lxml.etree._Element", "lxml.etree._ElementTree", "lxml.html.HtmlElement"})
# xpath()'s own keyword parameters: a variable cannot take these names.
_XPATH_PARAMETERS = frozenset({"_path", "namespaces", "extensions", "smart_strings"})
_SIMPLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MOVABLE = (cst.Name, cst.Attribute, cst.Subscript, cst.SimpleString, cst.Integer)


def _is_lxml(parsed: ParsedSource, node: cst.BaseExpression, depth: int = 3) -> bool:
    """``node`` certainly evaluates to an lxml element or tree."""
    if depth == 0:
        return False
    if isinstance(node, cst.Call):
        func = node.func
        if parsed.resolves_to(func, _LXML_MAKERS) is not None:
            return True
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "getroot"
            and not node.args
            and _is_lxml(parsed, func.value, depth - 1)
        )
    if annotated_as(parsed, node, _LXML_TYPES):
        return True
    assign = only_assignment(parsed, node)
    return assign is not None and _is_lxml(parsed, assign.value, depth - 1)


def _variable_name(expression: cst.BaseExpression) -> str:
    """A readable XPath variable name for a value: its name, attribute or string key."""
    if isinstance(expression, cst.Name):
        name = expression.value
    elif isinstance(expression, cst.Attribute):
        name = expression.attr.value
    elif (
        isinstance(expression, cst.Subscript)
        and len(expression.slice) == 1
        and isinstance(expression.slice[0].slice, cst.Index)
        and isinstance(expression.slice[0].slice.value, cst.SimpleString)
    ):
        key = expression.slice[0].slice.value.evaluated_value
        name = key if isinstance(key, str) else "value"
    else:
        name = "value"
    name = name if _SIMPLE_NAME.fullmatch(name) else "value"
    return f"{name}_value" if name in _XPATH_PARAMETERS else name


def _string_literal(text: str, quote: str) -> str:
    if quote not in text and "\\" not in text and text.isprintable():
        return f"{quote}{text}{quote}"
    return repr(text)


class XpathVariables(ParsedCodemod):
    info = INFOS["xpath_variables"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding,
            cst.Call,
            lambda c: isinstance(c.func, cst.Attribute) and c.func.attr.value == "xpath",
        )
        if call is None or has_star_args(call) or len(positional_args(call)) != 1:
            return None
        assert isinstance(call.func, cst.Attribute)
        if not _is_lxml(parsed, call.func.value):
            return None
        query = positional_args(call)[0]
        assign = single_use_value(parsed, query.value, call)
        template = assign.value if assign is not None else query.value
        built = self._constant_query(parsed, template, keyword_names(call))
        if built is None:
            return None
        text, variables = built
        if assign is not None and not all(
            isinstance(v.expression, _MOVABLE) and not calls_in(v.expression) for v in variables.values()
        ):
            return None
        literal = cst.parse_expression(_string_literal(text, quote_of(parsed.code(template))))
        new_call = call if assign is not None else replace_arg_value(call, query, literal)
        for name, placeholder in variables.items():
            value = value_expression(parsed, placeholder)
            if value is None:
                return None
            new_call = append_keyword(new_call, name, value)
        edits: list[tuple[cst.CSTNode, Replacement]] = [(call, new_call)]
        if assign is not None:
            edits.append((assign, assign.with_changes(value=literal)))
        return parsed.render(edits)

    @staticmethod
    def _constant_query(
        parsed: ParsedSource, template: cst.BaseExpression, taken: set[str]
    ) -> tuple[str, dict[str, Placeholder]] | None:
        """The query with each quoted value replaced by ``$name``, and the values by name; None
        when a value is not alone inside its quotes, or a name is already used."""
        found = pieces(parsed, template)
        if found is None or not any(isinstance(p, Placeholder) for p in found):
            return None
        out: list[str] = []
        outside: list[str] = []  # the query's own text outside string literals
        variables: dict[str, Placeholder] = {}
        by_code: dict[str, str] = {}
        quote: str | None = None  # the quote of the XPath string literal being read
        literal: list[str | Placeholder] = []
        for piece in found:
            if isinstance(piece, Placeholder):
                if quote is None or literal:
                    return None  # outside quotes, or sharing them with text
                literal.append(piece)
                continue
            for char in piece:
                if quote is None:
                    if char in "'\"":
                        quote, literal = char, []
                    else:
                        out.append(char)
                        outside.append(char)
                elif char != quote:
                    if literal and isinstance(literal[0], Placeholder):
                        return None  # text after the value, inside its quotes
                    literal.append(char)
                elif literal and isinstance(literal[0], Placeholder):
                    name = XpathVariables._name(parsed, literal[0], variables, by_code, taken)
                    if name is None:
                        return None
                    out.append(f"${name}")
                    quote = None
                else:
                    out.append(quote + "".join(c for c in literal if isinstance(c, str)) + quote)
                    quote = None
        own = "".join(outside)
        if quote is not None or any(re.search(rf"\${name}(?![\w.-])", own) for name in variables):
            return None  # an unclosed literal, or a variable the query already uses
        return "".join(out), variables

    @staticmethod
    def _name(
        parsed: ParsedSource,
        placeholder: Placeholder,
        variables: dict[str, Placeholder],
        by_code: dict[str, str],
        taken: set[str],
    ) -> str | None:
        """The variable for a value (the same for the same expression); None when the call
        already passes a keyword of that name."""
        code = parsed.code(placeholder.expression)
        if code in by_code:
            return by_code[code]
        name = base = _variable_name(placeholder.expression)
        if name in taken:
            return None
        suffix = 2
        while name in variables:
            name, suffix = f"{base}{suffix}", suffix + 1
        by_code[code] = name
        variables[name] = placeholder
        return name


CODEMOD = XpathVariables()
