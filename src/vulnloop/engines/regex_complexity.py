"""Does a regular expression backtrack badly (ReDoS, CWE-1333)? A small analysis of the parse tree
that Python's own ``re`` parser gives, for the three shapes behind most real ReDoS reports:

- a repetition whose body can be matched by an inner repetition alone, so that a run of the
  same characters splits into iterations in exponentially many ways: ``(a+)+``, ``(\\w+\\s?)*``,
  ``([a-z]+.)+``;
- a repeated alternation whose branches can match the same text: ``(a|a)*``, ``(\\w|\\d)+``;
- three or more unbounded repetitions in a row, each able to absorb what follows it, which
  makes a failing match take cubic time or worse:
  ``[\\w.-]+\\.[a-z]{2,}(\\.[a-z]{2,})*$``.

It answers for the characters of a fixed sample (ASCII and a few others) and ignores flags,
so it errs on the side of silence for exotic patterns; a separator the repeated part cannot
match (``\\d+(\\.\\d+)*``) keeps a pattern linear, and the analysis says so.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from typing import Any

# The re module's own parser (sre_parse before Python 3.11); private, hence loaded by name.
_NEW_RE = sys.version_info >= (3, 11)
_parser: Any = importlib.import_module("re._parser" if _NEW_RE else "sre_parse")
_c: Any = importlib.import_module("re._constants" if _NEW_RE else "sre_constants")

# A bounded repetition this long already backtracks like an unbounded one.
_UNBOUNDED = 32
_SAMPLE = frozenset(chr(c) for c in [*range(9, 11), 13, *range(32, 127), 0xE9, 0x3B1, 0x660])


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    _c.CATEGORY_DIGIT: str.isdigit,
    _c.CATEGORY_SPACE: str.isspace,
    _c.CATEGORY_WORD: _is_word,
}
_NEGATED = {
    _c.CATEGORY_NOT_DIGIT: _c.CATEGORY_DIGIT,
    _c.CATEGORY_NOT_SPACE: _c.CATEGORY_SPACE,
    _c.CATEGORY_NOT_WORD: _c.CATEGORY_WORD,
}
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)} - {None}
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT}

Item = tuple[Any, Any]


def redos_problem(pattern: str) -> str | None:
    """Why ``pattern`` backtracks badly, or None when none of the shapes above is found."""
    try:
        parsed = _parser.parse(pattern)
    except Exception:  # not a valid pattern: re.compile would fail first, nothing to say
        return None
    return _check_sequence(list(parsed))


def _check_sequence(items: list[Item]) -> str | None:
    chain = _absorbing_chain(items)
    if chain:
        return chain
    for op, av in items:
        for body in _children(op, av):
            if op in _REPEATS and av[1] > _UNBOUNDED and not _is_possessive(op):
                if _iterations_can_split(list(body)):
                    return "a repeated part can be matched by an inner repetition alone (nested quantifiers)"
                if _overlapping_branches(list(body)):
                    return "a repeated alternation has branches that match the same text"
            problem = _check_sequence(list(body))
            if problem:
                return problem
    return None


def _is_possessive(op: Any) -> bool:
    return bool(op == getattr(_c, "POSSESSIVE_REPEAT", object()))


def _children(op: Any, av: Any) -> Iterable[Any]:
    if op in _REPEATS:
        return [av[2]]
    if op == _c.SUBPATTERN:
        return [av[-1]]
    if op == _c.BRANCH:
        return list(av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    return []


def _chars(op: Any, av: Any) -> frozenset[str] | None:
    """The sample characters one single-character item matches; None when it is not one."""
    if op == _c.LITERAL:
        return frozenset({chr(av)})
    if op == _c.NOT_LITERAL:
        return _SAMPLE - {chr(av)}
    if op == _c.ANY:
        return _SAMPLE - {"\n"}
    if op == _c.IN:
        chosen: set[str] = set()
        negate = False
        for kind, value in av:
            if kind == _c.NEGATE:
                negate = True
            elif kind == _c.LITERAL:
                chosen.add(chr(value))
            elif kind == _c.RANGE:
                chosen |= {ch for ch in _SAMPLE if value[0] <= ord(ch) <= value[1]}
            elif kind == _c.CATEGORY:
                chosen |= _category(value)
        return _SAMPLE - chosen if negate else frozenset(chosen)
    return None


def _category(value: Any) -> frozenset[str]:
    if value in _CATEGORIES:
        return frozenset(ch for ch in _SAMPLE if _CATEGORIES[value](ch))
    positive = _NEGATED.get(value)
    if positive is not None:
        return _SAMPLE - _category(positive)
    return frozenset()


def _all_chars(items: Iterable[Item]) -> frozenset[str]:
    """Every sample character any part of ``items`` can consume."""
    found: set[str] = set()
    for op, av in items:
        single = _chars(op, av)
        if single is not None:
            found |= single
        for body in _children(op, av):
            if op not in (_c.ASSERT, _c.ASSERT_NOT):
                found |= _all_chars(body)
    return frozenset(found)


def _nullable(items: Iterable[Item]) -> bool:
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in _REPEATS:
            if av[0] > 0 and not _nullable(av[2]):
                return False
        elif op == _c.SUBPATTERN:
            if not _nullable(av[-1]):
                return False
        elif op == _c.BRANCH:
            if not any(_nullable(branch) for branch in av[1]):
                return False
        else:
            return False
    return True


def _unbounded_repeat(op: Any, av: Any) -> Any | None:
    """The body of an unbounded repetition, looking through plain groups; else None."""
    if op == _c.SUBPATTERN and len(av[-1]) == 1:
        return _unbounded_repeat(*av[-1][0])
    if op in _REPEATS and av[1] > _UNBOUNDED and not _is_possessive(op):
        return av[2]
    return None


def _iterations_can_split(body: list[Item]) -> bool:
    """Can a run of one character be matched by the body's inner repetition alone, the rest
    of the body matching nothing or the same character?"""
    body = _flatten(body)
    for index, (op, av) in enumerate(body):
        inner = _unbounded_repeat(op, av)
        if inner is None:
            continue
        shared = _all_chars(inner)
        for other_op, other_av in body[:index] + body[index + 1:]:
            if _nullable([(other_op, other_av)]):
                continue
            single = _chars(other_op, other_av)
            if single is None:
                break
            shared &= single
        else:
            if shared:
                return True
    return False


def _overlapping_branches(body: list[Item]) -> bool:
    if len(body) == 1 and body[0][0] == _c.SUBPATTERN:
        return _overlapping_branches(list(body[0][1][-1]))
    if len(body) != 1:
        return False
    op, av = body[0]
    if op == _c.IN:  # [ab] is one class, not an alternation
        return False
    if op != _c.BRANCH:
        return False
    words = [_as_word(list(branch)) for branch in av[1]]
    for i, first in enumerate(words):
        for second in words[i + 1:]:
            if first and second and len(first) == len(second) and all(a & b for a, b in zip(first, second)):
                return True
    return False


def _as_word(items: list[Item]) -> list[frozenset[str]] | None:
    """A branch made of single characters only, as their sets; else None."""
    word = []
    for op, av in items:
        single = _chars(op, av)
        if single is None:
            return None
        word.append(single)
    return word


def _absorbing_chain(items: list[Item]) -> str | None:
    """Three or more unbounded repetitions in a row, the first able to absorb all that follows."""
    flat = _flatten(items)
    for start, (op, av) in enumerate(flat):
        body = _unbounded_repeat(op, av)
        if body is None:
            continue
        absorbing = _all_chars(body)
        count = 1
        for next_op, next_av in flat[start + 1:]:
            if next_op in _ZERO_WIDTH:
                break
            consumed = _all_chars([(next_op, next_av)])
            if not consumed or not consumed <= absorbing:
                break
            if _unbounded_repeat(next_op, next_av) is not None:
                count += 1
        if count >= 3:
            return "three or more repetitions in a row can match the same text (polynomial backtracking)"
    return None


def _flatten(items: list[Item]) -> list[Item]:
    """The sequence with plain (unrepeated) groups opened up."""
    flat: list[Item] = []
    for op, av in items:
        if op == _c.SUBPATTERN:
            flat.extend(_flatten(list(av[-1])))
        else:
            flat.append((op, av))
    return flat
