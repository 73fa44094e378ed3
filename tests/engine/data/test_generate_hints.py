"""The data generator's realistic values: examples and defaults, x-faker and property-name hints."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from mocktui.engine.data.pools import Pools

from .support import V30, V31, _email, _http_url, gen_for, is_number, obj, ref, rfc3339_datetime

# -- default / example ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "version", "expected"),
    [
        ({"type": "string", "example": "hello"}, V30, "hello"),
        ({"type": "integer", "example": 7}, V30, 7),
        ({"type": "string", "examples": ["first", "second"]}, V31, "first"),
        ({"type": "integer", "default": 42}, V30, 42),
        ({"type": "array", "items": {"type": "integer"}, "example": [1, 2]}, V30, [1, 2]),
        (obj({"a": {"type": "string"}}, example={"a": "x"}), V30, {"a": "x"}),
    ],
    ids=["example-string", "example-int", "examples-31", "default", "example-array", "example-object"],
)
def test_examples_honoured(schema: dict[str, Any], version: str, expected: Any) -> None:
    sampler = gen_for(schema, version)
    with_examples = sampler.valid(20, examples=True)
    assert all(v == expected for v in with_examples)
    without = sampler.valid(50, examples=False)
    assert any(v != expected for v in without)  # examples=False generates fresh data


def test_property_examples_and_defaults() -> None:
    schema = obj(
        {
            "name": {"type": "string", "example": "Rex"},
            "size": {"type": "integer", "default": 3},
            "tags": {"type": "array", "items": {"type": "string", "example": "good"}},
        },
        required=["name", "size", "tags"],
    )
    values = gen_for(schema).valid(30, examples=True)
    assert all(v["name"] == "Rex" and v["size"] == 3 and set(v["tags"]) <= {"good"} for v in values)


def test_example_contradicting_schema_is_not_served() -> None:
    values = gen_for({"type": "integer", "minimum": 10, "maximum": 20, "example": 3}).valid(50, examples=True)
    assert all(10 <= v <= 20 for v in values)


def test_example_mutation_does_not_leak() -> None:
    sampler = gen_for(obj({"a": {"type": "string"}}, example={"a": "x"}))
    first = sampler.draw(1, examples=True)[0]
    first["a"] = "changed"
    assert sampler.draw(1, examples=True)[0] == {"a": "x"}


# -- x-faker and property-name hints -------------------------------------------------------------------------------

X_FAKER: list[tuple[str, Callable[[str], bool]]] = [
    ("city", lambda v: re.fullmatch(r"[A-Z][A-Za-z .'-]+", v) is not None),
    ("company_email", _email),
    ("ipv4", lambda v: bool(ipaddress.IPv4Address(v))),
    ("hex_color", lambda v: re.fullmatch(r"#[0-9a-f]{6}", v) is not None),
    ("iban", lambda v: re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", v) is not None),
]


@pytest.mark.parametrize(("provider", "check"), X_FAKER, ids=[p for p, _ in X_FAKER])
def test_x_faker_provider(provider: str, check: Callable[[str], bool]) -> None:
    sampler = gen_for({"type": "string", "x-faker": provider})
    assert sampler.schema.get("x-faker") == provider  # the converter keeps this one x- key
    values = sampler.valid(100)
    assert all(isinstance(v, str) and check(v) for v in values), values[:5]
    assert set(values) <= set(map(str, Pools(1).pool(provider) or []))
    assert len(set(values)) > 10


def test_x_faker_unknown_provider_falls_back() -> None:
    values = gen_for({"type": "string", "x-faker": "no_such_provider_xyz"}).valid(50)
    assert all(isinstance(v, str) and v for v in values)


def test_x_faker_beats_property_name() -> None:
    values = gen_for(obj({"email": {"type": "string", "x-faker": "city"}}, required=["email"])).valid(50)
    assert not any("@" in v["email"] for v in values)


def _name_like(v: Any) -> bool:
    return re.fullmatch(r"[A-Z][A-Za-z'-]+", v) is not None


def _phone(v: Any) -> bool:
    return re.fullmatch(r"[0-9+().x -]+", v) is not None and sum(c.isdigit() for c in v) >= 7


HINTS: list[tuple[str, dict[str, Any], Callable[[Any], bool]]] = [
    ("firstName", {"type": "string"}, _name_like),
    ("last_name", {"type": "string"}, _name_like),
    ("email", {"type": "string"}, _email),
    ("contactEmail", {"type": "string"}, _email),
    ("phone", {"type": "string"}, _phone),
    ("avatar", {"type": "string"}, _http_url),
    ("city", {"type": "string"}, lambda v: re.fullmatch(r"[A-Z][A-Za-z .'-]+", v) is not None),
    ("country", {"type": "string"}, lambda v: v[:1].isupper() and len(v) >= 4),
    ("zip", {"type": "string"}, lambda v: re.fullmatch(r"\d{5}(-\d{4})?", v) is not None),
    ("postalCode", {"type": "string"}, lambda v: re.fullmatch(r"\d{5}(-\d{4})?", v) is not None),
    ("company", {"type": "string"}, lambda v: any(c.isalpha() for c in v) and v[:1].isupper()),
    ("price", {"type": "number"}, lambda v: is_number(v) and v >= 0 and round(v, 2) == v),
    ("amount", {"type": "number"}, lambda v: is_number(v) and v >= 0 and round(v, 2) == v),
    ("totalAmount", {"type": "number"}, lambda v: is_number(v) and v >= 0),
    ("currency", {"type": "string"}, lambda v: re.fullmatch(r"[A-Z]{3}", v) is not None),
    ("url", {"type": "string"}, _http_url),
    ("homepageUrl", {"type": "string"}, _http_url),
    ("username", {"type": "string"}, lambda v: re.fullmatch(r"[A-Za-z0-9._-]{2,}", v) is not None),
    ("createdAt", {"type": "string", "format": "date-time"}, rfc3339_datetime),
    ("createdAt", {"type": "string"}, rfc3339_datetime),
    ("updated_at", {"type": "string"}, rfc3339_datetime),
    ("latitude", {"type": "number"}, lambda v: is_number(v) and -90 <= v <= 90),
    ("longitude", {"type": "number"}, lambda v: is_number(v) and -180 <= v <= 180),
    ("ip", {"type": "string"}, lambda v: bool(ipaddress.ip_address(v))),
    ("color", {"type": "string"}, lambda v: re.fullmatch(r"[A-Z][A-Za-z]+", v) is not None),
]


@pytest.mark.parametrize(
    ("name", "schema", "check"), HINTS, ids=[f"{n}-{s.get('format', s['type'])}" for n, s, _ in HINTS]
)
def test_property_name_hint(name: str, schema: dict[str, Any], check: Callable[[Any], bool]) -> None:
    values = [v[name] for v in gen_for(obj({name: schema}, required=[name])).valid(100)]
    bad = [v for v in values if not check(v)]
    assert not bad, f"{name}: {bad[:5]}"
    assert len({json.dumps(v) for v in values}) > 5


def test_hint_used_through_ref_and_array() -> None:
    components = {"Text": {"type": "string"}}
    schema = obj(
        {"emails": {"type": "array", "items": ref("Text"), "minItems": 1}, "city": ref("Text")},
        required=["emails", "city"],
    )
    values = gen_for(schema, components=components).valid(50)
    assert all(all(_email(e) for e in v["emails"]) and "@" not in v["city"] for v in values)


def test_hint_respects_declared_bounds() -> None:
    schema = obj(
        {
            "price": {"type": "number", "minimum": 600, "maximum": 700},
            "latitude": {"type": "number", "minimum": 10, "maximum": 11},
        },
        required=["price", "latitude"],
    )
    values = gen_for(schema).valid(100)
    assert all(600 <= v["price"] <= 700 and 10 <= v["latitude"] <= 11 for v in values)
