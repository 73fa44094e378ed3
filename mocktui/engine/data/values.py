"""Primitive value generators: the closures that draw one value, and the formats' table.

These know nothing of schemas or of the compiler; `generate` and `scalars` build on them.
Each is one closure over precomputed data (a pool, a bound, a constant), so a request pays
only for the draw: date-times, for one, come from a pool formatted once at import.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import random
import string
import uuid
from collections.abc import Sequence
from typing import Any

from mocktui.engine.data.context import NODE_BUDGET, NULL_RATE, Ctx, Gen, TooDeep
from mocktui.engine.data.inline import inlinable
from mocktui.engine.data.pools import pick

_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()
_SPAN = 3 * 365 * 86400
LETTERS = string.ascii_lowercase


def const(value: Any) -> Gen:
    if isinstance(value, (dict, list)):
        return lambda ctx: copy.deepcopy(value)
    return lambda ctx: value


def with_example(gen: Gen, example: Any) -> Gen:
    mutable = isinstance(example, (dict, list))

    def with_example(ctx: Ctx) -> Any:
        if ctx.examples:
            return copy.deepcopy(example) if mutable else example
        return gen(ctx)

    return with_example


def set_field(gen: Gen, prop: str, value: str) -> Gen:
    def tagged(ctx: Ctx) -> Any:
        out = gen(ctx)
        if isinstance(out, dict):
            out[prop] = value
        return out

    return tagged


def nullable_choice(gens: list[Gen], nullable: bool) -> Gen:
    def choose(ctx: Ctx) -> Any:
        if nullable and (ctx.nodes > NODE_BUDGET or ctx.rng.random() < NULL_RATE):
            return None
        try:
            return pick(ctx.rng, gens)(ctx)
        except TooDeep:
            if nullable:
                return None
            raise

    return choose


def picker(seq: Sequence[Any]) -> Gen:
    """A generator of members of `seq`: one closure, no call per value beyond the draw."""
    n = len(seq)

    def draw(ctx: Ctx) -> Any:
        return seq[int(ctx.rng.random() * n)]

    return inlinable(draw, "S[int(R() * N)]", S=seq, N=n)


def between(rng: random.Random, lo: int, hi: int) -> int:
    """`rng.randint`, the fast way for ranges a float's 53 bits cover."""
    span = hi - lo + 1
    return lo + int(rng.random() * span) if span < 2**52 else rng.randint(lo, hi)


def _stamps(fmt: str) -> Gen:
    """Date-times from a pool formatted once: `strftime` per value costs more than the rest."""
    rng = random.Random(0)
    pool = [dt.datetime.fromtimestamp(_EPOCH + rng.randrange(_SPAN), dt.UTC).strftime(fmt) for _ in range(4096)]
    return picker(pool)


def password(ctx: Ctx) -> str:
    return "".join(pick(ctx.rng, string.ascii_letters + string.digits) for _ in range(12))


def _uuid(ctx: Ctx) -> str:
    return str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))


def _ipv6(ctx: Ctx) -> str:
    return ":".join(f"{ctx.rng.getrandbits(16):x}" for _ in range(8))


FORMATS: dict[str, Gen] = {
    "uuid": _uuid,
    "guid": _uuid,
    "date-time": _stamps("%Y-%m-%dT%H:%M:%SZ"),
    "date": _stamps("%Y-%m-%d"),
    "time": _stamps("%H:%M:%SZ"),
    "duration": lambda ctx: f"P{between(ctx.rng, 0, 30)}DT{between(ctx.rng, 0, 23)}H{between(ctx.rng, 0, 59)}M",
    "ipv4": lambda ctx: ".".join(str(between(ctx.rng, 1, 254)) for _ in range(4)),
    "ipv6": _ipv6,
    "byte": lambda ctx: base64.b64encode(ctx.rng.randbytes(between(ctx.rng, 6, 24))).decode(),
    "binary": lambda ctx: "".join(pick(ctx.rng, LETTERS) for _ in range(16)),
    "password": password,
}
for _numeric in ("int32", "int64", "uint64", "unix-time", "decimal"):  # numbers written as strings
    FORMATS[_numeric] = lambda ctx: str(between(ctx.rng, 1, 10**6))
