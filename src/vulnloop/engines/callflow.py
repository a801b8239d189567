"""The `callflow` engine: untrusted data that crosses a function boundary inside one file.

Semgrep CE follows data only inside one function, so it misses ``cmd = read_cmd()`` where
``read_cmd`` returns request data, and a view handing a parameter to a helper that runs it.
This engine reads each module's syntax tree (never runs it) and computes, for every function
and method, a summary: which of its parameters (and which sources it reads) flow to its return
value, and which parameters reach a sink of flow_catalogue, directly or through further calls.
Summaries are recomputed over the module's calls until they settle (at most _ROUNDS rounds, so
the cost stays linear in the file's size). A finding is reported only for a path that crosses at
least one call: a flow inside one function is the Semgrep rules' job, and reporting it twice
would only add noise.

The analysis is deliberately simple: a variable is tainted once anything tainted is assigned to
it (order and branches are ignored), calls to code outside the file pass their arguments'
taint through, and a variable checked against an allow-list or a full-match pattern, or passed
through a sanitizer of the catalogue, is clean. Findings carry medium confidence (low for
command-line and environment input): choose with ``--confidence``.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from vulnloop.engines import flow_catalogue as catalogue
from vulnloop.engines.flow_catalogue import Sink, SourceKind
from vulnloop.engines.ast_engine import AstEngine, location
from vulnloop.findings import Finding, Level

ENGINE = "callflow"
_ROUNDS = 8  # call chains deeper than this inside one file are not followed
_PASSES = 4  # passes over one function's assignments (loops feed values backwards)
_MODULE = "<module>"


@dataclass(frozen=True)
class Origin:
    """Where a tainted value comes from: a parameter of ``function`` or a source read there."""

    kind: str  # "param" or "source"
    name: str  # the parameter's name, or the source's label
    function: str
    confidence: Level = Level.MEDIUM


@dataclass(frozen=True)
class SinkPath:
    sink: Sink
    callee: str  # the sink's name as written, for the message
    function: str  # the function holding the sink call
    node: ast.Call
    via: tuple[str, ...] = ()  # the calls crossed, outermost first

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.sink.kind, self.node.lineno, self.node.col_offset)


@dataclass
class Summary:
    returns: frozenset[Origin] = frozenset()
    param_sinks: dict[str, dict[tuple[str, int, int], SinkPath]] = field(default_factory=dict)

    def size(self) -> tuple[int, int]:
        return len(self.returns), sum(len(paths) for paths in self.param_sinks.values())


@dataclass
class _Function:
    qualname: str
    node: ast.AST  # FunctionDef, AsyncFunctionDef or the Module (its top-level code)
    positional: list[str]  # parameters a positional argument fills (without a bound self)
    parameters: set[str]
    class_name: str | None = None
    handler: bool = False  # a method of an http.server request handler: self.path etc. are input


class CallflowEngine(AstEngine):
    name = ENGINE

    def findings_in(self, path: str, tree: ast.Module) -> list[Finding]:
        return [_finding(path, origin, flow) for origin, flow in ModuleFlow(tree).paths()]



def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Nodes of this scope in source order, not of the functions or classes nested in it."""
    for child in ast.iter_child_nodes(scope):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield child
        yield from _own_nodes(child)


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _functions(tree: ast.Module, dotted: dict[str, str]) -> list[_Function]:
    functions = [_Function(_MODULE, tree, [], set())]

    def visit(scope: ast.AST, prefix: str, class_node: ast.ClassDef | None) -> None:
        for child in ast.iter_child_nodes(scope):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.", child)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = child.args
                positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
                static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in child.decorator_list)
                if class_node is not None and positional and not static:
                    positional = positional[1:]  # self or cls: the call site does not pass it
                names = set(positional) | {a.arg for a in arguments.kwonlyargs}
                handler = class_node is not None and any(
                    (_dotted_name(base, dotted) or "").endswith("RequestHandler") for base in class_node.bases
                )
                functions.append(_Function(
                    f"{prefix}{child.name}", child, positional, names,
                    class_node.name if class_node else None, handler,
                ))
                visit(child, f"{prefix}{child.name}.", None)
            else:
                visit(child, prefix, class_node)

    visit(tree, "", None)
    return functions


def _dotted_name(node: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted_name(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


class ModuleFlow:
    """The summaries of one module's functions and the cross-function paths they reveal."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases = _import_aliases(tree)
        self.functions = _functions(tree, self.aliases)
        # Plain calls resolve to the module's functions by name (the last definition wins, as
        # at run time); self.name(...) to the enclosing class's methods.
        self.by_name = {f.qualname: f for f in self.functions if f.class_name is None and f.qualname != _MODULE}
        self.by_name.update({f.qualname.rsplit(".", 1)[-1]: f for f in self.functions
                             if f.class_name is None and "." in f.qualname})
        self.methods = {(f.class_name, f.qualname.rsplit(".", 1)[-1]): f for f in self.functions if f.class_name}
        self.summaries: dict[str, Summary] = {f.qualname: Summary() for f in self.functions}
        self.found: dict[tuple[str, int, int], tuple[Origin, SinkPath]] = {}

    def paths(self) -> list[tuple[Origin, SinkPath]]:
        for _ in range(_ROUNDS):
            before = [s.size() for s in self.summaries.values()]
            for function in self.functions:
                _FunctionFlow(self, function).run()
            if [s.size() for s in self.summaries.values()] == before:
                break
        return list(self.found.values())

    def resolve(self, call: ast.Call, caller: _Function) -> _Function | None:
        func = call.func
        if isinstance(func, ast.Name) and func.id not in self.aliases:
            return self.by_name.get(func.id)
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and func.value.id in {"self", "cls"} and caller.class_name):
            return self.methods.get((caller.class_name, func.attr))
        return None


class _FunctionFlow:
    def __init__(self, module: ModuleFlow, function: _Function) -> None:
        self.module = module
        self.function = function
        self.summary = module.summaries[function.qualname]
        self.own = list(_own_nodes(function.node))
        self.validated = self._validated_names()
        self.env: dict[str, frozenset[Origin]] = {
            name: frozenset({Origin("param", name, function.qualname)})
            for name in function.parameters if name not in self.validated
        }

    def run(self) -> None:
        for _ in range(_PASSES):
            if not self._assign_pass():
                break
        returned: set[Origin] = set(self.summary.returns)
        for node in self.own:
            if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
                returned |= self.taint(node.value)
        self.summary.returns = frozenset(returned)
        for node in self.own:
            if isinstance(node, ast.Call):
                self._check_call(node)

    def _validated_names(self) -> set[str]:
        """Variables checked against an allow-list, a full-match pattern or a character class."""
        names: set[str] = set()
        for node in self.own:
            if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)
                    and all(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)):
                names.add(node.left.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in catalogue.VALIDATING_METHODS and isinstance(node.func.value, ast.Name):
                    names.add(node.func.value.id)
                if (_dotted_name(node.func, self.module.aliases) in catalogue.VALIDATING_CALLS
                        or node.func.attr == "fullmatch"):
                    names.update(a.id for a in node.args if isinstance(a, ast.Name))
        return names

    def _assign_pass(self) -> bool:
        changed = False
        for node in self.own:
            pairs: list[tuple[Iterable[str], frozenset[Origin]]] = []
            if isinstance(node, ast.Assign):
                value = node.value
                if (isinstance(value, (ast.Call, ast.Await)) and self._is_recvfrom(value)
                        and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple)):
                    # data, sender = sock.recvfrom(n): the sender's address is not the attacker's text.
                    pairs.append((_target_names(node.targets[0].elts[0]), self.taint(value)))
                else:
                    pairs += [(_target_names(t), self.taint(value)) for t in node.targets]
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                pairs.append((_target_names(node.target), self.taint(node.value)))
            elif isinstance(node, ast.AugAssign):
                pairs.append((_target_names(node.target), self.taint(node.value)))
            elif isinstance(node, ast.NamedExpr):
                pairs.append((_target_names(node.target), self.taint(node.value)))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                pairs.append((_target_names(node.target), self.taint(node.iter)))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                pairs.append((_target_names(node.optional_vars), self.taint(node.context_expr)))
            for names, origins in pairs:
                if not origins:
                    continue
                for name in names:
                    if name in self.validated:
                        continue
                    old = self.env.get(name, frozenset())
                    if not origins <= old:
                        self.env[name] = old | origins
                        changed = True
        return changed

    def _is_recvfrom(self, node: ast.expr) -> bool:
        call = node.value if isinstance(node, ast.Await) else node
        return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr == "recvfrom")

    def _source(self, node: ast.expr) -> SourceKind | None:
        dotted = _dotted_name(node, self.module.aliases)
        if dotted is None:
            return None
        if dotted in catalogue.SOURCE_NAMES:
            return catalogue.SOURCE_NAMES[dotted]
        owner, _, attribute = dotted.rpartition(".")
        if owner in catalogue.REQUEST_OBJECTS and attribute in catalogue.REQUEST_ATTRIBUTES:
            return catalogue.REQUEST
        if self.function.handler and owner == "self" and attribute in catalogue.HANDLER_ATTRIBUTES:
            return catalogue.REQUEST
        return None

    def _origin(self, kind: SourceKind) -> frozenset[Origin]:
        return frozenset({Origin("source", kind.label, self.function.qualname, kind.confidence)})

    def taint(self, node: ast.expr) -> frozenset[Origin]:
        if isinstance(node, ast.Name):
            if node.id in self.validated:
                return frozenset()
            source = self._source(node)
            return self._origin(source) if source else self.env.get(node.id, frozenset())
        if isinstance(node, ast.Attribute):
            source = self._source(node)
            return self._origin(source) if source else self.taint(node.value)
        if isinstance(node, ast.Call):
            return self._call_taint(node)
        if isinstance(node, (ast.Compare, ast.Constant, ast.Lambda)):
            return frozenset()  # a comparison yields a bool; a constant is ours
        result: frozenset[Origin] = frozenset()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                result |= self.taint(child)
            elif isinstance(child, ast.keyword):
                result |= self.taint(child.value)
        return result

    def _call_taint(self, call: ast.Call) -> frozenset[Origin]:
        dotted = _dotted_name(call.func, self.module.aliases)
        callee = self.module.resolve(call, self.function)
        if callee is not None:
            result: set[Origin] = set()
            for origin in self.module.summaries[callee.qualname].returns:
                if origin.kind == "source":
                    result.add(origin)
                elif origin.function == callee.qualname:
                    argument = _argument_for(call, callee, origin.name)
                    if argument is not None:
                        result |= self.taint(argument)
            return frozenset(result)
        if dotted in catalogue.SANITIZERS:
            return frozenset()
        if dotted in catalogue.SOURCE_CALLS:
            return self._origin(catalogue.SOURCE_CALLS[dotted])
        if isinstance(call.func, ast.Attribute) and call.func.attr in catalogue.SOURCE_METHODS:
            return self._origin(catalogue.SOURCE_METHODS[call.func.attr])
        result_taint = self.taint(call.func)  # a method passes its receiver's taint on
        for argument in call.args:
            result_taint |= self.taint(argument)
        for keyword in call.keywords:
            result_taint |= self.taint(keyword.value)
        return result_taint

    def _check_call(self, call: ast.Call) -> None:
        callee = self.module.resolve(call, self.function)
        if callee is not None:
            for parameter, paths in list(self.module.summaries[callee.qualname].param_sinks.items()):
                argument = _argument_for(call, callee, parameter)
                if argument is None:
                    continue
                step = f"{callee.qualname}() parameter {parameter}"
                for path in list(paths.values()):
                    extended = SinkPath(path.sink, path.callee, path.function, path.node, (step, *path.via))
                    for origin in self.taint(argument):
                        self._reach(origin, extended)
            return
        sink, name = self._sink(call)
        if sink is None:
            return
        argument = _sink_argument(call, sink)
        if argument is None:
            return
        path = SinkPath(sink, name, self.function.qualname, call)
        for origin in self.taint(argument):
            self._reach(origin, path)

    def _sink(self, call: ast.Call) -> tuple[Sink | None, str]:
        dotted = _dotted_name(call.func, self.module.aliases)
        sink = catalogue.SINKS_BY_NAME.get(dotted or "")
        if sink is None and isinstance(call.func, ast.Attribute) and dotted not in catalogue.SANITIZERS:
            sink = catalogue.SINKS_BY_METHOD.get(call.func.attr)
            dotted = f"{ast.unparse(call.func.value)}.{call.func.attr}" if sink else dotted
        if sink is not None and sink.needs_true_keyword:
            flag = next((k.value for k in call.keywords if k.arg == sink.needs_true_keyword), None)
            if not (isinstance(flag, ast.Constant) and flag.value is True):
                return None, ""
        return sink, dotted or ""

    def _reach(self, origin: Origin, path: SinkPath) -> None:
        if origin.kind == "param":
            if origin.function == self.function.qualname:
                self.summary.param_sinks.setdefault(origin.name, {}).setdefault(path.key, path)
        elif origin.function != self.function.qualname or path.via:
            self.module.found.setdefault(path.key, (origin, path))


def _argument_for(call: ast.Call, callee: _Function, parameter: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    if parameter in callee.positional:
        index = callee.positional.index(parameter)
        if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
            return call.args[index]
    return None


def _sink_argument(call: ast.Call, sink: Sink) -> ast.expr | None:
    if sink.keyword:
        for keyword in call.keywords:
            if keyword.arg == sink.keyword:
                return keyword.value
    if sink.argument == -1:
        return call.args[-1] if len(call.args) >= 2 else None
    return call.args[sink.argument] if len(call.args) > sink.argument else None


def _finding(path: str, origin: Origin, sink_path: SinkPath) -> Finding:
    sink, node = sink_path.sink, sink_path.node
    where = "at module level" if origin.function == _MODULE else f"in {origin.function}()"
    route = " via " + ", then ".join(sink_path.via) if sink_path.via else f" returned by {origin.function}()"
    return Finding(
        engine=ENGINE,
        rule_id=f"vulnloop.callflow-{sink.kind}",
        cwes=(sink.cwe,),
        severity=sink.severity,
        confidence=origin.confidence,
        **location(path, node),
        message=(
            f"{origin.name.capitalize()} read {where} reaches {sink_path.callee} in "
            f"{sink_path.function}(){route}: this call {sink.harm}. Validate or escape the value "
            "where it enters (an allow-list, a full-match pattern), or pass it in a form the sink cannot misread."
        ),
        rule_name=f"callflow-{sink.kind}",
        help_url=f"https://cwe.mitre.org/data/definitions/{sink.cwe}.html",
    )
