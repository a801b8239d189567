"""A sanity gate on an LLM's repair: honest answers that would break the code, or fix it only on paper.

Three kinds of check, each comparing the repaired file with the original so that only what the
repair brought counts:

- names, by pyflakes (well kept, in-process, a few milliseconds a file): no new undefined name, no
  removed import that is still used (it shows as undefined), no new unused local (a new import
  the repaired code never uses is left out when the answer is spliced in);
- what a function returns: one that returned a value (never None) on every path still does (its
  last return deleted means callers get None); a return the repair adds agrees with the function's own return annotation
  where the value's form says what it is (``-> Tuple[bool, str]`` never answered with a comparison),
  the literal answers of its ``except`` blocks (``return ''``) stay, and a function that raised
  nothing and answers bad input with an early return answers the input a fix rejects the same way
  (not with a new exception its callers never handled);
- the contracts of the sinks we repair: a ``subprocess`` call without a shell takes an argument
  sequence (or one program name), never the command string it ran through the shell; ``tarfile``
  extraction targets never come from the member; a folder is not moved into a sensitive location
  (home, ``.ssh``, system folders) to silence a temporary-folder warning; ``sqlite3`` keeps its own
  ``?`` placeholders and its cursors are not context managers; ``hmac`` keys stay keys; AES gets
  a 16-, 24- or 32-byte key and a 16-byte IV where the code states their lengths; a key derivation's
  salt is never shorter than the original's (stored beside the digest) nor than 16 bytes; ``eval``
  is not swapped for ``ast.literal_eval`` where the function is documented to work out arithmetic
  (literals only: ``1 + 2`` raises); a new call
  into a standard-library module names a function the module has (``hashlib.pbkdf2``,
  ``secrets.token_password`` are inventions that fail when called), and so does one into an installed
  third-party package, read from its source (``installed_api.py``).
"""
from __future__ import annotations

import ast
import hashlib
import importlib
import re
from collections import Counter
from typing import Iterator, Sequence

from pyflakes import checker, messages  # type: ignore[import-untyped]  # no stubs published

from vulnloop.repair.capabilities import aliases, dotted
from vulnloop.repair.installed_api import invented_name

# pyflakes findings a repair must not add. Names only (not lines): a repair moves lines.
# A new local assigned and never read is how a check on the wrong value looks: the model parsed the
# input, then tested something else (a host check on the allowed domain instead of the target).
_LINT = (
    messages.UndefinedName, messages.UndefinedLocal, messages.UnusedImport, messages.UndefinedExport,
    messages.UnusedVariable,
)
_SENSITIVE_PATH = re.compile(
    r"^~|(^|/)\.(ssh|aws|gnupg|kube|docker|config)(/|$)|^/(etc|root|usr|bin|sbin|boot|proc|sys|dev|lib|var/lib)(/|$)"
)


def _lint(tree: ast.Module, path: str) -> Counter[tuple[str, str]]:
    found = checker.Checker(tree, filename=path).messages
    # `except ValueError as error: return ""` names what it ignores: careless style, not a wrong check.
    handler_names = {n.name for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.name}
    return Counter(
        (type(m).__name__, str(m.message_args[0]) if m.message_args else "")
        for m in found
        if isinstance(m, _LINT)
        and not (isinstance(m, messages.UnusedVariable) and m.message_args and m.message_args[0] in handler_names)
    )


_LINT_WORDS = {
    "UndefinedName": "uses `{}` without importing or defining it (an import it still needs removed?)",
    "UndefinedLocal": "reads the local `{}` before assigning it",
    "UnusedImport": "leaves `{}` imported but never used",
    "UndefinedExport": "exports `{}`, which is not defined",
    "UnusedVariable": "assigns `{0}` but never uses it (is a check testing the wrong value? check `{0}` itself)",
}


def lint_problem(before: ast.Module, after: ast.Module, path: str = "<repair>") -> str | None:
    """A pyflakes finding the repair adds, in words, or None. An import the repair brings must be
    used; one the file had before may fall out of use."""
    added = _lint(after, path) - _lint(before, path)
    imported = set(aliases(before).values()) | set(aliases(before))
    # An import the file had that the repair no longer needs is left to the user, not refused.
    added = Counter({key: n for key, n in added.items() if not (key[0] == "UnusedImport" and key[1] in imported)})
    if not added:
        return None
    kind, name = sorted(added)[0]
    return "the repair " + _LINT_WORDS[kind].format(name)


def _calls(nodes: Sequence[ast.AST]) -> Iterator[ast.Call]:
    for top in nodes:
        yield from (n for n in ast.walk(top) if isinstance(n, ast.Call))


def _with_items(nodes: Sequence[ast.AST]) -> Iterator[ast.withitem]:
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, (ast.With, ast.AsyncWith)):
                yield from node.items


def _code(node: ast.AST) -> str:
    return " ".join(ast.unparse(node).split())


def _is_command_string(node: ast.AST, shell_strings: set[str]) -> bool:
    """A command line in one string: the expression the original handed to a shell, a literal with
    spaces, or a string built with spaces in it."""
    if _code(node) in shell_strings:
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and len(node.value.split()) > 1
    if isinstance(node, (ast.JoinedStr, ast.BinOp)):
        return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and " " in n.value for n in ast.walk(node))
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _shell_strings(calls: Sequence[ast.Call], names: dict[str, str]) -> set[str]:
    """The command strings the original ran through a shell."""
    out: set[str] = set()
    for call in calls:
        name = dotted(call.func, names) or ""
        shell = any(k.arg == "shell" for k in call.keywords) or name in {"os.system", "os.popen"}
        if shell and call.args:
            out.add(_code(call.args[0]))
    return out


# Standard-library modules whose functions repairs call, imported (once) to check that a function
# a repair calls exists: importing them runs no code of the file under review, and the answer is
# the same on every run (unlike looking only at the modules this process happens to have loaded).
_CHECKED_MODULES = frozenset({
    "ast", "base64", "hashlib", "hmac", "html", "json", "logging", "os", "os.path", "pathlib", "pickle",
    "random", "re", "secrets", "shlex", "shutil", "socket", "sqlite3", "ssl", "subprocess", "tarfile",
    "tempfile", "urllib.parse", "urllib.request", "xml.etree.ElementTree", "zipfile",
})


def _missing_attribute(name: str) -> str | None:
    """For ``module.function`` of a checked standard-library module, ``name`` when the module has
    no such attribute, else None."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        if module_name in _CHECKED_MODULES:
            module = importlib.import_module(module_name)
            return None if hasattr(module, parts[cut]) else ".".join(parts[: cut + 1])
    return None


_RANDOM_BYTES = frozenset({"os.urandom", "secrets.token_bytes", "Crypto.Random.get_random_bytes"})
_AES_NEW = frozenset({"Crypto.Cipher.AES.new", "Cryptodome.Cipher.AES.new"})
_AES_KEY_SIZES = (16, 24, 32)


def _byte_length(node: ast.AST, names: dict[str, str], assigned: dict[str, ast.AST]) -> int | None:
    """The length of a bytes value when the code states it: ``key[:16]``, ``os.urandom(16)``,
    ``get_random_bytes(16)``, a literal, or a name assigned once in the unit from one of those."""
    if isinstance(node, ast.Name) and node.id in assigned:
        return _byte_length(assigned[node.id], names, {})
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
        return len(node.value)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and node.slice.step is None:
        lower, upper = node.slice.lower, node.slice.upper
        start = 0 if lower is None else lower.value if isinstance(lower, ast.Constant) else None
        stop = upper.value if isinstance(upper, ast.Constant) else None
        if isinstance(start, int) and isinstance(stop, int) and 0 <= start <= stop:
            return stop - start
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):  # b"\x00" * 16
        part, count = node.left, node.right
        if isinstance(count, ast.Constant) and isinstance(count.value, int):
            unit = _byte_length(part, names, {})
            return None if unit is None else unit * count.value
    if isinstance(node, ast.Call) and dotted(node.func, names) in _RANDOM_BYTES and len(node.args) == 1:
        size = node.args[0]
        return size.value if isinstance(size, ast.Constant) and isinstance(size.value, int) else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "digest":
        hashed = node.func.value  # hashlib.sha256(...).digest(): the algorithm's digest size
        called = dotted(hashed.func, names) if isinstance(hashed, ast.Call) else None
        algorithm = (called or "").removeprefix("hashlib.")
        if called != algorithm and algorithm in hashlib.algorithms_guaranteed and not algorithm.startswith("shake"):
            return hashlib.new(algorithm).digest_size  # a name from the guaranteed list, never the code's
    return None


def _single_assignments(nodes: Sequence[ast.AST]) -> dict[str, ast.AST]:
    """Names assigned exactly once in the unit (``x = value``), with their values."""
    seen: Counter[str] = Counter()
    values: dict[str, ast.AST] = {}
    for top in nodes:
        for node in ast.walk(top):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        seen[target.id] += 1
                        values[target.id] = node.value
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
                seen[node.target.id] += 2
    return {name: value for name, value in values.items() if seen[name] == 1}


def _cipher_problem(call: ast.Call, name: str, names: dict[str, str], assigned: dict[str, ast.AST]) -> str | None:
    """AES keys of 16, 24 or 32 bytes and 16-byte IVs, where the code states the lengths."""
    if name not in _AES_NEW:
        return None
    key = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "key"), None)
    size = None if key is None else _byte_length(key, names, assigned)
    if size is not None and size not in _AES_KEY_SIZES:
        return (f"the repair gives AES a {size}-byte key (`{_code(key)[:40]}`); AES takes 16, 24 or 32 bytes: the call "
                "would fail; give it a key of one of those lengths")
    iv = call.args[2] if len(call.args) > 2 else next((k.value for k in call.keywords if k.arg in {"iv", "IV"}), None)
    size = None if iv is None else _byte_length(iv, names, assigned)
    if size is not None and size != 16:
        return (f"the repair gives AES a {size}-byte IV (`{_code(iv)[:40]}`); AES's block is 16 bytes: the call would "
                "fail; make the IV 16 bytes (AES.block_size) wherever it is made")
    return None


# Key derivation functions and where their salt goes (position, keyword).
_KDF_SALT: dict[str, tuple[int | None, str]] = {"hashlib.pbkdf2_hmac": (2, "salt"), "hashlib.scrypt": (None, "salt")}
_SHORTEST_SALT = 16  # NIST SP 800-132: at least 128 bits


def _salt_lengths(nodes: Sequence[ast.AST], names: dict[str, str]) -> list[int]:
    """The lengths of the salts the unit's key derivation calls get, where the code states them."""
    assigned = _single_assignments(nodes)
    lengths = []
    for call in _calls(nodes):
        spot = _KDF_SALT.get(dotted(call.func, names) or "")
        if spot is None:
            continue
        position, keyword = spot
        salt = (call.args[position] if position is not None and len(call.args) > position
                else next((k.value for k in call.keywords if k.arg == keyword), None))
        size = None if salt is None else _byte_length(salt, names, assigned)
        if size is not None:
            lengths.append(size)
    return lengths


def _salt_problem(before: Sequence[ast.AST], after: Sequence[ast.AST], names: dict[str, str]) -> str | None:
    """A salt the repair makes shorter than the original's (the stored format, and often the
    docstring, fix its length) or shorter than 16 bytes."""
    new = _salt_lengths(after, names)
    if not new:
        return None
    old = _salt_lengths(before, names)
    if old and min(new) < min(old):
        return (f"the repair shortens the salt from {min(old)} to {min(new)} bytes: keep the length the code "
                "had (it is stored beside the digest, and the docstring may fix it), with a new random salt per password")
    if min(new) < _SHORTEST_SALT:
        return f"the repair uses a {min(new)}-byte salt: salts take at least 16 random bytes (NIST SP 800-132)"
    return None


# Return annotations, by their last name, and the kinds of literal value each accepts.
_DECLARED: dict[str, frozenset[str]] = {
    "tuple": frozenset({"tuple"}), "Tuple": frozenset({"tuple"}),
    "bool": frozenset({"bool"}), "str": frozenset({"str"}), "bytes": frozenset({"bytes"}),
    "int": frozenset({"int", "bool"}), "float": frozenset({"int", "float", "bool"}),
    "dict": frozenset({"dict"}), "Dict": frozenset({"dict"}),
    "list": frozenset({"list"}), "List": frozenset({"list"}),
}
_KIND_WORDS = {"none": "None", "int": "an int", "float": "a float"}


def _declared_kinds(annotation: ast.expr | None) -> frozenset[str] | None:
    """The literal kinds a return annotation admits, or None when it is absent or not one we read."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return frozenset({"none"})
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left, right = _declared_kinds(annotation.left), _declared_kinds(annotation.right)
        return None if left is None or right is None else left | right
    base = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    name = base.attr if isinstance(base, ast.Attribute) else (base.id if isinstance(base, ast.Name) else "")
    if name == "Optional" and isinstance(annotation, ast.Subscript):
        inner = _declared_kinds(annotation.slice)
        return None if inner is None else inner | {"none"}
    if name == "Union" and isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
        kinds = [_declared_kinds(e) for e in annotation.slice.elts]
        known = [k for k in kinds if k is not None]
        return frozenset().union(*known) if len(known) == len(kinds) else None
    return _DECLARED.get(name)


def _literal_kind(value: ast.expr | None) -> str | None:
    """What a returned expression certainly is, when its form says so (None: it may be anything)."""
    if value is None:
        return "none"
    if isinstance(value, ast.Constant):
        return "none" if value.value is None else type(value.value).__name__
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Compare) or (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
        return "bool"
    kinds = {ast.Tuple: "tuple", ast.List: "list", ast.ListComp: "list", ast.Dict: "dict", ast.DictComp: "dict",
             ast.Set: "set", ast.SetComp: "set"}
    return kinds.get(type(value))


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The function's own nodes (not those of functions or classes inside it)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _own_returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Return]:
    """The function's own return statements."""
    return (node for node in _own_nodes(function) if isinstance(node, ast.Return))


def _invented_call(name: str) -> str | None:
    """Why a call to ``name`` would fail: a function the standard library's module, or the installed
    third-party package, does not have; None when it exists or nothing is known."""
    missing = _missing_attribute(name)
    if missing is not None:
        owner, _, attr = missing.rpartition(".")
        return f"the repair calls `{name}`, but the standard library's `{owner}` has no `{attr}`: the call would fail"
    invented = invented_name(name)
    if invented is not None:
        return (
            f"the repair calls `{name}`, but the installed `{name.split('.')[0]}` has no `{invented}`: "
            "the call would fail (check the package's documented API)"
        )
    return None


def _functions(nodes: Sequence[ast.AST]) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {n.name: n for top in nodes for n in ast.walk(top) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


_NO_RETURN = frozenset({"abort", "exit", "_exit"})  # flask.abort, sys.exit, os._exit: they raise or end


def _always_ends(body: Sequence[ast.stmt]) -> bool:
    """Whether every path through ``body`` ends in a return or a raise (loops and ``match`` count
    as ending: we do not judge them)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise, ast.While, ast.Match)):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):  # abort(400), sys.exit(1)
        func = last.value.func
        return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) in _NO_RETURN
    if isinstance(last, ast.If):
        return _always_ends(last.body) and _always_ends(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _always_ends(last.body)
    if isinstance(last, ast.Try):
        return (_always_ends(last.finalbody) or (
            (_always_ends(last.body) or _always_ends(last.orelse)) and all(_always_ends(h.body) for h in last.handlers)))
    return False


def _never_answers_none(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether every path ends and every return gives a value other than None (so running off the
    end would be a new answer)."""
    values = [r.value for r in _own_returns(function)]
    return (_always_ends(function.body) and bool(values)
            and not any(v is None or (isinstance(v, ast.Constant) and v.value is None) for v in values))


def return_problem(before: Sequence[ast.AST], after: Sequence[ast.AST]) -> str | None:
    """A function that returned a value on every path and now runs off its end (its last return
    deleted: callers get None), or a return the repair adds whose value contradicts the function's
    own return annotation (``-> Tuple[bool, str]`` answered with ``return match is not None``), or None."""
    originals = _functions(before)
    for name, function in _functions(after).items():
        original = originals.get(name)
        if original is not None and _never_answers_none(original) and not _always_ends(function.body):
            return (f"the repair lets `{name}` run off its end, so it returns None where every path returned a "
                    "value: a return of the original is gone; keep it after your check")
    old = {ast.dump(n) for top in before for n in ast.walk(top) if isinstance(n, ast.Return)}
    for top in after:
        for function in (n for n in ast.walk(top) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            declared = _declared_kinds(function.returns)
            if declared is None or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(function)):
                continue
            for statement in _own_returns(function):
                kind = _literal_kind(statement.value)
                if ast.dump(statement) in old or kind is None or kind in declared:
                    continue
                shown = _KIND_WORDS.get(kind, f"a {kind}")
                assert function.returns is not None
                return (
                    f"the repair returns {shown} (`{_code(statement)[:60]}`) where `{function.name}` declares "
                    f"`{_code(function.returns)}`: callers get another kind of value"
                )
    return None


def _error_answers(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.Return]:
    """What the function's own ``except`` blocks answer with a literal (``return ''``, ``return None``,
    ``return {}``), by the value's dump: its documented answer to failure."""
    in_handlers = {id(n) for h in ast.walk(function) if isinstance(h, ast.ExceptHandler) for n in ast.walk(h)}
    answers: dict[str, ast.Return] = {}
    for statement in _own_returns(function):
        value = statement.value
        literal = value is None or isinstance(value, ast.Constant) or (
            isinstance(value, (ast.Dict, ast.List, ast.Tuple)) and not any(ast.iter_child_nodes(value)))
        if literal and id(statement) in in_handlers:
            answers[ast.dump(value or ast.Constant(None))] = statement  # `return` is `return None`
    return answers


def error_answer_problem(before: Sequence[ast.AST], after: Sequence[ast.AST]) -> str | None:
    """An ``except`` answer the repair drops (``except: return ''`` gone, so errors the function
    answered now raise), or None. Only literal answers: a message built from the error (CWE-209)
    is what such a repair may rightly change."""
    repaired = _functions(after)
    for name, original in _functions(before).items():
        if name not in repaired:
            continue
        kept = _error_answers(repaired[name])
        for key, statement in _error_answers(original).items():
            if key not in kept:
                return (f"the repair drops `{_code(statement)}` from the error handling of `{name}`: errors it "
                        "answered now raise; keep its `try`/`except` and that answer")
    return None


def _bad_input_answer(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.Return | None:
    """The function's early answer to bad input: the return closing an ``if`` on one of its
    parameters ahead of its last statement (``if not name: return None``), or None."""
    arguments = function.args
    parameters = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    for statement in function.body[:-1]:
        if (isinstance(statement, ast.If) and not statement.orelse and isinstance(statement.body[-1], ast.Return)
                and any(isinstance(n, ast.Name) and n.id in parameters for n in ast.walk(statement.test))):
            return statement.body[-1]
    return None


def _escaping_raises(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Raise]:
    """The function's own ``raise`` statements that no ``try`` of its own catches (a bare re-raise
    passes on an error, it makes none)."""
    caught = {id(n) for t in _own_nodes(function) if isinstance(t, ast.Try) and t.handlers
              for statement in t.body for n in ast.walk(statement)}
    return [n for n in _own_nodes(function) if isinstance(n, ast.Raise) and n.exc is not None and id(n) not in caught]


def new_exception_problem(before: Sequence[ast.AST], after: Sequence[ast.AST]) -> str | None:
    """A repair that raises on input it rejects in a function that raised nothing and already answers
    bad input with an early return, or None: its callers handle that answer, not an exception."""
    repaired = _functions(after)
    for name, original in _functions(before).items():
        if name not in repaired or _escaping_raises(original):
            continue
        answer = _bad_input_answer(original)
        raises = _escaping_raises(repaired[name])
        if answer is not None and raises:
            raised = min(raises, key=lambda n: n.lineno)
            return (f"the repair makes `{name}` raise (`{_code(raised)[:60]}`), but it raised nothing and answers "
                    f"bad input with `{_code(answer)}`: callers handle that answer, not an exception; answer the "
                    "input your fix rejects the same way")
    return None


_ARITHMETIC = re.compile(r"arithmetic|calculat|\bmath|formula", re.IGNORECASE)


def _literal_only_problem(before: Sequence[ast.AST], after: Sequence[ast.AST], names: dict[str, str]) -> str | None:
    """``eval`` swapped for ``ast.literal_eval`` in a function documented to work out arithmetic:
    literal_eval reads literals only, so ``1 + 2`` raises and every real input fails. None otherwise."""
    originals = _functions(before)
    for name, function in _functions(after).items():
        original = originals.get(name)
        if original is None:
            continue
        evaluated = any(isinstance(c.func, ast.Name) and c.func.id == "eval" for c in _calls([original]))
        literal = any(dotted(c.func, names) == "ast.literal_eval" for c in _calls([function]))
        purpose = f"{name} {ast.get_docstring(original) or ''}".replace("_", " ")
        if evaluated and literal and _ARITHMETIC.search(purpose):
            return (f"the repair evaluates with `ast.literal_eval`, which reads literals only (`1 + 2` raises), but "
                    f"`{name}` is documented to work out arithmetic: parse the expression with ast.parse(text, "
                    "mode='eval') and compute only number constants and arithmetic operators")
    return None


def contract_problem(before: Sequence[ast.AST], after: Sequence[ast.AST], module: ast.Module) -> str | None:
    """A sink contract the repaired unit ``after`` breaks that its original ``before`` kept, or None."""
    names = {**aliases(module), **{k: v for n in after for k, v in aliases(n).items()}}
    old_calls = list(_calls(before))
    old_codes = {_code(c) for c in old_calls}
    shell_strings = _shell_strings(old_calls, {**aliases(module), **{k: v for n in before for k, v in aliases(n).items()}})
    sqlite = "sqlite3" in {v.split(".")[0] for v in names.values()}
    assigned = _single_assignments(after)
    problem = _salt_problem(before, after, names) or _literal_only_problem(before, after, names)
    if problem is not None:
        return problem
    for call in _calls(after):
        if _code(call) in old_codes:
            continue
        name = dotted(call.func, names) or ""
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        problem = _cipher_problem(call, name, names, assigned)
        if problem is not None:
            return problem
        problem = _invented_call(name)
        if problem is not None:
            return problem
        shell = next((k for k in call.keywords if k.arg == "shell"), None)
        without_shell = shell is None or (isinstance(shell.value, ast.Constant) and shell.value.value is False)
        if name.startswith("subprocess.") and without_shell and call.args and _is_command_string(call.args[0], shell_strings):
            return (
                f"the repair passes one command string to `{name}` without a shell (`{_code(call.args[0])[:60]}`): "
                "it fails for any command with arguments; pass a list such as shlex.split(...) or fixed arguments"
            )
        if method in {"extract", "extractall", "_extract_member"}:
            target = [k.value for k in call.keywords if k.arg == "path"] + list(call.args[1:2] if method == "extract" else call.args[:1])
            for node in target:
                if any(isinstance(n, ast.Attribute) and n.attr in {"name", "path", "linkname"} for n in ast.walk(node)):
                    return "the repair extracts to a folder taken from the archive member: a traversal by another route"
        if sqlite and method in {"execute", "executemany"} and call.args:
            query = call.args[0]
            if isinstance(query, ast.Constant) and isinstance(query.value, str) and "%s" in query.value:
                return "the repair uses `%s` placeholders with sqlite3, which takes `?` (or `:name`): the query would fail"
        if name == "hmac.new" and len(call.args) >= 2:
            key, message = _code(call.args[0]).lower(), _code(call.args[1]).lower()
            if re.search(r"key|secret", message) and not re.search(r"key|secret", key):
                return "the repair swaps the hmac key and message: the key is hmac.new's first argument"
    if sqlite:
        old_contexts = {_code(item.context_expr) for item in _with_items(before)}
        for item in _with_items(after):
            expr = item.context_expr
            cursor = isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "cursor"
            if cursor and _code(expr) not in old_contexts:
                return "the repair uses a sqlite3 cursor as a context manager, which it is not"
    old_strings = {n.value for t in before for n in ast.walk(t) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    for top in after:
        for part in ast.walk(top):
            if isinstance(part, ast.Constant) and isinstance(part.value, str) and part.value not in old_strings:
                if _SENSITIVE_PATH.search(part.value.strip()):
                    return f"the repair moves a path into a sensitive location (`{part.value[:60]}`)"
            if isinstance(part, ast.Call) and _code(part) not in old_codes:
                name = dotted(part.func, names) or ""
                if name in {"os.path.expanduser", "pathlib.Path.home"} or (
                    isinstance(part.func, ast.Attribute) and part.func.attr == "home"
                ):
                    return "the repair moves a path into a sensitive location (the home folder): use tempfile for temporary files"
    return None
