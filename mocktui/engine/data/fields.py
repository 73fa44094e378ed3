"""An object's properties as the coherence plans read them: bodies with refs followed, and per-field checks.

Split from `coherence` so that the plans' two halves (relations there, identity and images in
`identity`) share it without importing each other. Compile-time only, except the checks, which
are the fields' compiled validators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import jsonschema_rs

from mocktui.engine.data.context import Ctx
from mocktui.engine.data.pools import Pools, normalise

Step = Callable[[dict[str, Any], Ctx], None]
Check = Callable[[Any], bool]


class Schemas(Protocol):
    """What plans need of the compiler (the `Generator`): its refs, `allOf` merging, bundling and pools."""

    pools: Pools
    bundle: Callable[[Any], Any] | None

    def deref(self, schema: Any) -> Any: ...

    def merge_all_of(self, schema: dict[str, Any]) -> dict[str, Any]: ...


class Fields:
    """An object's properties as a plan reads them: bodies (refs followed, `allOf` merged) and checks."""

    def __init__(self, fields: list[tuple[str, Any]], schemas: Schemas) -> None:
        self.schemas = schemas
        self.raw = dict(fields)
        self.bodies = {name: body_of(schema, schemas) for name, schema in fields}
        self.by_key = {normalise(name): name for name in self.raw}
        self._checks: dict[str, Check | None] = {}

    def types(self, name: str) -> set[str]:
        found = self.bodies.get(name, {}).get("type")
        return set(found) if isinstance(found, list) else {found} if isinstance(found, str) else set()

    def free(self, name: str) -> bool:
        """Whether a value of this field may be computed: not an enum, a const or a choice."""
        body = self.bodies.get(name, {})
        return not ({"enum", "const", "oneOf", "anyOf"} & body.keys())

    def find(self, keys: tuple[str, ...]) -> list[str]:
        return [self.by_key[k] for k in keys if k in self.by_key and self.free(self.by_key[k])]

    def check(self, name: str) -> Check | None:
        if name not in self._checks:
            self._checks[name] = checker(self.raw[name], self.schemas)
        return self._checks[name]

    def has_example(self, name: str) -> bool:
        body = self.bodies.get(name, {})
        return "example" in body or "examples" in body or "default" in body


def body_of(schema: Any, schemas: Schemas) -> dict[str, Any]:
    body = schemas.deref(schema)
    if isinstance(body, dict) and "allOf" in body:
        body = schemas.merge_all_of(body)
    return body if isinstance(body, dict) else {}


def checker(schema: Any, schemas: Schemas) -> Check | None:
    """`schema`'s validator as a predicate; floats must also pass the strict `multipleOf` test of Python's
    jsonschema (74.9 / 0.01 must come out whole), which clients' validators may apply."""
    try:
        bundled = schemas.bundle(schema) if schemas.bundle is not None else schema
        valid: Check = jsonschema_rs.validator_for(bundled, validate_formats=True).is_valid
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return None
    multiple = body_of(schema, schemas).get("multipleOf")
    if not isinstance(multiple, float):
        return valid

    def check(value: Any) -> bool:
        if not valid(value):
            return False
        quotient = value / multiple if isinstance(value, (int, float)) else 0
        return int(quotient) == quotient

    return check
