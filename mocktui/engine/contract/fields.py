"""Reading response schemas for shaping: an object's fields, their types, where a record or a list sits.

Answers coherent with the request need to know, once per operation, which field of which object
takes a path parameter, an echoed body field or a page total. These helpers read that off the
converted schemas (refs followed, `allOf` merged) and make the small per-field validators that
let a request-time value in only when the schema accepts it.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs

from mocktui.engine.contract.validate import response_schema
from mocktui.engine.data.generate import Generator
from mocktui.engine.data.pools import normalise
from mocktui.engine.spec.schema import SchemaSet

# Properties that wrap the one record of an answer (`{data: {...}}`) or the one list of a page.
RECORD_KEYS = ("data", "item", "result", "record", "resource", "object", "entity", "payload")
LIST_KEYS = ("data", "items", "results", "records", "entries", "content", "values", "nodes", "list", "rows", "hits")
ID_NAMES = frozenset({"id", "uuid", "_id"})
NOT_PAGES = frozenset({"errors", "warnings", "messages", "links", "_links", "includes", "included"})
_INTEGER = re.compile(r"-?[0-9]+")
MISSING = object()


class Schemas:
    """Schema reading over one spec's definitions."""

    def __init__(self, generator: Generator, schemas: SchemaSet) -> None:
        self.generator = generator
        self.schemas = schemas

    def body(self, schema: Any) -> dict[str, Any]:
        """The schema with its refs followed and its `allOf` merged (empty when it is not an object)."""
        body = self.generator.deref(schema)
        if isinstance(body, dict) and "allOf" in body:
            body = self.generator.merge_all_of(body)
        return body if isinstance(body, dict) else {}

    def props(self, schema: Any) -> dict[str, Any]:
        """An object's property schemas, its `oneOf`/`anyOf` branches' included (the first one wins)."""
        body = self.body(schema)
        out = dict(body.get("properties") or {})
        for key in ("oneOf", "anyOf"):
            for branch in body.get(key) or []:
                for name, sub in (self.body(branch).get("properties") or {}).items():
                    out.setdefault(name, sub)
        return out

    def types(self, schema: Any) -> list[str]:
        body = self.body(schema)
        kind = body.get("type")
        if isinstance(kind, str):
            return [kind]
        if isinstance(kind, list):
            return [k for k in kind if isinstance(k, str)]
        out: list[str] = []
        for key in ("oneOf", "anyOf"):
            for branch in body.get(key) or []:
                out.extend(t for t in self.types(branch) if t not in out)
        if not out and ("properties" in body):
            out.append("object")
        return out

    def flag(self, schema: Any, name: str) -> bool:
        return self.body(schema).get(name) is True

    def is_object(self, schema: Any) -> bool:
        return "object" in self.types(schema) and bool(self.props(schema))

    def array(self, schema: Any) -> dict[str, Any] | None:
        """An array schema whose items are all alike (a tuple's positions are not a page)."""
        body = self.body(schema)
        if body.get("type") != "array" and "items" not in body:
            return None
        return None if "prefixItems" in body or body.get("items") is False else body

    def validator(self, schema: Any) -> Any:
        """A validator for one field's schema (response view), or None when it cannot be made."""
        try:
            return jsonschema_rs.validator_for(response_schema(self.schemas, schema), validate_formats=True)
        except (ValueError, TypeError, jsonschema_rs.ValidationError):
            return None

    def record_path(self, schema: Any, wanted: set[str]) -> tuple[str, ...]:
        """Where the one record of an object answer sits: the root, or the envelope property around it.

        The root is the record when it has one of the `wanted` fields (normalised names) or an id;
        else `data`, `item`, `result`... or the single object property that has them (`{pet: {...}}`).
        """
        props = self.props(schema)
        names = {normalise(p) for p in props}
        if not props or names & (wanted | ID_NAMES):
            return ()
        for key in RECORD_KEYS:
            if key in props and self.is_object(props[key]):
                return (key,)
        objects = [k for k, v in props.items() if self.is_object(v)]
        if len(objects) == 1 and {normalise(p) for p in self.props(props[objects[0]])} & (wanted | ID_NAMES):
            return (objects[0],)  # `{pet: {...}}`; not a pet's owner, which has none of the pet's fields
        return ()

    def list_path(self, schema: Any) -> tuple[tuple[str, ...], dict[str, Any]] | None:
        """Where the list of a page sits (the root, or the envelope's one array) and that array's schema."""
        root = self.array(schema)
        if root is not None:
            return (), root
        props = self.props(schema)
        if not props or {normalise(p) for p in props} & ID_NAMES:
            return None  # a record with an array field (an order's items) is not a page
        if any(key in props and self.is_object(props[key]) for key in RECORD_KEYS):
            return None  # `{data: {...}, errors: [...]}`: one record and its problems
        arrays = {k: a for k, v in props.items() if k not in NOT_PAGES and (a := self.array(v)) is not None}
        for key in LIST_KEYS:
            if key in arrays:
                return (key,), arrays[key]
        if len(arrays) == 1:
            key, array = next(iter(arrays.items()))
            if self.is_object(array.get("items", {})):
                return (key,), array
        return None


def convert(raw: str, types: list[str]) -> Any:
    """A path or query string as the first of a field's types it can be, or MISSING."""
    for kind in types or ["string"]:
        if kind == "integer" and _INTEGER.fullmatch(raw):
            return int(raw)
        if kind == "number":
            if _INTEGER.fullmatch(raw):
                return int(raw)
            try:
                number = float(raw)
            except ValueError:
                continue
            if number == number and abs(number) != float("inf"):
                return number
        if kind == "boolean" and raw in ("true", "false"):
            return raw == "true"
        if kind == "string":
            return raw
    return MISSING


def accepts(validator: Any, value: Any) -> bool:
    if validator is None:
        return False
    try:
        return bool(validator.is_valid(value))
    except (ValueError, TypeError):
        return False


def walk(value: Any, path: tuple[str, ...]) -> Any:
    """The object at `path` inside `value`, or None when the answer does not have one there."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
