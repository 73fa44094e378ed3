"""Turn OpenAPI schema objects into plain JSON Schema (2020-12).

Every dialect (Swagger 2.0, OpenAPI 3.0, OpenAPI 3.1) ends up in one form
that both our generator and any standard validator understand: `nullable`
becomes a `null` type, boolean `exclusiveMinimum` becomes numeric, and every
`$ref`, wherever it points (another file, an `$anchor`), becomes
`#/$defs/<name>` in one shared `$defs` table. Cycles are therefore cheap:
a ref is converted once, and recursion is just a name.
"""

from __future__ import annotations

from typing import Any

from mocktui.engine.spec.errors import Problem, SpecError
from mocktui.engine.spec.loader import Loader, escape_pointer

_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contentSchema",
)
_DROP = (
    "$id",
    "$schema",
    "$vocabulary",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
    "$recursiveRef",
    "$dynamicRef",
    "$comment",
    "externalDocs",
)
# Integer formats are ranges no validator checks by itself: make them bounds.
_FORMAT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null", "file"}


class SchemaSet:
    """Converts schemas of one spec and owns the shared `$defs` table."""

    def __init__(self, loader: Loader, dialect: str) -> None:
        self.loader = loader
        self.legacy = dialect in ("2.0", "3.0")  # nullable, boolean exclusive bounds
        self.defs: dict[str, Any] = {}
        self.def_origin: dict[str, tuple[str, str]] = {}
        self._names: dict[tuple[str, str], str] = {}
        self.problems: list[Problem] = []
        self._views: dict[str, dict[str, Any]] = {}  # one_way -> def name -> directed def

    def convert(self, node: Any, file: str, pointer: str) -> Any:
        """A JSON Schema for `node`; refs inside point into `self.defs`."""
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            if node is None:
                self._warn(file, pointer, "schema is null; treated as an empty schema")
                return {}
            self.problems.append(self.loader.problem(file, pointer, f"schema must be an object, got {node!r}"))
            return {}
        if "$ref" in node:
            ref = node["$ref"]
            if ref is None:
                self._warn(file, pointer, "$ref is null (an unquoted '#' in YAML starts a comment)")
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return self.convert(rest, file, pointer) if rest else {}
            out: dict[str, Any] = {"$ref": "#/$defs/" + self._ref_name(ref, file, pointer)}
            if not self.legacy:  # 3.1: siblings of $ref apply too
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                if siblings:
                    out = {"allOf": [out, self.convert(siblings, file, pointer)]}
            elif node.get("nullable") is True or node.get("x-nullable") is True:
                out = {"anyOf": [out, {"type": "null"}]}
            return out
        return self._convert_object(node, file, pointer)

    def _convert_object(self, node: dict[str, Any], file: str, pointer: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP or (key.startswith("x-") and key != "x-faker"):
                continue
            sub = f"{pointer}/{escape_pointer(key)}"
            wrong = _wrong_type(key, value)
            if wrong is not None:  # served, it would crash or silently stop checking: refuse it here
                self.problems.append(self.loader.problem(file, sub, f"{key} must be {wrong}, got {value!r}"[:300]))
                continue
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                if key in ("$defs", "definitions"):
                    continue  # reachable only through refs, converted on demand
                out[key] = {
                    name: self.convert(child, file, f"{sub}/{escape_pointer(name)}") for name, child in value.items()
                }
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                out[key] = [self.convert(child, file, f"{sub}/{i}") for i, child in enumerate(value)]
            elif key in _SCHEMA_ONE and isinstance(value, (dict, bool)):
                out[key] = self.convert(value, file, sub)
            elif key == "items":
                if isinstance(value, list):  # draft-4 tuple form
                    out["prefixItems"] = [self.convert(c, file, f"{sub}/{i}") for i, c in enumerate(value)]
                else:
                    out["items"] = self.convert(value, file, sub)
            elif key == "type":
                out["type"] = self._check_type(value, file, sub)
            elif key == "discriminator" and isinstance(value, dict):
                out[key] = self._convert_discriminator(value, file, sub)
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if value and bound in node:
                    out[key] = node[bound]
            elif key in ("minimum", "maximum") and node.get("exclusive" + key[:1].upper() + key[1:]) is True:
                continue
            elif key in ("nullable", "x-nullable"):
                continue
            elif key == "required" and not isinstance(value, list):
                continue  # `required: true` on a property (a common 2.0 mistake)
            else:
                out[key] = value
        if out.get("type") == "file":
            out["type"] = "string"
            out.setdefault("format", "binary")
        bounds = _FORMAT_BOUNDS.get(out.get("format", ""))
        if bounds and "minimum" not in out and "exclusiveMinimum" not in out:
            out["minimum"] = bounds[0]
        if bounds and "maximum" not in out and "exclusiveMaximum" not in out:
            out["maximum"] = bounds[1]
        if self.legacy and (node.get("nullable") is True or node.get("x-nullable") is True):
            out = _nullable(out)
        return out

    def _check_type(self, value: Any, file: str, pointer: str) -> Any:
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item not in _TYPES:
                self.problems.append(self.loader.problem(file, pointer, f"unknown type {item!r}"))
                return "string"
        if isinstance(value, list):
            return ["string" if v == "file" else v for v in value]
        return value

    def _convert_discriminator(self, value: dict[str, Any], file: str, pointer: str) -> dict[str, Any]:
        out = dict(value)
        mapping = value.get("mapping")
        if isinstance(mapping, dict):
            converted = {}
            for key, target in mapping.items():
                if not isinstance(target, str):
                    continue
                ref = target if "#" in target or "/" in target or "." in target else f"#/components/schemas/{target}"
                try:
                    converted[key] = "#/$defs/" + self._ref_name(ref, file, f"{pointer}/mapping/{key}")
                except SpecError as exc:
                    self.problems.extend(exc.problems)
            out["mapping"] = converted
        return out

    def _ref_name(self, ref: str, file: str, pointer: str) -> str:
        try:
            target, tfile, tptr = self.loader.resolve(ref, file, pointer + "/$ref")
        except SpecError as exc:
            self.problems.extend(exc.problems)
            return self._placeholder()
        key = (tfile, tptr)
        name = self._names.get(key)
        if name is None:
            name = self._unique(tptr.rsplit("/", 1)[-1] or "root")
            self._names[key] = name
            self.defs[name] = {}  # reserve first: cycles refer to the name
            self.def_origin[name] = key
            self.defs[name] = self.convert(target, tfile, tptr)
        return name

    def _placeholder(self) -> str:
        self.defs.setdefault("unresolved", {})
        return "unresolved"

    def _unique(self, base: str) -> str:
        base = "".join(c if c.isalnum() or c in "_-." else "_" for c in base) or "schema"
        name, n = base, 1
        while name in self.defs:
            n += 1
            name = f"{base}_{n}"
        return name

    def _warn(self, file: str, pointer: str, reason: str) -> None:
        self.problems.append(self.loader.problem(file, pointer, reason, "warning"))

    def deref(self, schema: Any) -> Any:
        """Follow top-level `$ref`s of a converted schema to its body."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 64:
            schema = self.defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
            seen += 1
        return schema

    def bundle(self, schema: Any, one_way: str | None = None) -> Any:
        """A self-contained schema document: `schema` plus the defs it reaches.

        `one_way="readOnly"` gives the request view (readOnly properties are not required
        from clients); `"writeOnly"` the response view (writeOnly properties never appear).
        The views of shared defs are made once per spec, not per bundle.
        """
        if isinstance(schema, bool):
            return schema
        if one_way is not None:
            bundle = self.bundle(self._directed(schema, one_way))
            cache = self._views.setdefault(one_way, {})
            for name in bundle["$defs"]:
                if name not in cache:
                    cache[name] = self._directed(self.defs[name], one_way)
            bundle["$defs"] = {name: cache[name] for name in bundle["$defs"]}
            return bundle
        names: set[str] = set()
        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    name = ref[8:]
                    if name not in names:
                        names.add(name)
                        stack.append(self.defs.get(name))
                stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
            elif isinstance(node, list):
                stack.extend(v for v in node if isinstance(v, (dict, list)))
        return {**schema, "$defs": {n: self.defs[n] for n in sorted(names) if n in self.defs}}

    def _directed(self, node: Any, one_way: str) -> Any:
        """A copy of `node` as seen in one direction (see `bundle`); shares untouched subtrees."""
        if isinstance(node, list):
            return [self._directed(v, one_way) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: self._directed(v, one_way) if isinstance(v, (dict, list)) else v for k, v in node.items()}
        props = node.get("properties")
        if isinstance(props, dict):
            hidden = {name for name, sub in props.items() if self._marked(sub, one_way)}
            if hidden and isinstance(node.get("required"), list):
                out["required"] = [r for r in node["required"] if r not in hidden]
            if hidden and one_way == "writeOnly":
                out["properties"] = {**out["properties"], **dict.fromkeys(hidden, False)}
        return out

    def _marked(self, node: Any, one_way: str) -> bool:
        node = self.deref(node)
        return isinstance(node, dict) and node.get(one_way) is True


_NUMBERS = ("minimum", "maximum", "multipleOf")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")


def _wrong_type(key: str, value: Any) -> str | None:
    """What a schema keyword must be, when `value` is not that; None when it is."""
    if key in _SCHEMA_MAPS and not isinstance(value, dict):
        return "a mapping of names to schemas"
    if key in _SCHEMA_LISTS and not isinstance(value, list):
        return "a list of schemas"
    if key in _SCHEMA_ONE and not isinstance(value, (dict, bool)):
        return "a schema or a boolean"
    if key in _NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return "a number"
    if key in _COUNTS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return "a whole number, 0 or more"
    if (
        key == "required"
        and not isinstance(value, bool)
        and not (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        return "a list of property names"
    if key == "enum" and not isinstance(value, list):
        return "a list of values"
    if key == "pattern" and not isinstance(value, str):
        return "a regular expression (a string)"
    return None


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    t = schema.get("type")
    if isinstance(t, str):
        schema["type"] = [t, "null"]
        return schema
    if isinstance(t, list):
        if "null" not in t:
            schema["type"] = [*t, "null"]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}
