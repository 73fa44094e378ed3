"""Unit tests of the data generator, every value checked by an independent validator.

Each test writes a tiny OpenAPI document, loads it with `load_spec` (so the schema goes through the real
OpenAPI -> JSON Schema conversion), builds a `Generator` the way `MockEngine` does, and draws many values.
Every value is validated with the `jsonschema` package (Draft 2020-12, formats asserted) against the
converted schema bundled with its `$defs`, and the keyword under test is also checked directly.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mocktui.engine.data.generate import MAX_DEPTH, Ctx, Gen, Generator
from mocktui.engine.data.pools import Pools
from mocktui.engine.spec.model import Spec, load_spec

V30 = "3.0.3"
V31 = "3.1.0"
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER
_POOLS: dict[int, Pools] = {}  # pools are seeded per provider, so one per seed can be shared


def shared_pools(seed: int) -> Pools:
    if seed not in _POOLS:
        _POOLS[seed] = Pools(seed)
    return _POOLS[seed]


@dataclass
class Sampler:
    """One compiled schema: draws values and checks them with `jsonschema`."""

    spec: Spec
    schema: Any  # the converted (JSON Schema 2020-12) schema
    bundled: Any  # `schema` plus the `$defs` it reaches: a self-contained document
    gen: Gen
    validator: Any

    def errors(self, value: Any) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: [{e.validator}] {e.message}"
            for e in self.validator.iter_errors(value)
        ]

    def draw(self, n: int = 200, seed: int = 0, *, examples: bool = False, response: bool = True) -> list[Any]:
        rng = random.Random(seed)
        return [self.gen(Ctx(rng, examples=examples, response=response)) for _ in range(n)]

    def valid(self, n: int = 200, seed: int = 0, *, examples: bool = False, response: bool = True) -> list[Any]:
        """`n` values, asserting each validates against the converted schema."""
        values = self.draw(n, seed, examples=examples, response=response)
        bad = [(v, errs) for v in values if (errs := self.errors(v))]
        assert not bad, f"{len(bad)}/{n} invalid against {self.bundled}; first: {bad[0][0]!r}: {bad[0][1]}"
        return values


def spec_doc(schema: Any, version: str, components: dict[str, Any] | None) -> dict[str, Any]:
    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    doc: dict[str, Any] = {
        "openapi": version,
        "info": {"title": "generator tests", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "x", "responses": {"200": ok}}}},
    }
    if components:
        doc["components"] = {"schemas": components}
    return doc


def gen_for(
    schema: Any,
    version: str = V30,
    *,
    components: dict[str, Any] | None = None,
    faker_seed: int = 1,
    pools: Pools | None = None,
) -> Sampler:
    """Compile `schema` (an OpenAPI schema object) as the 200 response body of a one-operation spec."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.json"
        path.write_text(json.dumps(spec_doc(schema, version, components)))
        spec = load_spec(str(path))
    converted = spec.operations[0].responses["200"].content["application/json"].schema
    generator = Generator(spec.schemas.defs, pools or shared_pools(faker_seed), spec.schemas.bundle)
    bundled = spec.schemas.bundle(converted)
    jsonschema.Draft202012Validator.check_schema(bundled)
    validator = jsonschema.Draft202012Validator(bundled, format_checker=FORMATS)
    return Sampler(spec, converted, bundled, generator.compile(converted), validator)


def obj(properties: dict[str, Any], **rest: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, **rest}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def rfc3339_datetime(value: Any) -> bool:
    return isinstance(value, str) and FORMATS.conforms(value, "date-time")


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

_HOSTNAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+", re.I
)


def _uuid(v: Any) -> bool:
    return isinstance(v, str) and str(uuid.UUID(v)) == v.lower()


def _email(v: Any) -> bool:
    return re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", v) is not None


def _http_url(v: Any) -> bool:
    parts = urlsplit(v)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _date(v: Any) -> bool:
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None and bool(dt.date.fromisoformat(v))


def _datetime(v: Any) -> bool:
    return dt.datetime.fromisoformat(v.replace("Z", "+00:00")).tzinfo is not None


def _time(v: Any) -> bool:
    return re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})", v) is not None


def _byte(v: Any) -> bool:
    try:
        return isinstance(v, str) and base64.b64encode(base64.b64decode(v, validate=True)).decode() == v
    except binascii.Error:
        return False


def _int_in(lo: int, hi: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _finite(v: Any) -> bool:
    return is_number(v) and math.isfinite(v)


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


# -- arrays --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi"), [(0, 0), (0, 1), (1, 1), (3, 3), (2, 5), (10, 12), (0, None), (4, None), (20, 25)]
)
def test_array_item_counts(lo: int, hi: int | None) -> None:
    schema: dict[str, Any] = {"type": "array", "items": {"type": "integer"}, "minItems": lo}
    if hi is not None:
        schema["maxItems"] = hi
    values = gen_for(schema).valid(200)
    lengths = {len(v) for v in values}
    assert min(lengths) >= lo and max(lengths) <= (hi if hi is not None else math.inf)
    if hi is None or hi > max(lo, 1):
        assert len(lengths) > 1  # counts vary (0..1 always gives one item: arrays are never left empty by choice)


def test_array_items_follow_item_schema() -> None:
    values = gen_for({"type": "array", "items": {"type": "string", "format": "uuid"}, "minItems": 1}).valid(100)
    assert all(v and all(_uuid(i) for i in v) for v in values)


@pytest.mark.parametrize(
    "items",
    [
        {"type": "integer"},
        {"type": "string", "enum": ["a", "b", "c"]},
        {"type": "boolean"},
        obj({"k": {"type": "integer", "minimum": 0, "maximum": 3}}, required=["k"], additionalProperties=False),
    ],
    ids=["integers", "enum3", "booleans", "objects4"],
)
def test_unique_items(items: dict[str, Any]) -> None:
    schema = {"type": "array", "items": items, "uniqueItems": True, "minItems": 2, "maxItems": 8}
    values = gen_for(schema).valid(200)
    for v in values:
        keys = [json.dumps(i, sort_keys=True) for i in v]
        assert len(keys) == len(set(keys)), v


def test_unique_items_needing_every_possible_item() -> None:
    # Exactly five distinct integers exist and five are required.
    schema = {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 5},
        "uniqueItems": True,
        "minItems": 5,
        "maxItems": 5,
    }
    values = gen_for(schema).valid(500)
    assert all(sorted(v) == [1, 2, 3, 4, 5] for v in values)


# -- objects -------------------------------------------------------------------------------------------------------


def test_required() -> None:
    schema = obj(
        {"id": {"type": "integer"}, "name": {"type": "string"}, "note": {"type": "string"}},
        required=["id", "name", "undeclared"],
    )
    values = gen_for(schema).valid(100)
    assert all({"id", "name", "undeclared"} <= v.keys() for v in values)


def test_required_survives_depth_cut() -> None:
    components = {
        "Deep": obj({"level": ref("Deep"), "tag": {"type": "string"}}, required=["tag"]),
    }
    values = gen_for(ref("Deep"), components=components).valid(50)
    node: Any
    for v in values:
        node = v
        while "level" in node:
            node = node["level"]
            assert "tag" in node


@pytest.mark.parametrize(
    ("schema", "lo", "hi"),
    [
        ({"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2, "maxProperties": 4}, 2, 4),
        ({"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 6}, 6, 99),
        (obj({c: {"type": "string"} for c in "abcdef"}, maxProperties=2), 0, 2),
        (obj({"a": {"type": "string"}, "b": {"type": "string"}}, minProperties=1, maxProperties=1), 1, 1),
        (obj({"a": {"type": "string"}}, required=["a"], minProperties=3), 3, 99),
        (obj({"nickname": {"type": "string"}, "id": {"type": "integer"}}, required=["id"], maxProperties=1), 1, 1),
        (
            obj(
                {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}},
                required=["c"],
                maxProperties=2,
            ),
            1,
            2,
        ),
    ],
    ids=[
        "additional-2-4",
        "additional-min6",
        "declared-max2",
        "declared-exactly1",
        "open-object-min3",
        "required-after-optional-max1",
        "required-after-optionals-max2",
    ],
)
def test_min_max_properties(schema: dict[str, Any], lo: int, hi: int) -> None:
    values = gen_for(schema).valid(200)
    assert all(lo <= len(v) <= hi for v in values)


def test_additional_properties_false() -> None:
    schema = obj({"a": {"type": "integer"}, "b": {"type": "string"}}, additionalProperties=False)
    values = gen_for(schema).valid(100)
    assert all(v.keys() <= {"a", "b"} for v in values)


def test_additional_properties_schema() -> None:
    schema = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 5, "maximum": 9}}
    values = gen_for(schema).valid(100)
    assert all(v for v in values)  # a free-form map still gets entries
    assert all(isinstance(x, int) and 5 <= x <= 9 for v in values for x in v.values())


def test_additional_properties_schema_next_to_declared() -> None:
    schema = obj(
        {"id": {"type": "string", "format": "uuid"}},
        required=["id"],
        additionalProperties={"type": "boolean"},
        minProperties=3,
    )
    values = gen_for(schema).valid(100)
    assert all(_uuid(v["id"]) and all(isinstance(x, bool) for k, x in v.items() if k != "id") for v in values)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "additionalProperties": True},
        {"type": "object"},
        obj({"a": {"type": "integer"}}, additionalProperties=True),
    ],
    ids=["true", "absent", "true-with-properties"],
)
def test_additional_properties_true(schema: dict[str, Any]) -> None:
    values = gen_for(schema).valid(100)
    assert all(isinstance(v, dict) for v in values)


def test_pattern_properties() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^x-[a-z]{3}$": {"type": "integer"}},
        "minProperties": 2,
        "additionalProperties": False,
    }
    values = gen_for(schema, V31).valid(100)
    assert all(len(v) >= 2 and all(re.fullmatch(r"x-[a-z]{3}", k) for k in v) for v in values)


RW = obj(
    {
        "id": {"type": "integer", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
        "name": {"type": "string"},
    },
    required=["name"],
)


def test_response_context_omits_write_only() -> None:
    values = gen_for(RW).valid(100, response=True)
    assert all("password" not in v and "name" in v for v in values)
    assert any("id" in v for v in values)


def test_request_context_omits_read_only() -> None:
    values = gen_for(RW).valid(100, response=False)
    assert all("id" not in v and "name" in v for v in values)
    assert any("password" in v for v in values)


def test_read_only_via_ref() -> None:
    components = {"Id": {"type": "string", "format": "uuid", "readOnly": True}}
    values = gen_for(obj({"id": ref("Id"), "name": {"type": "string"}}), components=components).valid(
        50, response=False
    )
    assert all("id" not in v for v in values)


# -- composition ---------------------------------------------------------------------------------------------------


def test_all_of_merged() -> None:
    schema = {
        "allOf": [
            obj({"a": {"type": "integer", "minimum": 0}}, required=["a"]),
            obj({"a": {"maximum": 10}, "b": {"type": "string", "maxLength": 4}}, required=["b"]),
            {"properties": {"c": {"type": "boolean"}}, "required": ["c"]},
        ]
    }
    values = gen_for(schema).valid(200)
    assert all(0 <= v["a"] <= 10 and len(v["b"]) <= 4 and isinstance(v["c"], bool) for v in values)


def test_all_of_with_refs() -> None:
    components = {
        "Base": obj({"id": {"type": "string", "format": "uuid"}}, required=["id"]),
        "Named": obj({"name": {"type": "string", "minLength": 3}}, required=["name"]),
    }
    schema = {
        "allOf": [
            ref("Base"),
            ref("Named"),
            obj({"age": {"type": "integer", "minimum": 0, "maximum": 5}}, required=["age"]),
        ]
    }
    values = gen_for(schema, components=components).valid(100)
    assert all(_uuid(v["id"]) and len(v["name"]) >= 3 and 0 <= v["age"] <= 5 for v in values)


ONE_OF_CASES: dict[str, list[Any]] = {
    "string|integer": [{"type": "string"}, {"type": "integer"}],
    "email|uuid": [{"type": "string", "format": "email"}, {"type": "string", "format": "uuid"}],
    "short|long": [{"type": "string", "maxLength": 5}, {"type": "string", "minLength": 6}],
    "closed-objects": [
        obj({"a": {"type": "integer"}}, required=["a"], additionalProperties=False),
        obj({"b": {"type": "string"}}, required=["b"], additionalProperties=False),
    ],
    "open-objects": [
        obj({"a": {"type": "integer"}}, required=["a"]),
        obj({"b": {"type": "string"}}, required=["b"]),
    ],
    "integer|number": [{"type": "integer"}, {"type": "number"}],
}


@pytest.mark.parametrize("branches", list(ONE_OF_CASES.values()), ids=list(ONE_OF_CASES))
def test_one_of_exactly_one_branch_matches(branches: list[Any]) -> None:
    sampler = gen_for({"oneOf": branches})
    branch_validators = [jsonschema.Draft202012Validator(b, format_checker=FORMATS) for b in branches]
    values = sampler.valid(400)
    matches = [[i for i, bv in enumerate(branch_validators) if bv.is_valid(v)] for v in values]
    assert all(len(m) == 1 for m in matches)
    if branches != ONE_OF_CASES["integer|number"]:  # there an integer would match both: only `number` can be
        assert {m[0] for m in matches} == set(range(len(branches)))  # every branch gets drawn


def test_one_of_refs() -> None:
    components = {
        "Card": obj(
            {"number": {"type": "string", "pattern": r"^\d{16}$"}}, required=["number"], additionalProperties=False
        ),
        "Iban": obj({"iban": {"type": "string"}}, required=["iban"], additionalProperties=False),
    }
    values = gen_for({"oneOf": [ref("Card"), ref("Iban")]}, components=components).valid(200)
    assert {next(iter(v)) for v in values} == {"number", "iban"}


def test_any_of() -> None:
    branches = [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 0}]
    values = gen_for({"anyOf": branches}).valid(300)
    assert all((isinstance(v, str) and len(v) <= 3) or (isinstance(v, int) and v >= 0) for v in values)
    assert {type(v) for v in values} == {str, int}


def test_any_of_objects() -> None:
    branches = [obj({"a": {"type": "integer"}}, required=["a"]), obj({"b": {"type": "boolean"}}, required=["b"])]
    values = gen_for({"anyOf": branches}).valid(200)
    assert all("a" in v or "b" in v for v in values)


PETS: dict[str, Any] = {
    "Pet": {
        **obj({"petType": {"type": "string"}, "name": {"type": "string"}}, required=["petType", "name"]),
        "discriminator": {"propertyName": "petType", "mapping": {"cat": ref("Cat")["$ref"], "dog": ref("Dog")["$ref"]}},
    },
    "Cat": {"allOf": [ref("Pet"), obj({"meows": {"type": "boolean"}}, required=["meows"])]},
    "Dog": {"allOf": [ref("Pet"), obj({"barks": {"type": "integer", "minimum": 0}}, required=["barks"])]},
    "Lizard": obj({"kind": {"type": "string"}, "scales": {"type": "integer"}}, required=["kind", "scales"]),
    "Snake": obj({"kind": {"type": "string"}, "venomous": {"type": "boolean"}}, required=["kind", "venomous"]),
}


def test_discriminator_mapping_matches_chosen_branch() -> None:
    schema = {
        "oneOf": [ref("Cat"), ref("Dog")],
        "discriminator": {
            "propertyName": "petType",
            "mapping": {"kitty": ref("Cat")["$ref"], "doggo": ref("Dog")["$ref"]},
        },
    }
    sampler = gen_for(schema, components=PETS)
    defs = sampler.bundled["$defs"]
    branch = {
        tag: jsonschema.Draft202012Validator({**defs[name], "$defs": defs}, format_checker=FORMATS)
        for tag, name in (("kitty", "Cat"), ("doggo", "Dog"))
    }
    values = sampler.valid(200)
    assert {v["petType"] for v in values} == {"kitty", "doggo"}
    for v in values:
        assert branch[v["petType"]].is_valid(v), v
        other = "doggo" if v["petType"] == "kitty" else "kitty"
        assert not branch[other].is_valid(v), v


def test_discriminator_without_mapping_uses_schema_names() -> None:
    schema = {"oneOf": [ref("Lizard"), ref("Snake")], "discriminator": {"propertyName": "kind"}}
    values = gen_for(schema, components=PETS).valid(200)
    assert {v["kind"] for v in values} == {"Lizard", "Snake"}
    assert all(("scales" in v) == (v["kind"] == "Lizard") for v in values)


@pytest.mark.parametrize(("name", "tag", "field"), [("Cat", "cat", "meows"), ("Dog", "dog", "barks")])
def test_discriminator_on_all_of_subtype(name: str, tag: str, field: str) -> None:
    values = gen_for(ref(name), components=PETS).valid(100)
    assert all(v["petType"] == tag and field in v for v in values)


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


# -- recursion -----------------------------------------------------------------------------------------------------


def _depth(value: Any, key: str) -> int:
    if isinstance(value, dict):
        child = value.get(key)
        if isinstance(child, list):
            return 1 + max((_depth(c, key) for c in child), default=0)
        return 1 + (_depth(child, key) if child is not None else 0)
    return 0


@pytest.mark.parametrize(
    ("components", "key"),
    [
        (
            {
                "Node": obj(
                    {"name": {"type": "string"}, "children": {"type": "array", "items": ref("Node")}}, required=["name"]
                )
            },
            "children",
        ),
        (
            {
                "Node": obj(
                    {"value": {"type": "integer"}, "next": {**ref("Node"), "nullable": True}},
                    required=["value", "next"],
                )
            },
            "next",
        ),
        (
            {"Node": obj({"children": {"type": "array", "items": ref("Node"), "minItems": 0}}, required=["children"])},
            "children",
        ),
    ],
    ids=["tree", "required-nullable-list", "required-children"],
)
def test_recursive_schema_is_bounded(components: dict[str, Any], key: str) -> None:
    values = gen_for(ref("Node"), components=components).valid(100)
    depths = [_depth(v, key) for v in values]
    assert max(depths) <= MAX_DEPTH + 1
    assert max(depths) >= 2  # it does recurse


def test_mutually_recursive_schemas() -> None:
    components = {
        "Author": obj(
            {"name": {"type": "string"}, "books": {"type": "array", "items": ref("Book")}}, required=["name"]
        ),
        "Book": obj({"title": {"type": "string"}, "author": ref("Author")}, required=["title", "author"]),
    }
    values = gen_for(ref("Author"), components=components).valid(100)
    assert all(len(json.dumps(v)) < 200_000 for v in values)


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


# -- reproducibility -----------------------------------------------------------------------------------------------

REPRO = obj(
    {
        "id": {"type": "string", "format": "uuid"},
        "firstName": {"type": "string"},
        "city": {"type": "string"},
        "price": {"type": "number"},
        "createdAt": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "kind": {"oneOf": [{"type": "string", "format": "email"}, {"type": "integer"}]},
    },
    required=["id", "firstName", "city", "price", "createdAt", "tags", "kind"],
)


def _repro(faker_seed: int, rng_seed: int) -> list[Any]:
    return gen_for(REPRO, pools=Pools(faker_seed)).valid(20, seed=rng_seed)


def test_same_seeds_same_values() -> None:
    assert _repro(5, 9) == _repro(5, 9)


def test_different_rng_seed_differs() -> None:
    assert _repro(5, 9) != _repro(5, 10)


def test_different_faker_seed_changes_faker_values() -> None:
    a, b = _repro(5, 9), _repro(6, 9)
    assert [v["firstName"] for v in a] != [v["firstName"] for v in b]
    assert [v["city"] for v in a] != [v["city"] for v in b]
    assert [v["id"] for v in a] == [v["id"] for v in b]  # non-Faker values depend only on the rng seed


_IN_FRESH_PROCESS = """
import json, random, sys
from mocktui.engine.data.generate import Ctx, Generator
from mocktui.engine.data.pools import Pools
from mocktui.engine.spec.model import load_spec
spec = load_spec(sys.argv[1])
schema = spec.operations[0].responses["200"].content["application/json"].schema
gen = Generator(spec.schemas.defs, Pools(5), spec.schemas.bundle).compile(schema)
rng = random.Random(9)
print(json.dumps([gen(Ctx(rng, examples=False)) for _ in range(5)], sort_keys=True))
"""


def test_same_seeds_same_values_across_processes(tmp_path: Path) -> None:
    # A mock restarted with --faker-seed must serve the same data: nothing may depend on str hashing.
    schema = {**REPRO, "required": [*REPRO["required"], "alpha", "beta", "gamma", "delta"]}
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(spec_doc(schema, V30, None)))
    outputs = {
        hash_seed: subprocess.run(
            [sys.executable, "-c", _IN_FRESH_PROCESS, str(spec)],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2", "3")
    }
    assert len(set(outputs.values())) == 1, "\n".join(f"PYTHONHASHSEED={k}: {v[:300]}" for k, v in outputs.items())


# -- property test -------------------------------------------------------------------------------------------------

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
