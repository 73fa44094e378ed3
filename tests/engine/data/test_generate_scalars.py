"""The data generator on scalar keywords: type, nullable, enum/const, format, pattern, string length, numbers."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from .support import (
    _HOSTNAME,
    V30,
    V31,
    _byte,
    _date,
    _datetime,
    _email,
    _finite,
    _http_url,
    _int_in,
    _time,
    _uuid,
    gen_for,
    is_number,
    obj,
)

# -- type ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "python"),
    [
        ("string", str),
        ("integer", int),
        ("number", (int, float)),
        ("boolean", bool),
        ("array", list),
        ("object", dict),
    ],
)
@pytest.mark.parametrize("version", [V30, V31])
def test_type(type_: str, python: type | tuple[type, ...], version: str) -> None:
    values = gen_for({"type": type_}, version).valid()
    assert all(isinstance(v, python) for v in values)
    if type_ in ("integer", "number"):
        assert not any(isinstance(v, bool) for v in values)
    if type_ == "boolean":
        assert set(values) == {True, False}


def test_type_null_31() -> None:
    assert gen_for({"type": "null"}, V31).valid(50) == [None] * 50


def test_type_array_31_draws_every_listed_type() -> None:
    values = gen_for({"type": ["string", "integer", "boolean"]}, V31).valid(300)
    assert {type(v) for v in values} == {str, int, bool}


def test_type_array_31_with_null_draws_null_and_non_null() -> None:
    values = gen_for({"type": ["string", "integer", "null"]}, V31).valid(300)
    kinds = Counter(type(v).__name__ for v in values)
    assert kinds["str"] and kinds["int"], kinds
    assert kinds["NoneType"], f"'null' in a 3.1 type array never drawn in 300 values: {kinds}"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "nullable": True},
        {"type": "integer", "minimum": 1, "maximum": 9, "nullable": True},
        {"type": "string", "enum": ["a", "b"], "nullable": True},
        {**obj({"id": {"type": "integer"}}), "nullable": True},
    ],
    ids=["string", "integer", "enum", "object"],
)
def test_nullable_30_draws_null_and_non_null(schema: dict[str, Any]) -> None:
    sampler = gen_for(schema, V30)
    assert "null" in json.dumps(sampler.schema)  # converted to a null type / null enum member
    values = sampler.valid(300)
    nulls = sum(v is None for v in values)
    assert nulls < len(values), "nullable: only nulls"
    assert nulls > 0, f"nullable: true never yields null in {len(values)} draws (schema {schema})"


def test_nullable_is_dropped_in_31() -> None:
    # 3.1 removed `nullable` (a null type is spelled in `type`); the converter drops the keyword.
    sampler = gen_for({"type": "string", "nullable": True}, V31)
    assert sampler.schema == {"type": "string"}
    assert all(isinstance(v, str) for v in sampler.valid(100))


# -- enum / const --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "enum": ["red", "green", "blue"]},
        {"type": "integer", "enum": [1, 2, 3, 5, 8]},
        {"enum": ["x", 1, True, {"k": [1, 2]}, [3]]},
    ],
    ids=["strings", "integers", "mixed"],
)
def test_enum(schema: dict[str, Any]) -> None:
    values = gen_for(schema, V31).valid(300)
    assert all(v in schema["enum"] for v in values)
    assert len({json.dumps(v, sort_keys=True) for v in values}) == len(schema["enum"])  # every member drawn


def test_enum_members_that_break_other_keywords_are_skipped() -> None:
    values = gen_for({"type": "string", "enum": ["ok", "toolong"], "maxLength": 3}).valid(100)
    assert set(values) == {"ok"}


@pytest.mark.parametrize("const", ["fixed", 42, 0.5, True, None, {"a": [1, {"b": None}]}, [1, "2"]])
def test_const(const: Any) -> None:
    sampler = gen_for({"const": const}, V31)
    values = sampler.valid(30)
    assert all(v == const and type(v) is type(const) for v in values)
    if isinstance(const, (dict, list)):  # a fresh copy each time: callers may mutate the value
        values[0].clear()
        assert sampler.draw(1)[0] == const


# -- format --------------------------------------------------------------------------------------------------------

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

FORMAT_CASES: list[tuple[str, dict[str, Any], Callable[[Any], bool]]] = [
    ("uuid", {"type": "string", "format": "uuid"}, _uuid),
    ("email", {"type": "string", "format": "email"}, _email),
    ("uri", {"type": "string", "format": "uri"}, _http_url),
    ("url", {"type": "string", "format": "url"}, _http_url),
    ("hostname", {"type": "string", "format": "hostname"}, lambda v: _HOSTNAME.fullmatch(v) is not None),
    ("ipv4", {"type": "string", "format": "ipv4"}, lambda v: bool(ipaddress.IPv4Address(v))),
    ("ipv6", {"type": "string", "format": "ipv6"}, lambda v: bool(ipaddress.IPv6Address(v))),
    ("date", {"type": "string", "format": "date"}, _date),
    ("date-time", {"type": "string", "format": "date-time"}, _datetime),
    ("time", {"type": "string", "format": "time"}, _time),
    ("byte", {"type": "string", "format": "byte"}, _byte),
    ("binary", {"type": "string", "format": "binary"}, lambda v: isinstance(v, str)),
    ("password", {"type": "string", "format": "password"}, lambda v: isinstance(v, str) and len(v) >= 8),
    ("int32", {"type": "integer", "format": "int32"}, _int_in(*INT32)),
    ("int32-wide-bounds", {"type": "integer", "format": "int32", "minimum": -(10**12)}, _int_in(*INT32)),
    (
        "int32-wide-max",
        {"type": "integer", "format": "int32", "maximum": 10**12, "minimum": 2**31 - 5},
        _int_in(*INT32),
    ),
    ("int64", {"type": "integer", "format": "int64"}, _int_in(*INT64)),
    ("int64-large-min", {"type": "integer", "format": "int64", "minimum": 2**40}, _int_in(2**40, INT64[1])),
    (
        "int64-beyond-2**53",
        {"type": "integer", "format": "int64", "minimum": 2**53 + 1, "maximum": 2**53 + 3},
        _int_in(2**53 + 1, 2**53 + 3),
    ),
    ("float", {"type": "number", "format": "float"}, _finite),
    ("double", {"type": "number", "format": "double", "minimum": -1.5, "maximum": 1.5}, _finite),
    ("unknown", {"type": "string", "format": "made-up-format"}, lambda v: isinstance(v, str) and v != ""),
]


@pytest.mark.parametrize(("schema", "check"), [c[1:] for c in FORMAT_CASES], ids=[c[0] for c in FORMAT_CASES])
def test_format(schema: dict[str, Any], check: Callable[[Any], bool]) -> None:
    values = gen_for(schema).valid(200)
    bad = [v for v in values if not check(v)]
    assert not bad, f"{schema}: {bad[:5]}"


def test_format_values_vary() -> None:
    for fmt in ("uuid", "email", "ipv4", "ipv6", "date-time", "byte"):
        values = gen_for({"type": "string", "format": fmt}).valid(50)
        assert len(set(values)) > 10, fmt


# -- pattern -------------------------------------------------------------------------------------------------------

PATTERNS = [
    r"^[A-Z]{3}-\d{4}$",
    r"^(foo|bar|baz)_[a-z]{2,5}$",
    r"^\+?[0-9]{7,15}$",
    r"^[a-zA-Z0-9._%+-]+@[a-z]+\.(com|org|net)$",
    r"^(?:[01]\d|2[0-3]):[0-5]\d$",
    r"^[^@\s]{1,10}$",
    r"^\w{2,4}\s\d?$",
    r"^#[0-9a-fA-F]{6}$",
    r"^v\d+\.\d+(\.\d+)?(-rc\d)?$",
    r"^ab*c+d?$",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_anchored(pattern: str) -> None:
    values = gen_for({"type": "string", "pattern": pattern}).valid(200)
    assert all(re.fullmatch(pattern.strip("^$"), v) for v in values), values[:5]
    assert len(set(values)) > 1


@pytest.mark.parametrize("pattern", [r"[a-f0-9]{8}", r"\d{3}", r"(cat|dog)s?"])
def test_pattern_unanchored(pattern: str) -> None:
    values = gen_for({"type": "string", "pattern": pattern}).valid(200)
    assert all(re.search(pattern, v) for v in values)


def test_pattern_alternation_draws_every_branch() -> None:
    values = gen_for({"type": "string", "pattern": r"^(alpha|beta|gamma)$"}).valid(200)
    assert set(values) == {"alpha", "beta", "gamma"}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": r"^[a-z]+$", "minLength": 8, "maxLength": 10},
        {"type": "string", "pattern": r"^[0-9]*$", "minLength": 5},
        {"type": "string", "pattern": r"^[A-Z][a-z]{0,20}$", "maxLength": 3},
    ],
    ids=["pattern+min+max", "pattern+min", "pattern+max"],
)
def test_pattern_with_length_bounds(schema: dict[str, Any]) -> None:
    values = gen_for(schema).valid(200)
    assert all(re.search(schema["pattern"], v) for v in values)


# -- string length -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_len", "max_len"),
    [(0, 0), (1, 1), (5, 5), (3, None), (30, None), (None, 2), (None, 40), (10, 12), (50, 200)],
)
def test_string_length(min_len: int | None, max_len: int | None) -> None:
    schema: dict[str, Any] = {"type": "string"}
    if min_len is not None:
        schema["minLength"] = min_len
    if max_len is not None:
        schema["maxLength"] = max_len
    values = gen_for(schema).valid(200)
    assert all((min_len or 0) <= len(v) <= (max_len if max_len is not None else math.inf) for v in values)


@pytest.mark.parametrize("name", ["description", "email", "city"])
def test_string_length_applies_to_hinted_values(name: str) -> None:
    values = gen_for(obj({name: {"type": "string", "minLength": 4, "maxLength": 6}}, required=[name])).valid(200)
    assert all(4 <= len(v[name]) <= 6 for v in values)


# -- numbers -------------------------------------------------------------------------------------------------------

NUMBER_CASES: list[tuple[str, str, dict[str, Any], Callable[[float], bool]]] = [
    # (id, version, schema, predicate) -- the predicate restates the keyword's meaning
    ("int-min-max", V30, {"type": "integer", "minimum": -5, "maximum": 5}, lambda v: -5 <= v <= 5),
    ("int-min-only", V30, {"type": "integer", "minimum": 5000}, lambda v: v >= 5000),
    ("int-max-only", V30, {"type": "integer", "maximum": -5000}, lambda v: v <= -5000),
    ("int-single", V30, {"type": "integer", "minimum": 7, "maximum": 7}, lambda v: v == 7),
    ("num-min-max", V30, {"type": "number", "minimum": 0.5, "maximum": 0.75}, lambda v: 0.5 <= v <= 0.75),
    ("num-negative", V30, {"type": "number", "maximum": -0.1}, lambda v: v <= -0.1),
    (
        "30-excl-int",
        V30,
        {"type": "integer", "minimum": 0, "maximum": 3, "exclusiveMinimum": True, "exclusiveMaximum": True},
        lambda v: 0 < v < 3,
    ),
    (
        "30-excl-int-tight",
        V30,
        {"type": "integer", "minimum": 0, "maximum": 1, "exclusiveMinimum": True},
        lambda v: v == 1,
    ),
    (
        "30-excl-num",
        V30,
        {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMinimum": True, "exclusiveMaximum": True},
        lambda v: 0 < v < 1,
    ),
    (
        "30-excl-false",
        V30,
        {"type": "integer", "minimum": 0, "maximum": 1, "exclusiveMinimum": False, "exclusiveMaximum": False},
        lambda v: 0 <= v <= 1,
    ),
    ("31-excl-int", V31, {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3}, lambda v: 0 < v < 3),
    ("31-excl-num", V31, {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, lambda v: 0 < v < 1),
    ("31-excl-min-only", V31, {"type": "number", "exclusiveMinimum": 100}, lambda v: v > 100),
    ("31-excl-max-only", V31, {"type": "integer", "exclusiveMaximum": -100}, lambda v: v < -100),
    ("31-excl-with-incl", V31, {"type": "number", "minimum": 2, "exclusiveMaximum": 2.5}, lambda v: 2 <= v < 2.5),
    (
        "31-excl-narrow",
        V31,
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.01},
        lambda v: 0 < v < 0.01,
    ),
]


@pytest.mark.parametrize(
    ("version", "schema", "check"), [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES]
)
def test_number_bounds(version: str, schema: dict[str, Any], check: Callable[[float], bool]) -> None:
    values = gen_for(schema, version).valid(300)
    assert all(is_number(v) and check(v) for v in values), sorted(values)[:3] + sorted(values)[-3:]
    if schema["type"] == "integer":
        assert all(isinstance(v, int) for v in values)


def test_30_boolean_exclusive_bounds_become_numeric() -> None:
    schema = {"type": "number", "minimum": 1, "maximum": 2, "exclusiveMinimum": True, "exclusiveMaximum": True}
    converted = gen_for(schema, V30).schema
    assert converted["exclusiveMinimum"] == 1 and converted["exclusiveMaximum"] == 2
    assert "minimum" not in converted and "maximum" not in converted


def _is_multiple(value: float, step: float) -> bool:
    q = value / step
    return abs(q - round(q)) < 1e-9


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer", "multipleOf": 5},
        {"type": "integer", "multipleOf": 7, "minimum": -50, "maximum": 50},
        {"type": "integer", "multipleOf": 1000, "minimum": 1},
        {"type": "number", "multipleOf": 0.01},
        {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 1},
        {"type": "number", "multipleOf": 0.25, "minimum": -3, "maximum": 3},
        {"type": "number", "multipleOf": 0.1, "minimum": 0, "maximum": 10},
        {"type": "number", "multipleOf": 2.5},
    ],
    ids=lambda s: f"{s['type']}-{s['multipleOf']}-{s.get('minimum')}-{s.get('maximum')}",
)
def test_multiple_of(schema: dict[str, Any]) -> None:
    values = gen_for(schema).valid(300)
    assert all(_is_multiple(v, schema["multipleOf"]) for v in values)
    assert all(schema.get("minimum", -math.inf) <= v <= schema.get("maximum", math.inf) for v in values)
    if schema.get("multipleOf") != 1000:  # the default window (1..1000) holds a single multiple of 1000
        assert len(set(values)) > 3
    if schema["type"] == "integer":
        assert all(isinstance(v, int) for v in values)


@pytest.mark.parametrize(
    ("version", "schema", "lo", "hi"),
    [
        (V31, {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 5}, 0, 10),
        (V31, {"type": "number", "exclusiveMinimum": 1000, "multipleOf": 2}, 1000, math.inf),
        (V31, {"type": "number", "minimum": 0, "exclusiveMaximum": 0.05, "multipleOf": 0.01}, -0.001, 0.05),
        (
            V30,
            {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "exclusiveMinimum": True,
                "exclusiveMaximum": True,
                "multipleOf": 0.25,
            },
            0,
            1,
        ),
        (V31, {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10, "multipleOf": 5}, 0, 10),
    ],
    ids=["31-number-both", "31-number-min", "31-number-max-0.01", "30-number-both", "31-integer-both"],
)
def test_multiple_of_with_exclusive_bounds(version: str, schema: dict[str, Any], lo: float, hi: float) -> None:
    values = gen_for(schema, version).valid(300)
    assert all(lo < v < hi and _is_multiple(v, schema["multipleOf"]) for v in values)
