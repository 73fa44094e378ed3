"""Parameters read the way OpenAPI serialises them, compiled per parameter at start-up.

Path (simple, label, matrix), query (form, spaceDelimited, pipeDelimited, deepObject, and
Swagger's tsv), header and cookie values become the JSON values their schemas describe, so one
JSON-Schema validator checks them all. A parameter declared with `content` is read as that media
type (JSON) instead of by style.
"""

from __future__ import annotations

from typing import Any

from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.wire import (
    SEPARATORS,
    Deref,
    WireFields,
    assignments,
    bracket_path,
    coerce,
    items_of,
    json_or_text,
    member,
    pairs,
    shaped,
    split,
    tree,
    types_of,
)
from mocktui.engine.spec.model import Parameter

_DEFAULT_STYLES = {"path": "simple", "header": "simple", "query": "form", "cookie": "form"}


class ParamReader:
    """Reads one parameter's value out of a request."""

    __slots__ = ("spec", "schema", "deref", "types", "item_types", "props", "style", "explode", "separator", "json")

    def __init__(self, spec: Parameter, deref: Deref) -> None:
        self.spec = spec
        self.deref = deref
        self.schema = deref(spec.schema)
        self.types = types_of(self.schema, deref)
        self.item_types = types_of(items_of(self.schema, deref), deref)
        props = self.schema.get("properties") if isinstance(self.schema, dict) else None
        self.props = {name: types_of(member(self.schema, name, deref), deref) for name in props or {}}
        self.style = spec.style or _DEFAULT_STYLES.get(spec.location, "form")
        # Cookies keep to `a,1,b,2` unless told to explode: a Cookie header has no room for `a=1&b=2`.
        default_explode = self.style == "form" and spec.location == "query"
        self.explode = spec.explode if spec.explode is not None else default_explode
        self.separator = SEPARATORS.get(self.style, ",")
        self.json = spec.media is not None and is_json(spec.media)

    @property
    def delimiter(self) -> str:
        """The reserved character this parameter's style writes unencoded between values."""
        joined = not self.explode and self.style == "form" and ("array" in self.types or "object" in self.types)
        return "," if joined else ""

    def fields(self, query: WireFields) -> WireFields:
        """The query fields that carry this parameter."""
        name = self.spec.name
        if self.style == "deepObject":
            return [f for f in query if f[0] == name or bracket_path(f[0], name) is not None]
        own = [f for f in query if f[0] == name]
        if not own and self.explode and "object" in self.types:
            return [f for f in query if f[0] in self.props]
        return own

    def read(
        self, path: dict[str, str], query: WireFields, headers: dict[str, str], cookies: dict[str, str]
    ) -> tuple[bool, Any]:
        """(present, value) of this parameter in a request."""
        spec = self.spec
        if spec.location == "query":
            return self._query(query)
        if spec.location == "path":
            raw = path.get(spec.name)
        elif spec.location == "header":
            raw = headers.get(spec.name.lower())
        else:
            raw = cookies.get(spec.name)
        if raw is None:
            return False, None
        if spec.media is not None:
            return True, json_or_text(raw) if self.json else raw
        if spec.location == "path" and self.style in ("label", "matrix"):
            return True, self._styled_path(raw)
        return True, self._text(raw, ",", self.explode, strip=spec.location != "path")

    def _query(self, query: WireFields) -> tuple[bool, Any]:
        name = self.spec.name
        if self.style == "deepObject":
            entries = [(p, v) for k, v, _ in query if (p := bracket_path(k, name)) is not None]
            if entries:
                return True, shaped(tree(entries), self.schema, self.deref)
            plain = [v for k, v, _ in query if k == name]  # `created=5` where `created[gte]=5` could be
            return (True, shaped(plain[-1], self.schema, self.deref)) if plain else (False, None)
        values = [v for k, v, _ in query if k == name]
        if self.spec.media is not None:
            return (True, json_or_text(values[-1]) if self.json else values[-1]) if values else (False, None)
        if not values and self.explode and "object" in self.types:
            found = {k: coerce(v, self.props[k]) for k, v, _ in query if k in self.props}
            return bool(found), found
        if not values:
            return False, None
        if "array" in self.types:
            if self.explode:
                return True, [coerce(v, self.item_types) for v in values]
            # Each field is a delimited list; a client repeating the field means all of them.
            return True, [coerce(p, self.item_types) for v in values for p in split(v, self.separator)]
        return True, self._text(values[-1], self.separator, False)

    def _styled_path(self, raw: str) -> Any:
        if self.style == "label":  # .a.b (exploded) or .a,b
            text = raw[1:] if raw.startswith(".") else raw
            return self._text(text, "." if self.explode else ",", self.explode)
        text = raw[1:] if raw.startswith(";") else raw  # matrix: ;id=5, ;id=1,2, ;id=1;id=2, ;a=1;b=2
        fields = text.split(";") if text else []
        if self.explode and "object" in self.types and "array" not in self.types:
            return assignments(fields, self.props)
        values = [f.partition("=")[2] for f in fields]
        if "array" in self.types:
            parts = values if self.explode else [p for v in values for p in split(v, ",")]
            return [coerce(p, self.item_types) for p in parts]
        return self._text(values[-1] if values else "", ",", False)

    def _text(self, raw: str, separator: str, explode: bool, strip: bool = False) -> Any:
        """One text as the parameter's type: a delimited array, an object (`k,v` or `k=v` pairs), a scalar."""
        if "array" in self.types:
            return [coerce(p, self.item_types) for p in split(raw, separator, strip)]
        if "object" in self.types and self.types != ["string"]:
            parts = split(raw, separator, strip)
            return assignments(parts, self.props) if explode else pairs(parts, self.props)
        return coerce(raw, self.types)


def cookies_of(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            out[key] = value
    return out
