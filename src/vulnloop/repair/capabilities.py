"""What a repaired unit may do that its original did not: the checks against smuggled code.

An LLM's answer is untrusted. Inside the unit it may change, it must not gain a capability the
original lacked (run processes, reach the network, deserialise objects), must not take a dynamic
route to code (``eval``, ``exec``, ``compile``, ``__import__``, ``importlib``, ``getattr`` on a
module, decoded payloads) unless the original had that exact construct, must not hide arguments
(``**{"shell": True}``, a shell in an argument list, ``executable=``), must not alias or patch a
sensitive function, and must keep the flagged operation: replaced by a reachable equivalent, not
deleted, stubbed or skipped by an early exit. Names are resolved through the file's imports, so
``from os import system as run`` is still ``os.system``.
"""
from __future__ import annotations

import ast
import builtins
import fnmatch
import operator
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

_BUILTINS = frozenset(dir(builtins))

# Capabilities: a unit may use one only when its original used the same family.
FAMILIES: dict[str, tuple[str, ...]] = {
    "process execution": (
        "os.system", "os.popen", "os.popen[234]", "os.exec*", "os.spawn*", "os.posix_spawn*",
        "os.startfile", "os.fork*", "subprocess.*", "pty.spawn", "asyncio.create_subprocess_*",
        "asyncio.subprocess.*", "commands.*", "popen2.*", "platform.popen", "pexpect.*",
    ),
    "network access": (
        "socket.*", "requests.*", "httpx.*", "urllib.request.*", "urllib.urlopen", "urllib2.*",
        "urllib3.*", "http.client.*", "httplib.*", "aiohttp.*", "smtplib.*", "ftplib.*",
        "telnetlib.*", "poplib.*", "imaplib.*", "xmlrpc.client.*", "paramiko.*", "websocket.*",
        "websockets.*",
    ),
    "object deserialisation": (
        "pickle.*", "cPickle.*", "_pickle.*", "dill.*", "shelve.*", "jsonpickle.*", "marshal.*",
        "yaml.load", "yaml.load_all", "yaml.unsafe_load*", "yaml.full_load*", "yaml.Loader",
        "yaml.UnsafeLoader", "pandas.read_pickle", "joblib.load", "torch.load",
    ),
}

# Dynamic routes to code and encoded payloads: allowed only as exact copies of the original's.
DYNAMIC = (
    "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "breakpoint",
    "importlib.*", "builtins.*", "__builtins__*", "sys.modules*", "sys._getframe", "runpy.*",
    "code.*", "codeop.*", "types.FunctionType", "types.CodeType", "ctypes.*", "imp.*", "pydoc.locate",
    "base64.*", "binascii.*", "codecs.decode", "codecs.getdecoder", "codecs.lookup", "zlib.decompress*",
    "bz2.decompress*", "lzma.decompress*", "gzip.decompress", "bytes.fromhex", "bytearray.fromhex",
    "chr", "operator.attrgetter", "operator.methodcaller",
)
_ENVIRONMENTS = frozenset({"os.environ", "os.environb"})
_ENVIRONMENT_DUMPS = ("os.environ.copy", "os.environ.items", "os.environ.values", "os.environ.keys", "os.environ.__*")
_ATTRIBUTE_ROUTES = ("getattr", "setattr", "delattr", "hasattr")
_DUNDERS = frozenset(
    {"__dict__", "__globals__", "__code__", "__builtins__", "__subclasses__", "__getattribute__",
     "__import__", "__class__", "__bases__", "__mro__", "__closure__", "__func__", "__self__", "__loader__"}
)
_SHELLS = frozenset(
    {"sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "fish", "ash", "busybox", "cmd", "powershell",
     "pwsh", "python", "python2", "python3", "perl", "ruby", "node", "php", "lua", "env", "xargs",
     "osascript", "wscript", "cscript"}
)
# Calls that do not count as performing an operation: a stub logs, prints or gives up.
_EXITS = ("sys.exit", "exit", "quit", "os._exit", "os.abort", "os.kill")
_STUBS = ("print", "logging.*", "warnings.warn", "NotImplementedError", *_EXITS)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> dotted module path, from every import in ``tree`` (a module or a unit)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    out[root] = root
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name
    return out


def dotted(node: ast.AST, names: dict[str, str]) -> str | None:
    """``subprocess.call`` for ``sp.call`` after ``import subprocess as sp``; None when the root
    is a local value rather than a module or a builtin."""
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        return node.id if node.id in _BUILTINS or node.id == "__builtins__" else None
    if isinstance(node, ast.Attribute):
        base = dotted(node.value, names)
        return f"{base}.{node.attr}" if base else None
    return None


@dataclass(frozen=True)
class Reference:
    name: str  # dotted
    code: str  # the call (or the bare reference) as source, for exact comparison
    called: bool
    node: ast.AST
    read_whole: bool  # used as a value, not indexed, compared or called (``dict(os.environ)``)
    inert: bool  # a constant (``subprocess.PIPE``) or an exception class caught: nothing to call


def references(nodes: Sequence[ast.AST], names: dict[str, str]) -> list[Reference]:
    """Every maximal dotted reference in ``nodes``, with the call it is the function of, if any."""
    parents: dict[int, ast.AST] = {}
    for top in nodes:
        for holder in ast.walk(top):
            for child in ast.iter_child_nodes(holder):
                parents[id(child)] = holder
    caught = {
        id(node)
        for top in nodes
        for handler in ast.walk(top)
        if isinstance(handler, ast.ExceptHandler) and handler.type is not None
        for node in ast.walk(handler.type)
    }
    out: list[Reference] = []
    for top in nodes:
        for node in ast.walk(top):
            if not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            parent: ast.AST | None = parents.get(id(node))
            if isinstance(parent, ast.Attribute) and parent.value is node:
                continue  # only the longest chain counts
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                continue  # assignments are judged as patching
            name = dotted(node, names)
            if name is None:
                continue
            called = isinstance(parent, ast.Call) and parent.func is node
            code = ast.unparse(parent if called and parent is not None else node)
            whole = not called and not isinstance(parent, (ast.Subscript, ast.Compare))
            last = name.rsplit(".", 1)[-1]
            inert = id(node) in caught or (last.isupper() and len(last) > 1)
            out.append(Reference(name, " ".join(code.split()), called, node, whole, inert))
    return out


def _family(name: str) -> str | None:
    return next((family for family, patterns in FAMILIES.items() if _matches(name, patterns)), None)


def _is_module(node: ast.AST, names: dict[str, str]) -> bool:
    """True for a name bound by an import (a module, or anything imported) or the builtins."""
    if isinstance(node, ast.Name):
        return node.id in names or node.id in {"builtins", "__builtins__"}
    return isinstance(node, ast.Attribute) and _is_module(node.value, names)


def _calls(nodes: Sequence[ast.AST]) -> Iterator[ast.Call]:
    for top in nodes:
        yield from (node for node in ast.walk(top) if isinstance(node, ast.Call))


def _code(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def _shell_in_arguments(call: ast.Call) -> str | None:
    """The shell or interpreter a process call starts through its argument list, if any."""
    candidates: list[ast.AST] = list(call.args[:2])
    candidates += [k.value for k in call.keywords if k.arg in {"args", "executable", "file", "path"}]
    for arg in candidates:
        first: ast.AST | None = arg
        if isinstance(arg, (ast.List, ast.Tuple)) and arg.elts:
            first = arg.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.strip():
            program = first.value.strip().split()[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
            if program.removesuffix(".exe") in _SHELLS:
                return first.value
    return None


def capability_problem(before: Sequence[ast.AST], after: Sequence[ast.AST], module: ast.Module) -> str | None:
    """Why the repaired unit ``after`` does something its original ``before`` did not, or None."""
    names = {**aliases(module), **{k: v for n in after for k, v in aliases(n).items()}}
    old_names = {**aliases(module), **{k: v for n in before for k, v in aliases(n).items()}}
    old_refs = references(before, old_names)
    new_refs = references(after, names)
    old_codes = {ref.code for ref in old_refs}
    old_families = {_family(ref.name) for ref in old_refs}
    old_text = _all_codes(before)  # the original's expressions and keywords, as source
    for ref in new_refs:
        whole_environment = (ref.name in _ENVIRONMENTS and ref.read_whole) or _matches(ref.name, _ENVIRONMENT_DUMPS)
        if whole_environment and ref.code not in old_codes:
            return f"the repair reads the whole environment (`{ref.code[:80]}`), which the original code did not"
        family = _family(ref.name)
        if family and family not in old_families:
            return f"the repair adds {family} (`{ref.name}`) that the original code did not have"
        dynamic = _matches(ref.name, DYNAMIC)
        if dynamic and ref.code not in old_codes:
            return f"the repair adds a dynamic route to code or data (`{ref.code[:80]}`) the original did not have"
        if (family or dynamic) and not ref.called and not ref.inert and ref.code not in old_codes:
            return f"the repair passes `{ref.name}` around instead of calling it (an alias hides it from scanners)"
    for top in after:
        for node in ast.walk(top):
            if isinstance(node, ast.Attribute) and node.attr in _DUNDERS and _code(node) not in old_text:
                return f"the repair reaches into `{node.attr}`, which the original code did not"
            problem = _assignment_problem(node, names, before, old_text)
            if problem:
                return problem
    for call in _calls(after):
        name = dotted(call.func, names) or ""
        if name in _ATTRIBUTE_ROUTES and call.args and _is_module(call.args[0], names) and _code(call) not in old_text:
            return f"the repair reaches a module's attribute by name (`{_code(call)[:80]}`): a dynamic route"
        hidden = [k for k in call.keywords if k.arg is None]
        if hidden and any(isinstance(k.value, (ast.Dict, ast.Call)) for k in hidden) and _code(call) not in old_text:
            return f"the repair hides keyword arguments in `**{{...}}` (`{_code(call)[:80]}`)"
        if _family(name) == "process execution" and _code(call) not in old_text:
            if hidden:
                return f"the repair passes unseen keyword arguments to `{name}`"
            shell = _shell_in_arguments(call)
            if shell is not None:
                return f"the repair runs `{shell}` through an argument list: a shell by another name"
            for keyword in call.keywords:
                risky = keyword.arg == "executable" or (
                    keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
                )
                if risky and _code(keyword) not in old_text:
                    return f"the repair passes `{_code(keyword)}` to `{name}`"
    return None


def _all_codes(nodes: Sequence[ast.AST]) -> set[str]:
    return {_code(node) for top in nodes for node in ast.walk(top) if isinstance(node, (ast.expr, ast.keyword))}


def _assignment_problem(
    node: ast.AST, names: dict[str, str], before: Sequence[ast.AST], old_text: set[str]
) -> str | None:
    """Monkeypatching: assigning to or deleting an attribute of a module, or rebinding globals."""
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = list(node.targets)
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        old = {n for top in before for g in ast.walk(top) if isinstance(g, (ast.Global, ast.Nonlocal)) for n in g.names}
        added = [n for n in node.names if n not in old]
        if added:
            return f"the repair rebinds the module-level name `{added[0]}` (a `global` the original did not have)"
    for target in targets:
        for part in ast.walk(target):
            if isinstance(part, ast.Attribute) and _is_module(part.value, names):
                if _code(part) not in old_text:
                    return f"the repair patches `{_code(part)}` (an attribute of a module)"
    return None


# -- the flagged operation is kept -------------------------------------------------------------
def _is_stub_call(call: ast.Call, names: dict[str, str]) -> bool:
    name = dotted(call.func, names)
    if name is None and isinstance(call.func, ast.Attribute):
        # logger.info(...), log.warning(...): a method named like a log level
        return call.func.attr in {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
    return name is not None and _matches(name, _STUBS)


_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}


def _truth(node: ast.expr) -> bool | None:
    """The value of a condition when it is known without running anything, else None."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand)
        return None if inner is None else not inner
    if isinstance(node, ast.BoolOp):
        values = [_truth(v) for v in node.values]
        if isinstance(node.op, ast.Or):
            return True if True in values else (False if all(v is False for v in values) else None)
        return False if False in values else (True if all(v is True for v in values) else None)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return bool(node.elts)
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = node.left, node.comparators[0]
        if isinstance(left, ast.Constant) and isinstance(right, ast.Constant):
            compare: Any = _COMPARE[type(node.ops[0])]
            try:
                return bool(compare(left.value, right.value))
            except TypeError:
                return None
    return None


def _terminal(statement: ast.stmt, names: dict[str, str]) -> bool:
    """True when control never passes this statement."""
    if isinstance(statement, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
        return True
    if isinstance(statement, ast.Assert):
        return _truth(statement.test) is False
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        name = dotted(statement.value.func, names)
        return name is not None and _matches(name, _EXITS)
    if isinstance(statement, ast.If):
        truth = _truth(statement.test)
        if truth is True:
            return any(_terminal(s, names) for s in statement.body)
        if truth is False:
            return any(_terminal(s, names) for s in statement.orelse)
        return any(_terminal(s, names) for s in statement.body) and any(_terminal(s, names) for s in statement.orelse)
    if isinstance(statement, ast.While) and _truth(statement.test) is True:
        return not any(isinstance(n, ast.Break) for n in ast.walk(statement))
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return any(_terminal(s, names) for s in statement.body)
    return False


_BLOCKS = ("body", "orelse", "finalbody", "handlers")


def _reachable(root: ast.AST, target: ast.AST, names: dict[str, str]) -> bool:
    """True when ``target`` (inside ``root``) can run: no earlier statement of any block on its way
    always exits, no branch on its way is known never taken, no function on its way is unused."""
    path = _path(root, target)
    if path is None:
        return False
    for parent, child in zip(path, path[1:]):
        for field in _BLOCKS:
            block = getattr(parent, field, None)
            if isinstance(block, list) and child in block:
                before = block[: block.index(child)]
                if any(isinstance(s, ast.stmt) and _terminal(s, names) for s in before):
                    return False
                test = getattr(parent, "test", None)
                if isinstance(parent, (ast.If, ast.While)) and test is not None:
                    truth = _truth(test)
                    if (field == "body" and truth is False) or (field == "orelse" and truth is True):
                        return False
                if isinstance(parent, (ast.For, ast.AsyncFor)) and field == "body" and _truth(parent.iter) is False:
                    return False
        if isinstance(parent, ast.IfExp):
            truth = _truth(parent.test)
            if (child is parent.body and truth is False) or (child is parent.orelse and truth is True):
                return False
        if isinstance(parent, ast.BoolOp) and child in parent.values:
            earlier = [_truth(v) for v in parent.values[: parent.values.index(child)]]
            stop = True if isinstance(parent.op, ast.Or) else False
            if stop in earlier:
                return False
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and parent is not root:
            if not _loaded(root, parent.name):
                return False  # defined and never used
        if isinstance(parent, ast.Lambda):
            bound = [t.id for a in ast.walk(root) if isinstance(a, ast.Assign) and a.value is parent
                     for t in a.targets if isinstance(t, ast.Name)]
            if bound and not any(_loaded(root, name) for name in bound):
                return False
    return True


def _loaded(root: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) for n in ast.walk(root))


def _path(root: ast.AST, target: ast.AST) -> list[ast.AST] | None:
    if root is target:
        return [root]
    for child in ast.iter_child_nodes(root):
        found = _path(child, target)
        if found is not None:
            return [root, *found]
    return None


def _statements_on(nodes: Sequence[ast.AST], lines: set[int]) -> list[ast.stmt]:
    """The innermost statements of ``nodes`` that start on one of ``lines``... or cover them."""
    found: list[ast.stmt] = []
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                span = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
                simple = not any(getattr(node, f, None) for f in _BLOCKS)
                if span & lines and (simple or node.lineno in lines):
                    found.append(node)
    return found


def _check_call(statements: Sequence[ast.stmt], names: dict[str, str]) -> ast.Call | None:
    """The first real call in the condition of a flagged ``if`` or ``while``, if any."""
    for statement in statements:
        if isinstance(statement, (ast.If, ast.While)):
            for node in ast.walk(statement.test):
                if isinstance(node, ast.Call) and not _is_stub_call(node, names):
                    return node
    return None


def _sound_form(check: ast.Call) -> str:
    """How a suffix check against a value (not a fixed extension) is made sound: a host and its
    domain compare whole labels. Empty for other checks."""
    func = check.func
    if (isinstance(func, ast.Attribute) and func.attr == "endswith" and len(check.args) == 1
            and not check.keywords and not isinstance(check.args[0], ast.Constant)):
        value, suffix = ast.unparse(func.value), ast.unparse(check.args[0])
        return f" (for a host and its domain: `{value} == {suffix} or {value}.endswith(\".\" + {suffix})`)"
    return ""


def operation_problem(
    before: Sequence[ast.AST],
    after: Sequence[ast.AST],
    module: ast.Module,
    flagged: set[int],
    replaced: set[int],
) -> str | None:
    """Why the flagged operation (on ``flagged`` lines of ``before``) is gone rather than repaired:
    its replacement (``replaced`` lines of ``after``) is empty, a stub, or never reached."""
    names = {**aliases(module), **{k: v for n in after for k, v in aliases(n).items()}}
    old_statements = _statements_on(before, flagged)
    did_something = any(
        not _is_stub_call(call, names) for s in old_statements for call in ast.walk(s) if isinstance(call, ast.Call)
    )
    if not did_something:
        return None  # a constant, a flag or a setting: there is no operation to keep
    if not replaced:
        return "the repair deletes the flagged code instead of fixing it"
    operations = [
        call
        for statement in _statements_on(after, replaced)
        for call in ast.walk(statement)
        if isinstance(call, ast.Call) and not _is_stub_call(call, names)
    ]
    if not operations:
        check = _check_call(old_statements, names)
        if check is not None:  # a condition narrowed to a plain comparison, say, rather than corrected
            return (f"the repair drops the flagged check `{ast.unparse(check)[:80]}` instead of correcting it, which "
                    f"changes what the code accepts: keep a check of that kind and make it sound{_sound_form(check)}")
        return "the repair replaces the flagged code with a stub (no operation takes its place)"
    roots = list(after)
    if not any(_reachable(root, call, names) for call in operations for root in roots if _path(root, call)):
        return "the repair makes the flagged code unreachable (an exit or a dead branch comes first)"
    return None
