"""``random`` -> ``secrets`` where an exact equivalent exists, so values cannot be predicted.

``choice`` -> ``secrets.choice``, ``getrandbits`` -> ``secrets.randbits``, ``randbytes`` ->
``secrets.token_bytes``, ``randrange``/``randint`` with integer bounds -> ``secrets.randbelow``
arithmetic, and every other function -> the same method of ``secrets.SystemRandom()``. Files that
seed the generator with a fixed value (``random.seed(42)``, ``random.seed(args.seed)``,
``Random(seed)``) or snapshot it (``setstate``) want repeatable numbers and are left alone; seeding
from a call (``random.seed(os.urandom(2))``) is not reproducible and does not stop the rewrite.
"""
from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment

from vulnloop.findings import Finding
from vulnloop.repair.codemods.parsed_codemod import (
    ParsedCodemod,
    ParsedSource,
    has_star_args,
    positional_args,
)
from vulnloop.repair.codemods.catalogue import INFOS

_SYSTEM_RANDOM_METHODS = (
    "random", "uniform", "triangular", "choices", "sample", "shuffle", "betavariate",
    "expovariate", "gammavariate", "gauss", "lognormvariate", "normalvariate",
    "vonmisesvariate", "paretovariate", "weibullvariate",
)
_FUNCTIONS = frozenset(
    f"random.{name}"
    for name in ("choice", "getrandbits", "randbytes", "randrange", "randint", "Random", *_SYSTEM_RANDOM_METHODS)
)
_SEEDING = frozenset({"random.seed", "random.setstate", "random.getstate"})
# A call can resolve to a seeding name only where one of these words is written.
_SEED_WORDS = frozenset(name.rsplit(".", 1)[1] for name in (*_SEEDING, "random.Random"))
# Contexts where an arithmetic expression needs no parentheses.
_OPEN_CONTEXTS = (
    cst.Arg, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Element, cst.Expr, cst.Index,
    cst.ListComp, cst.SetComp, cst.GeneratorExp,
)
_SIMPLE = (cst.Name, cst.Attribute, cst.Integer, cst.Call, cst.Subscript)


class _SeedFinder(cst.CSTVisitor):
    def __init__(self, parsed: ParsedSource) -> None:
        self.parsed = parsed
        self.seeded = False

    def visit_Call(self, node: cst.Call) -> None:
        name = self.parsed.resolves_to(node.func, _SEEDING | {"random.Random"})
        if name in ("random.setstate", "random.getstate"):
            self.seeded = True
        elif name in ("random.seed", "random.Random") and any(
            not self._computed(arg.value) for arg in node.args
        ):
            # A seed computed by a call (os.urandom, time.time) is not a wish for repeatability.
            self.seeded = True

    def _computed(self, value: cst.BaseExpression) -> bool:
        """A call, or a name assigned once from a call."""
        if isinstance(value, cst.Call):
            return True
        scope = self.parsed.scope(value) if isinstance(value, cst.Name) else None
        if scope is None or not isinstance(value, cst.Name):
            return False
        assignments = list(scope[value.value])
        if len(assignments) != 1 or not isinstance(assignments[0], Assignment):
            return False
        target = self.parsed.parent(assignments[0].node)
        statement = self.parsed.parent(target) if isinstance(target, cst.AssignTarget) else None
        return isinstance(statement, cst.Assign) and isinstance(statement.value, cst.Call)


def _int_literal(parsed: ParsedSource, node: cst.BaseExpression) -> int | None:
    code = parsed.code(node).replace("_", "")
    try:
        value = int(code, 0)
    except ValueError:
        return None
    return value


class SecureRandom(ParsedCodemod):
    info = INFOS["secure_random"]

    def _edit(self, parsed: ParsedSource, finding: Finding) -> str | None:
        call = parsed.locate(
            finding, cst.Call, lambda c: parsed.resolves_to(c.func, _FUNCTIONS) is not None
        )
        if call is None or has_star_args(call):
            return None
        seeds = _SeedFinder(parsed)
        for statement in parsed.statements_mentioning(_SEED_WORDS):
            statement.visit(seeds)
        if seeds.seeded:
            return None
        secrets = parsed.module_reference("secrets")
        if secrets is None:
            return None
        function = parsed.resolves_to(call.func, _FUNCTIONS)
        assert function is not None
        new = self._replacement(parsed, call, function.split(".", 1)[1], parsed.code(secrets[0]))
        if new is None:
            return None
        if isinstance(new, cst.BinaryOperation) and not isinstance(parsed.parent(call), _OPEN_CONTEXTS):
            new = new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return parsed.render([(call, new)], [secrets[1]])

    def _replacement(
        self, parsed: ParsedSource, call: cst.Call, name: str, secrets: str
    ) -> cst.BaseExpression | None:
        positional = positional_args(call)
        only_one = len(call.args) == 1 and len(positional) == 1
        renamed = {"choice": "choice", "getrandbits": "randbits", "randbytes": "token_bytes"}
        if name in renamed and only_one:
            return call.with_changes(func=cst.parse_expression(f"{secrets}.{renamed[name]}"))
        if name in _SYSTEM_RANDOM_METHODS:
            return call.with_changes(func=cst.parse_expression(f"{secrets}.SystemRandom().{name}"))
        if name == "Random":
            return None if call.args else cst.parse_expression(f"{secrets}.SystemRandom()")
        bounds = [p.value for p in positional]
        if name in ("randrange", "randint") and len(call.args) == len(bounds) and (
            1 <= len(bounds) <= 2 and not (name == "randint" and len(bounds) == 1)
        ):
            text = self._below(parsed, name, bounds, secrets)
            return None if text is None else cst.parse_expression(text)
        return None

    @staticmethod
    def _below(parsed: ParsedSource, name: str, bounds: list[cst.BaseExpression], secrets: str) -> str | None:
        """randrange(stop), randrange(start, stop), randint(a, b) as randbelow arithmetic."""
        if len(bounds) == 1:
            return f"{secrets}.randbelow({parsed.code(bounds[0])})"
        low, high = bounds
        low_value = _int_literal(parsed, low)
        high_value = _int_literal(parsed, high)
        extra = 1 if name == "randint" else 0
        if low_value == 0 and extra and not parsed.code(high).isdigit() and isinstance(high, _SIMPLE):
            return f"{secrets}.randbelow({parsed.code(high)} + 1)"  # keeps 0xFFFFFFFF readable
        if low_value is not None and high_value is not None:
            span = high_value - low_value + extra
            if span <= 0:
                return None  # the original raises ValueError; keep that to the original
            shift = f" + {low_value}" if low_value > 0 else (f" - {-low_value}" if low_value < 0 else "")
            return f"{secrets}.randbelow({span}){shift}"
        if low_value == 0 and isinstance(high, _SIMPLE):
            return f"{secrets}.randbelow({parsed.code(high)})"  # randrange(0, stop)
        return None


CODEMOD = SecureRandom()
