"""Inlining: generators that say how they read as one expression, and the object compiler that splices them.

Generating objects is the hot path of every generated body. A generator marked with `inlinable`
carries its expression (a pool draw, a ranged integer); `inline_object` compiles an object's
fields into one function whose dict display evaluates those expressions directly instead of
calling a closure per field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mocktui.engine.data.context import NODE_BUDGET, OPTIONAL_DEPTH, Ctx, Gen, TooDeep


def inlinable(gen: Gen, expression: str, **names: Any) -> Gen:
    """Say how `gen` reads as one expression (R() is the rng's random), so objects can inline it."""
    gen.inline = (expression, names)  # type: ignore[attr-defined]
    return gen


def inline_object(
    plans: dict[tuple[bool, bool], list[tuple[str, Gen]]], careful: Callable[[Ctx, bool], dict[str, Any]]
) -> Gen | None:
    """The object generator as one compiled function: a dict display whose values are the fields'
    own expressions where they have one (a pool draw, a ranged integer), else calls.

    This is the hot path of every generated body; it halves the cost of a typical record.
    """
    names: dict[str, Any] = {"careful": careful, "TooDeep": TooDeep, "OPTIONAL_DEPTH": OPTIONAL_DEPTH,
                             "NODE_BUDGET": NODE_BUDGET}  # fmt: skip
    inlined = 0

    def display(plan: list[tuple[str, Gen]]) -> str:
        nonlocal inlined
        items = []
        for pname, gen in plan:
            key = f"v{len(names)}"
            spec = getattr(gen, "inline", None)
            if spec is None:
                names[key] = gen
                items.append(f"{pname!r}: {key}(ctx)")
                continue
            expression, bound = spec
            for local, value in bound.items():
                names[f"{key}_{local}"] = value
                expression = re.sub(rf"\b{local}\b", f"{key}_{local}", expression)
            items.append(f"{pname!r}: {expression}")
            inlined += 1
        return "{" + ", ".join(items) + "}"

    source = f"""
def gen_object(ctx):
    ctx.nodes += 1
    R = ctx.rng.random
    shallow = ctx.depth < OPTIONAL_DEPTH and ctx.nodes < NODE_BUDGET
    try:
        if shallow:
            return {display(plans[(True, True)])} if ctx.response else {display(plans[(False, True)])}
        return {display(plans[(True, False)])} if ctx.response else {display(plans[(False, False)])}
    except TooDeep:
        return careful(ctx, shallow)
"""
    if not inlined:
        return None  # nothing to gain over the comprehension
    exec(compile(source, "<mocktui object generator>", "exec"), names)  # noqa: S102 - our own code, names are repr()
    made: Gen = names["gen_object"]
    return made
