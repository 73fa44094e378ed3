"""Reading values off the wire: parameter and form-field text into the JSON values their schemas describe.

OpenAPI writes a value by its `style` and `explode` (`ids=1,2`, `ids=1&ids=2`, `price[amount]=5`,
`;id=5`, `.a.b`); reading it back the same way lets one JSON-Schema validator check every location.
Nothing here raises on hostile input: text that does not fit its style stays text, and the schema
check then says what is wrong with it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

import orjson

Deref = Callable[[Any], Any]
WireFields = list[tuple[str, str, str]]  # a query's or a form's fields: (name, value, value as sent)
MAX_DEPTH = 8  # brackets in a deepObject key, nesting in a schema walk

SEPARATORS = {"spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}
# Reserved characters (RFC 3986) a client must percent-encode unless `allowReserved` says otherwise, as far
# as they can be seen in a query: `#` never reaches a server, `&` splits fields, `+` is a space. `!'()*` are
# left out: encodeURIComponent and URLSearchParams, the web's own encoders, send them unencoded.
RESERVED = frozenset("/?[]@$,;=")
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2}")


def coerce(value: str, types: list[str]) -> Any:
    """A parameter string as the schema's type, or unchanged if it is not one."""
    if not value and "null" in types:
        return None  # a form or query string has no other way to say null
    for t in types:
        if t == "integer":
            try:
                return int(value)
            except ValueError:
                continue
        elif t == "number":
            try:
                number = float(value)
            except ValueError:
                continue
            if number == number and number not in (float("inf"), float("-inf")):
                return int(number) if value.lstrip("-").isdigit() else number
        elif t == "boolean" and value in ("true", "false"):
            return value == "true"
        elif t == "null" and value in ("", "null"):
            return None
        elif t == "string":
            return value
    return value


def types_of(schema: Any, deref: Deref, depth: int = 0) -> list[str]:
    """The JSON types a schema admits, through `oneOf`/`anyOf`/`allOf` and enums; [] when it does not say."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return []
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema.get(key), list):
            out: list[str] = []
            for branch in schema[key]:
                out.extend(types_of(deref(branch), deref, depth + 1))
            return out
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        names = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array"}
        return sorted({names.get(type(v).__name__, "null" if v is None else "object") for v in schema["enum"]})
    return []


def member(schema: Any, key: str, deref: Deref, depth: int = 0) -> Any:
    """The schema of property `key` of an object schema (its branches and additionalProperties too)."""
    schema = deref(schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return {}
    props = schema.get("properties")
    if isinstance(props, dict) and key in props:
        return deref(props[key])
    for name in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(name) or []:
            found = member(branch, key, deref, depth + 1)
            if found:
                return found
    extra = schema.get("additionalProperties")
    return deref(extra) if isinstance(extra, dict) else {}


def items_of(schema: Any, deref: Deref, depth: int = 0) -> Any:
    """The `items` schema of an array schema, or of its first array branch."""
    schema = deref(schema)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return {}
    if isinstance(schema.get("items"), dict):
        return deref(schema["items"])
    for name in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(name) or []:
            found = items_of(branch, deref, depth + 1)
            if found:
                return found
    return {}


def split(raw: str, separator: str, strip: bool = False) -> list[str]:
    """A delimited list; the empty text is the empty list (there is no other way to write one)."""
    if not raw:
        return []
    parts = raw.split(separator)
    return [p.strip() for p in parts] if strip else parts


def pairs(parts: list[str], types: dict[str, list[str]]) -> dict[str, Any]:
    """`k1,v1,k2,v2` (an object not exploded) as a dict; a dangling key is dropped."""
    return {parts[i]: coerce(parts[i + 1], types.get(parts[i], ["string"])) for i in range(0, len(parts) - 1, 2)}


def assignments(parts: list[str], types: dict[str, list[str]]) -> dict[str, Any]:
    """`k1=v1,k2=v2` (an object exploded) as a dict; a part without `=` is a key with an empty value."""
    out: dict[str, Any] = {}
    for part in parts:
        key, _, value = part.partition("=")
        out[key] = coerce(value, types.get(key, ["string"]))
    return out


def query_items(query: str) -> WireFields:
    """(name, value, value as sent) of each field of a query or URL-encoded form, as `parse_qsl` reads them."""
    out = []
    for field in query.split("&"):
        if not field:
            continue
        name, _, raw = field.partition("=")
        out.append((unquote_plus(name), unquote_plus(raw), raw))
    return out


def unencoded(raw: str, allowed: str = "") -> list[str]:
    """The reserved characters sent unencoded in `raw`, except the `allowed` ones (a style's delimiter)."""
    return sorted({c for c in raw if c in RESERVED and c not in allowed})


def bracket_path(key: str, name: str) -> list[str] | None:
    """`name[a][b][]` as ["a", "b", ""], or None when the key is not a deepObject key of `name`."""
    if not key.startswith(name + "[") or not key.endswith("]"):
        return None
    rest = key[len(name) :]
    segments = _BRACKETS.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest or not 0 < len(segments) <= MAX_DEPTH:
        return None
    return segments


def tree(entries: list[tuple[list[str], str]]) -> dict[str, Any]:
    """Nested dicts from deepObject paths; `[]` appends (keys "0", "1"...), a later scalar loses to a dict."""
    root: dict[str, Any] = {}
    for path, value in entries:
        node = root
        for i, segment in enumerate(path):
            key = segment or str(sum(1 for k in node if k.isdigit()))
            if i == len(path) - 1:
                if not isinstance(node.get(key), dict):
                    node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = node[key] = {}
                node = child
    return root


def shaped(value: Any, schema: Any, deref: Deref, depth: int = 0) -> Any:
    """A deepObject tree (or one text) read as its schema says: indexed keys are an array, text is coerced."""
    schema = deref(schema)
    types = types_of(schema, deref)
    if isinstance(value, str):
        if "array" in types:
            return [coerce(value, types_of(items_of(schema, deref), deref))]
        return coerce(value, types)
    if not isinstance(value, dict) or depth > MAX_DEPTH:
        return value
    if "array" in types and value and all(k.isdigit() for k in value):
        items = items_of(schema, deref)
        return [shaped(value[k], items, deref, depth + 1) for k in sorted(value, key=lambda k: (len(k), k))]
    return {k: shaped(v, member(schema, k, deref), deref, depth + 1) for k, v in value.items()}


def json_or_text(raw: str) -> Any:
    """A value sent as JSON (a parameter with `content`, a form part that is an object), else the text."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


def is_base64(value: Any) -> bool:
    """`format: byte`: base64 (standard or URL-safe alphabet), padded to whole quanta or not padded at all."""
    if not isinstance(value, str):
        return True
    if not _BASE64.fullmatch(value):
        return False
    body = value.rstrip("=")
    if len(body) % 4 == 1 or (len(body) != len(value) and len(value) % 4):
        return False
    try:
        base64.b64decode(body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
