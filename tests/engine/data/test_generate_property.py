"""Property test of the data generator: values drawn for random schemas validate against them."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import V31, gen_for

SAFE_PATTERNS = [r"^[a-z]{2,6}$", r"^[A-Z]{3}-\d{3}$", r"^(red|green|blue)$", r"^\d{4}-\d{2}$", r"^[a-f0-9]{8}$"]
SAFE_FORMATS = ["uuid", "email", "uri", "date", "date-time", "time", "ipv4", "ipv6", "byte", "hostname", "password"]
PROP_NAMES = ["id", "name", "email", "price", "city", "createdAt", "tags", "count", "latitude", "x1", "status"]


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "length", "pattern", "format", "enum"]))
    if kind == "length":
        lo = draw(st.integers(0, 20))
        out: dict[str, Any] = {"type": "string", "minLength": lo}
        if draw(st.booleans()):
            out["maxLength"] = lo + draw(st.integers(0, 20))
        return out
    if kind == "pattern":
        return {"type": "string", "pattern": draw(st.sampled_from(SAFE_PATTERNS))}
    if kind == "format":
        return {"type": "string", "format": draw(st.sampled_from(SAFE_FORMATS))}
    if kind == "enum":
        return {
            "type": "string",
            "enum": draw(st.lists(st.text("abcxyz", min_size=1, max_size=5), min_size=1, max_size=4, unique=True)),
        }
    return {"type": "string"}


@st.composite
def number_schemas(draw: st.DrawFn) -> dict[str, Any]:
    integer = draw(st.booleans())
    out: dict[str, Any] = {"type": "integer" if integer else "number"}
    lo = draw(st.none() | st.integers(-1000, 1000))
    hi = draw(st.none() | st.integers(-1000, 1000))
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    excl_lo, excl_hi = draw(st.booleans()), draw(st.booleans())
    if lo is not None and hi is not None and hi - lo < 2:
        excl_lo = excl_hi = False
    if lo is not None:
        out["exclusiveMinimum" if excl_lo else "minimum"] = lo
    if hi is not None:
        out["exclusiveMaximum" if excl_hi else "maximum"] = hi
    if draw(st.booleans()):
        step = draw(st.sampled_from([1, 2, 5, 10]) if integer else st.sampled_from([0.5, 0.25, 0.01, 2, 5]))
        first = math.floor((lo if lo is not None else -1000) / step) - 1
        last = math.ceil((hi if hi is not None else 1000) / step) + 1
        inside = [
            k * step
            for k in range(first, last + 1)
            if (lo is None or (k * step > lo if excl_lo else k * step >= lo))
            and (hi is None or (k * step < hi if excl_hi else k * step <= hi))
        ]
        if inside:
            out["multipleOf"] = step
    return out


def leaf_schemas() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        string_schemas(),
        number_schemas(),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.builds(lambda v: {"const": v}, st.one_of(st.integers(-5, 5), st.text("ab", max_size=3), st.booleans())),
        st.builds(
            lambda vs: {"enum": vs},
            st.lists(
                st.integers(0, 9) | st.text("xy", min_size=1, max_size=2),
                min_size=1,
                max_size=4,
                unique_by=lambda x: (type(x), x),
            ),
        ),
        st.builds(lambda s: {**s, "type": [s["type"], "null"]}, st.one_of(string_schemas(), number_schemas())),
    )


WIDE_ITEMS = [
    {"type": "string", "format": "uuid"},
    {"type": "integer", "minimum": 0, "maximum": 100000},
    {"type": "string", "minLength": 8},
]


@st.composite
def array_schemas(draw: st.DrawFn, children: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    unique = draw(st.booleans())
    items = draw(st.sampled_from(WIDE_ITEMS)) if unique else draw(children)
    out: dict[str, Any] = {"type": "array", "items": items}
    lo = draw(st.integers(0, 3))
    if lo:
        out["minItems"] = lo
    if draw(st.booleans()):
        out["maxItems"] = lo + draw(st.integers(0, 4))
    if unique:
        out["uniqueItems"] = True
    return out


@st.composite
def object_schemas(draw: st.DrawFn, children: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    props = draw(st.dictionaries(st.sampled_from(PROP_NAMES), children, max_size=4))
    out: dict[str, Any] = {"type": "object", "properties": props}
    if props:
        out["required"] = draw(st.lists(st.sampled_from(sorted(props)), unique=True))
    extra = draw(st.sampled_from(["absent", "false", "schema"]))
    if extra == "false":
        out["additionalProperties"] = False
    elif extra == "schema":
        out["additionalProperties"] = draw(leaf_schemas())
        if draw(st.booleans()):
            lo = len(out.get("required", [])) + draw(st.integers(0, 2))
            out["minProperties"], out["maxProperties"] = lo, lo + draw(st.integers(0, 3))
    return out


def one_of_schemas(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    disjoint = [
        string_schemas(),
        st.just({"type": "boolean"}),
        array_schemas(children),
        object_schemas(children),
        number_schemas().map(lambda s: {**s, "type": "integer"}),
    ]
    return (
        st.lists(st.sampled_from(range(len(disjoint))), min_size=2, max_size=3, unique=True)
        .flatmap(lambda picks: st.tuples(*(disjoint[i] for i in picks)))
        .map(lambda branches: {"oneOf": list(branches)})
    )


def any_schemas() -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaf_schemas(),
        lambda children: st.one_of(
            array_schemas(children),
            object_schemas(children),
            one_of_schemas(children),
            st.lists(children, min_size=1, max_size=3).map(lambda bs: {"anyOf": bs}),
        ),
        max_leaves=8,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(schema=any_schemas(), seed=st.integers(0, 2**16))
def test_property_generated_values_validate(schema: dict[str, Any], seed: int) -> None:
    sampler = gen_for(schema, V31)
    sampler.valid(15, seed=seed)
    sampler.valid(5, seed=seed, response=False)
