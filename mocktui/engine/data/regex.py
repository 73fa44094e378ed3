"""Compile a regular expression into a function that makes matching strings.

Used for `pattern`: the regex is parsed once at start-up, and each call walks
the parsed tree with the caller's random source (no retries, no Faker).
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

from mocktui.engine.data.pools import pick

StrGen = Callable[[random.Random], str]

_MAX_REPEAT = 6  # cap for *, + and large {m,n}: values stay readable
_PRINTABLE = string.ascii_letters + string.digits
_CATEGORIES: dict[Any, str] = {
    C.CATEGORY_DIGIT: string.digits,
    C.CATEGORY_NOT_DIGIT: string.ascii_letters,
    C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_SPACE: _PRINTABLE,
    C.CATEGORY_WORD: _PRINTABLE + "_",
    C.CATEGORY_NOT_WORD: "-.!",
}


def compile_pattern(pattern: str, min_len: int = 0) -> StrGen | None:
    """A generator for `pattern`, or None when Python cannot parse it.

    `min_len` stretches unbounded repeats (`+`, `*`) so that a `minLength` can be met.
    """
    try:
        parsed = P.parse(pattern)
        check = re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    gen = _seq(list(parsed), {}, min_len)

    def generate(rng: random.Random) -> str:
        for _ in range(8):
            value = gen(rng)
            if check.search(value):
                return value
        return value

    return generate


def _seq(items: list[Any], groups: dict[int, str], min_len: int) -> Callable[[random.Random], str]:
    parts = [_node(op, av, groups, min_len) for op, av in items]

    def run(rng: random.Random) -> str:
        return "".join(part(rng) for part in parts)

    return run


def _charset(items: list[Any]) -> str:
    negate = False
    chars: set[str] = set()
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.add(chr(av))
        elif op is C.RANGE:
            lo, hi = av
            chars.update(chr(c) for c in range(lo, min(hi, lo + 512) + 1))
        elif op is C.CATEGORY:
            chars.update(_CATEGORIES.get(av, _PRINTABLE))
    if negate:
        allowed = [c for c in _PRINTABLE + "-_ " if c not in chars]
        return "".join(allowed) or "~"
    return "".join(sorted(chars)) or "a"


def _node(op: Any, av: Any, groups: dict[int, str], min_len: int) -> Callable[[random.Random], str]:
    if op is C.LITERAL:
        ch = chr(av)
        return lambda rng: ch
    if op is C.NOT_LITERAL:
        banned = chr(av)
        pool = [c for c in _PRINTABLE if c != banned]
        return lambda rng: pick(rng, pool)
    if op is C.ANY:
        return lambda rng: pick(rng, _PRINTABLE)
    if op is C.IN:
        chars = _charset(av)
        return lambda rng: pick(rng, chars)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        if hi is C.MAXREPEAT:
            lo = max(lo, min(min_len, 256))
            hi = max(lo, min(lo + 3, _MAX_REPEAT))
        else:
            hi = min(hi, max(lo, _MAX_REPEAT))
        inner = _seq(list(sub), groups, min_len)
        return lambda rng: "".join(inner(rng) for _ in range(lo + int(rng.random() * (hi - lo + 1))))
    if op is C.SUBPATTERN:
        group, _, _, sub = av
        inner = _seq(list(sub), groups, min_len)
        if group is None:
            return inner

        def capture(rng: random.Random) -> str:
            groups[group] = inner(rng)
            return groups[group]

        return capture
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _seq(list(av), groups, min_len)
    if op is C.BRANCH:
        branches = [_seq(list(b), groups, min_len) for b in av[1]]
        return lambda rng: pick(rng, branches)(rng)
    if op is C.GROUPREF:
        return lambda rng: groups.get(av, "")
    if op is C.CATEGORY:
        chars = _CATEGORIES.get(av, _PRINTABLE)
        return lambda rng: pick(rng, chars)
    return lambda rng: ""  # anchors, lookarounds, boundaries: zero-width
