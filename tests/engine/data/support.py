"""Helpers of the generator tests: compile a schema as a tiny spec's response body, draw values and check each
with an independent validator.

Each test writes a tiny OpenAPI document, loads it with `load_spec` (so the schema goes through the real
OpenAPI -> JSON Schema conversion), builds a `Generator` the way `MockEngine` does, and draws many values.
Every value is validated with the `jsonschema` package (Draft 2020-12, formats asserted) against the
converted schema bundled with its `$defs`, and the keyword under test is also checked directly.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import random
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from mocktui.engine.data.generate import Ctx, Gen, Generator
from mocktui.engine.data.pools import Pools
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.read import load_spec

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
