"""Records coherent within themselves: a plan of fix-ups per object schema, applied after it is generated.

Fields are generated independently; this makes them agree where their names make a relation
evident: `updatedAt >= createdAt` (and start/end, min/max... pairs), an order's `total` is the sum
of its line items, a `count` beside the only list is its length, emails and usernames follow the
record's names (`identity`), images follow its id. Which fix-ups an object needs is decided once,
on its first use, from its property names and schemas (`plan_for`); a generated object then only
runs its plan, and objects without relations have none and pay nothing.

A fix-up never breaks the schema: each field it writes is checked with that field's compiled
validator, and a value that does not fit is not written (the generated one stays).

The derived values (totals, counts) also serve records that were not generated: `derived_for` makes
a stored record's totals agree with the lines a client sent, without touching what the client set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mocktui.engine.data.context import Ctx, Gen
from mocktui.engine.data.entities import ENVELOPES
from mocktui.engine.data.fields import Check, Fields, Schemas, Step, body_of

__all__ = ["Derived", "Free", "Step", "derived_for", "plan_for", "planned"]
from mocktui.engine.data.identity import identity_step, image_step
from mocktui.engine.data.pools import normalise

_PAIRS = (("created", "updated"), ("created", "modified"), ("start", "end"), ("starts", "ends"),
          ("started", "ended"), ("started", "finished"), ("begin", "end"), ("from", "to"), ("from", "until"),
          ("min", "max"), ("minimum", "maximum"), ("issued", "expires"), ("issued", "expiry"),
          ("opened", "closed"), ("earliest", "latest"), ("lower", "upper"), ("low", "high"))  # fmt: skip
_SEGMENT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ANNOTATIONS = {"description", "title", "example", "examples", "default", "readOnly", "writeOnly", "deprecated"}

_LINE_PRICES = ("unitprice", "price", "unitamount", "amount", "unitcost", "cost")
_LINE_QUANTITIES = ("quantity", "qty", "units", "count")
_SUBTOTALS = ("subtotal", "itemstotal", "itemtotal", "linestotal")
_TOTALS = ("total", "totalamount", "totalprice", "grandtotal", "ordertotal", "totalcost", "amount")
_EXTRAS = ("tax", "taxamount", "totaltax", "shipping", "shippingcost", "shippingfee", "shippingamount", "fee", "fees")
_DEDUCTIONS = ("discount", "discountamount", "totaldiscount")
_COUNTS = ("count", "totalcount", "total", "totalitems", "totalresults", "itemcount", "numitems", "numresults",
           "resultcount", "numberofitems")  # fmt: skip

Free = Callable[[dict[str, Any], str], bool]  # whether a field of an object may be (re)written
Derived = Callable[[dict[str, Any], Free], None]


def _anything(obj: dict[str, Any], key: str) -> bool:
    return True


def plan_for(fields: list[tuple[str, Any]], kind: str, schemas: Schemas) -> Step | None:
    """The fix-ups an object with these properties needs, as one step; None when it needs none."""
    if len(fields) < 2:
        return None
    view = Fields(fields, schemas)
    steps: list[Step] = []
    steps.extend(_pair_steps(view))
    claimed: set[str] = set()  # totals the line items' sum writes; a count must not write them too
    total = _step(_sums(view, claimed))
    for step in (total, _step(_counts(view, claimed)), identity_step(view, kind), image_step(view, kind)):
        if step is not None:
            steps.append(step)
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]

    def run(out: dict[str, Any], ctx: Ctx) -> None:
        for step in steps:
            step(out, ctx)

    return run


def derived_for(fields: list[tuple[str, Any]], schemas: Schemas) -> Derived | None:
    """The totals and counts of an object that follow from its own lists, for a record that was not
    generated (a client's order): `derived(record, free)` writes a value, or moves a line's price by a
    few cents when a strict `multipleOf` needs it, only where `free(object, field)` allows."""
    if len(fields) < 2:
        return None
    view = Fields(fields, schemas)
    claimed: set[str] = set()
    found = [d for d in (_sums(view, claimed), _counts(view, claimed)) if d is not None]
    if len(found) < 2:
        return found[0] if found else None
    sums, counts = found

    def both(out: dict[str, Any], free: Free) -> None:
        sums(out, free)
        counts(out, free)

    return both


def _step(derived: Derived | None) -> Step | None:
    """A derived value as a plan step: a generated record is all the generator's, so every field is free."""
    if derived is None:
        return None
    return lambda out, ctx: derived(out, _anything)


def planned(base: Gen, plan: Step) -> Gen:
    """An object generator followed by its plan (wrapping the fused one of `inline` as well)."""

    def run(ctx: Ctx) -> dict[str, Any]:
        out: dict[str, Any] = base(ctx)
        plan(out, ctx)
        return out

    return run


# -- ordered pairs -------------------------------------------------------------------------------


def _partners(name: str) -> list[str]:
    """`createdAt` -> [updatedAt, modifiedAt]; `min_price` -> [max_price]: the names that must not be smaller."""
    out = []
    for match in _SEGMENT.finditer(name):
        word = match.group().lower()
        for low, high in _PAIRS:
            if word == low:
                seg = match.group()
                cased = high.capitalize() if seg[0].isupper() else high
                cased = high.upper() if seg.isupper() and len(seg) > 1 else cased
                out.append(name[: match.start()] + cased + name[match.end() :])
    if normalise(name) == "notbefore":
        out.append(name.replace("Before", "After").replace("before", "after"))
    return out


def _pair_steps(view: Fields) -> list[Step]:
    steps = []
    for low in view.raw:
        for high in _partners(low):
            if high not in view.raw or high == low:
                continue
            lt, ht = view.types(low) - {"null"}, view.types(high) - {"null"}
            numbers = {"number", "integer"}
            if not lt or not ((lt <= numbers and ht <= numbers) or (lt == ht == {"string"})):
                continue
            step = _pair(view, low, high)
            if step is not None:
                steps.append(step)
    return steps


def _pair(view: Fields, low: str, high: str) -> Step | None:
    def shape(name: str) -> dict[str, Any]:
        return {k: v for k, v in view.bodies[name].items() if k not in _ANNOTATIONS and not k.startswith("x-")}

    same = shape(low) == shape(high)
    check_low, check_high = (None, None) if same else (view.check(low), view.check(high))
    if not same and (check_low is None or check_high is None):
        return None

    def order(out: dict[str, Any], ctx: Ctx) -> None:
        a, b = out.get(low), out.get(high)
        if isinstance(a, str) and isinstance(b, str):
            if len(a) != len(b) or not (a[:2].isdigit() and b[:2].isdigit()) or a <= b:
                return
        elif not (_number(a) and _number(b)) or a <= b:  # type: ignore[operator]
            return
        if same or (check_low(b) and check_high(a)):  # type: ignore[misc]
            out[low], out[high] = b, a

    return order


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- totals and counts ---------------------------------------------------------------------------


def _amount(value: Any) -> float | None:
    if _number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _line_items(view: Fields) -> tuple[str, str, str | None, Check | None] | None:
    """The only array of line items (objects with a price, maybe a quantity): (field, price, quantity, price check)."""
    found = []
    for name, body in view.bodies.items():
        if "array" not in view.types(name) and "items" not in body:
            continue
        item = Fields([(k, v) for k, v in _item_properties(body, view.schemas).items()], view.schemas)
        price = next((item.by_key[k] for k in _LINE_PRICES if k in item.by_key), None)
        if price is None:
            continue
        qty = next((item.by_key[k] for k in _LINE_QUANTITIES if k in item.by_key and item.by_key[k] != price), None)
        found.append((name, price, qty, item.check(price)))
    return found[0] if len(found) == 1 else None


def _item_properties(body: dict[str, Any], schemas: Schemas) -> dict[str, Any]:
    items = body_of(body.get("items"), schemas) if isinstance(body.get("items"), dict) else {}
    props = items.get("properties")
    return props if isinstance(props, dict) else {}


def _sums(view: Fields, claimed: set[str]) -> Derived | None:
    lines = _line_items(view)
    subtotals = [f for f in view.find(_SUBTOTALS) if view.check(f) is not None]
    totals = [f for f in view.find(_TOTALS) if view.check(f) is not None]
    if lines is None or not (subtotals or totals):
        return None
    if len(totals) > 1 and view.by_key.get("amount") in totals:
        totals.remove(view.by_key["amount"])  # `amount` is the total only when nothing else is
    field, price, qty, price_check = lines
    # With a subtotal, the subtotal is the lines' sum and a total adds tax and shipping; else the total is the sum.
    first, rest = (subtotals[:1], totals) if subtotals else (totals[:1], totals[1:])
    extras = view.find(_EXTRAS) if subtotals else []
    deductions = view.find(_DEDUCTIONS) if subtotals else []
    claimed.update(first + rest)
    checks = {f: view.check(f) for f in first + rest}
    integer = {f for f in checks if view.types(f) & {"integer", "number"} == {"integer"}}

    def as_value(name: str, amount: float, like: Any) -> Any:
        if name in integer:
            return int(round(amount)) if abs(amount - round(amount)) < 1e-9 else None
        return f"{amount:.2f}" if isinstance(like, str) else round(amount, 2)

    def line_sum(items: list[Any]) -> float | None:
        total = 0.0
        for item in items:
            p = _amount(item.get(price)) if isinstance(item, dict) else None
            q = _amount(item.get(qty, 1)) if qty is not None and isinstance(item, dict) else 1.0
            if p is None or q is None:
                return None
            total += p * q
        return total

    def add_up(out: dict[str, Any], free: Free) -> None:
        items = out.get(field)
        if not isinstance(items, list):
            return
        base = line_sum(items)
        if base is None:
            return
        main = first[0]
        if main in out and free(out, main):
            value = as_value(main, base, out[main])
            if value is None or not checks[main](value):  # type: ignore[misc]
                base = _nudge(items, main, out[main], base, free)
                value = as_value(main, base, out[main]) if base is not None else None
                if value is None or base is None:
                    return
            out[main] = value
        if not rest:
            return
        grand = base + sum(_amount(out.get(f)) or 0.0 for f in extras)
        grand -= sum(_amount(out.get(f)) or 0.0 for f in deductions)
        for name in rest:
            if name in out and free(out, name):
                value = as_value(name, grand, out[name])
                if value is not None and checks[name](value):  # type: ignore[misc]
                    out[name] = value

    def _nudge(items: list[Any], main: str, like: Any, base: float, free: Free) -> float | None:
        """A sum whose float fails a strict `multipleOf` (2280.24 / 0.01 is not whole): move one of the
        last lines' prices by a few cents, to the nearest sum that passes."""
        if price_check is None:
            return None
        for cents in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8):
            for line in items[-1:-4:-1]:
                old = _amount(line.get(price)) if isinstance(line, dict) else None
                if old is None or isinstance(line.get(price), str) or not free(line, price):
                    continue
                q = _amount(line.get(qty, 1)) if qty is not None else 1.0
                new = round(old + cents / 100, 2)
                candidate = base + (new - old) * (q or 1.0)
                value = as_value(main, candidate, like)
                if new >= 0 and value is not None and price_check(new) and checks[main](value):  # type: ignore[misc]
                    line[price] = new
                    return candidate
        return None

    return add_up


def _counts(view: Fields, claimed: set[str]) -> Derived | None:
    lists = [n for n in view.raw if "array" in view.types(n)]
    if len(lists) != 1:
        return None
    (field,) = lists
    keys = _COUNTS + (("size", "length") if normalise(field) in ENVELOPES else ())
    targets = [f for f in view.find(keys) if f not in claimed and view.types(f) - {"null"} == {"integer"}]
    checks = [(f, c) for f in targets if (c := view.check(f)) is not None]
    if not checks:
        return None

    def count(out: dict[str, Any], free: Free) -> None:
        items = out.get(field)
        if isinstance(items, list):
            for name, check in checks:
                if name in out and free(out, name) and check(len(items)):
                    out[name] = len(items)

    return count
