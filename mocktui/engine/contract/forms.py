"""Form bodies (URL-encoded and multipart) read the way OpenAPI serialises their fields.

A field is an array by repeated keys, or by one delimited value when its encoding does not explode
(Swagger's csv, the default there); an object property is written as its own flattened keys
(`amount=5&currency=EUR`, style form, the default), as `price[amount]=5` when the encoding says
deepObject, or as JSON. `allowEmptyValue` and `allowReserved` are honoured per field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from mocktui.engine.contract.wire import (
    SEPARATORS,
    Deref,
    WireFields,
    bracket_path,
    coerce,
    items_of,
    member,
    pairs,
    shaped,
    split,
    tree,
    types_of,
    unencoded,
)
from mocktui.engine.spec.serialisation import Encoding


@dataclass
class FormValue:
    value: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, reason)
    empty: set[str] = field(default_factory=set)  # fields sent empty where allowEmptyValue allows it


class FormReader:
    """What reading one form media type needs, compiled once."""

    def __init__(
        self, schema: Any, properties: list[tuple[str, Any]], encoding: dict[str, Encoding], deref: Deref
    ) -> None:
        self.deref = deref
        self.encoding = encoding
        self.schemas: dict[str, Any] = {}
        self.types: dict[str, list[str]] = {}
        self.item_types: dict[str, list[str]] = {}
        self.sub_types: dict[str, dict[str, list[str]]] = {}
        for name, sub in properties:
            sub = deref(sub)
            self.schemas.setdefault(name, sub)
            self.types.setdefault(name, []).extend(types_of(sub, deref))
            self.item_types.setdefault(name, []).extend(types_of(items_of(sub, deref), deref))
            props = sub.get("properties") if isinstance(sub, dict) else None
            if isinstance(props, dict):
                kinds = self.sub_types.setdefault(name, {})
                kinds.update({k: types_of(member(sub, k, deref), deref) for k in props})
        self.deep = {n for n, e in encoding.items() if e.style == "deepObject"}
        self.joined = {  # fields whose values are one delimited text (not exploded)
            n: SEPARATORS.get(e.style or "form", ",") for n, e in encoding.items() if e.explode is False
        }
        # Keys of an object property written flat (style form, exploded: the default), when not fields themselves.
        self.flat: dict[str, str] = {}
        for name, kinds in self.sub_types.items():
            enc = encoding.get(name)
            if "object" in self.types[name] and (
                enc is None or (enc.style in (None, "form") and enc.explode is not False)
            ):
                for key in kinds:
                    if key not in self.types:
                        self.flat.setdefault(key, name)
        required = schema.get("required", []) if isinstance(schema, dict) else []
        # A form cannot spell an empty array: a required array that is absent is one.
        self.required_arrays = [k for k in required if isinstance(k, str) and "array" in self.types.get(k, [])]

    def read(self, items: WireFields, urlencoded: bool) -> FormValue:
        """The form as the value its schema describes, with what its encoding refuses."""
        found = FormValue({})
        out = found.value
        deep: dict[str, list[tuple[list[str], str]]] = {}
        for key, value, raw in items:
            name, path = key, None
            if "[" in key and self.deep:
                base = key.partition("[")[0]
                path = bracket_path(key, base) if base in self.deep else None
                name = base if path is not None else key
            elif key not in self.types and key in self.flat:
                name = self.flat[key]
            enc = self.encoding.get(name)
            if urlencoded and name in self.types and not (enc is not None and enc.allow_reserved):
                bad = unencoded(raw, "," if name in self.joined and self.joined[name] == "," else "")
                if bad:  # refused, and read all the same: its other faults are worth telling too
                    found.problems.append((name, _reserved(bad)))
            if value == "" and enc is not None and enc.allow_empty is not None:
                if not enc.allow_empty:
                    found.problems.append((name, "an empty value is not allowed (allowEmptyValue is false)"))
                    continue
                found.empty.add(name)
            if path is not None:
                deep.setdefault(name, []).append((path, value))
            elif name != key:  # one property of an object written flat
                target = out.get(name)
                if not isinstance(target, dict):
                    target = out[name] = {}
                target[key] = coerce(value, self.sub_types[name].get(key, ["string"]))
            else:
                self._field(out, key, value)
        for name, entries in deep.items():
            out[name] = shaped(tree(entries), self.schemas.get(name, {}), self.deref)
        for key in self.required_arrays:
            out.setdefault(key, [])
        return found

    def _field(self, out: dict[str, Any], key: str, raw: str) -> None:
        types = self.types.get(key, ["string"])
        if "object" in types and raw[:1] == "{":  # object parts are JSON by default (OAS encoding)
            try:
                out[key] = orjson.loads(raw)
                return
            except orjson.JSONDecodeError:
                pass
        if "null" in types and (raw == "" or (raw == "null" and "array" not in types)):
            out[key] = None  # a nullable field sent empty or as `null`
        elif key in self.joined and ("array" in types or "object" in types):
            parts = split(raw, self.joined[key])
            if "array" in types:
                values = out.get(key)
                if not isinstance(values, list):
                    values = out[key] = []
                values.extend(coerce(p, self.item_types.get(key) or ["string"]) for p in parts)
            else:
                out[key] = pairs(parts, self.sub_types.get(key, {}))
        elif "array" in types:
            values = out.get(key)
            if not isinstance(values, list):  # a repeated key after a null or JSON part starts the list
                values = out[key] = []
            values.append(coerce(raw, self.item_types.get(key) or ["string"]))
        else:
            out[key] = coerce(raw, types)


def _reserved(chars: list[str]) -> str:
    shown = " ".join(f"{c!r} (%{ord(c):02X})" for c in chars)
    return f"reserved characters must be percent-encoded: {shown} (allowReserved is not set)"
