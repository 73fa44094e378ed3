"""Request validation, compiled per operation at start-up.

Parameters are parsed by their `style`/`explode` serialisation and coerced to
their schema's type, bodies are parsed by media type, and everything is
checked with jsonschema-rs (Rust; about 50x faster than the pure-Python
validator). All violations are collected, not only the first.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jsonschema_rs
import orjson

from mocktui.engine.contract.media import declared_for, is_json
from mocktui.engine.contract.xmlbody import XMLBodyError, read_xml
from mocktui.engine.spec.model import Operation, Parameter
from mocktui.engine.spec.schema import SchemaSet


@dataclass(frozen=True, slots=True)
class Violation:
    location: str  # path | query | header | cookie | body
    pointer: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"location": self.location, "pointer": self.pointer, "reason": self.reason}


class BadRequest(Exception):
    """A request refused before schema checks: kind is 'malformed', 'media' or 'invalid'."""

    def __init__(self, kind: str, violations: list[Violation]) -> None:
        super().__init__(kind)
        self.kind = kind
        self.violations = violations


def _validator(schema: Any) -> Any:
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=True)
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return None  # a schema jsonschema-rs cannot compile: accept anything rather than answer 500


def request_schema(schemas: SchemaSet, schema: Any) -> Any:
    """A bundle for requests: readOnly properties are never required from clients."""
    return schemas.bundle(schema, "readOnly")


def response_schema(schemas: SchemaSet, schema: Any) -> Any:
    """A bundle for responses: writeOnly properties (passwords, card numbers) never appear."""
    return schemas.bundle(schema, "writeOnly")


class _Param:
    __slots__ = ("spec", "types", "item_types", "validator", "props")

    def __init__(self, spec: Parameter, schemas: SchemaSet) -> None:
        self.spec = spec
        body = schemas.deref(spec.schema)
        self.types = _types(body, schemas)
        items = schemas.deref(body.get("items", {})) if isinstance(body, dict) else {}
        self.item_types = _types(items, schemas)
        props = body.get("properties", {}) if isinstance(body, dict) else {}
        self.props = {name: _types(schemas.deref(s), schemas) for name, s in props.items()}
        schema = spec.schema
        if isinstance(body, dict) and body.get("type") == "string" and isinstance(body.get("enum"), list):
            # `type: string, enum: [false, true]` (YAML booleans) means the words on the wire.
            schema = {**body, "enum": [_wire_text(v) for v in body["enum"]]}
        self.validator = _validator(request_schema(schemas, schema))


def _all_properties(schema: Any, schemas: SchemaSet, depth: int = 0) -> list[tuple[str, Any]]:
    """Properties of an object schema and of its allOf/oneOf/anyOf branches: form fields to type."""
    if not isinstance(schema, dict) or depth > 8:
        return []
    out = list((schema.get("properties") or {}).items())
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key) or []:
            out.extend(_all_properties(schemas.deref(branch), schemas, depth + 1))
    return out


def _wire_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else value if isinstance(value, str) else str(value)


def _types(schema: Any, schemas: SchemaSet) -> list[str]:
    if not isinstance(schema, dict):
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
                out.extend(_types(schemas.deref(branch), schemas))
            return out
    if "enum" in schema and schema["enum"]:
        return sorted({type(v).__name__.replace("str", "string").replace("int", "integer") for v in schema["enum"]})
    return []


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


class _BodyMedia:
    """What checking a body of one media type needs, compiled once."""

    __slots__ = ("schema", "validator", "prop_types", "item_types", "required_arrays")

    def __init__(self, schema: Any, schemas: SchemaSet) -> None:
        self.schema = schema
        self.validator = _validator(request_schema(schemas, schema))
        body = schemas.deref(schema)
        self.prop_types: dict[str, list[str]] = {}
        self.item_types: dict[str, list[str]] = {}
        for name, sub in _all_properties(body, schemas):
            sub = schemas.deref(sub)
            self.prop_types.setdefault(name, []).extend(_types(sub, schemas))
            if isinstance(sub, dict) and isinstance(sub.get("items"), dict):
                self.item_types.setdefault(name, []).extend(_types(schemas.deref(sub["items"]), schemas))
        required = body.get("required", []) if isinstance(body, dict) else []
        # A form cannot spell an empty array: a required array that is absent is one.
        self.required_arrays = [k for k in required if "array" in self.prop_types.get(k, [])]


class RequestValidator:
    """Checks one operation's parameters and body."""

    def __init__(self, op: Operation, schemas: SchemaSet) -> None:
        self.op = op
        self.params = [_Param(p, schemas) for p in op.parameters]
        self.body_required = bool(op.body and op.body.required)
        self.schemas = schemas
        self.media: dict[str, _BodyMedia] = {
            name.split(";")[0].strip().lower(): _BodyMedia(mt.schema if mt.schema is not None else {}, schemas)
            for name, mt in (op.body.content if op.body else {}).items()
        }

    def validate(
        self, path_params: dict[str, str], query: str, headers: dict[str, str], body: bytes
    ) -> list[Violation]:
        """Every violation of the request; raises `BadRequest` for unparseable input."""
        violations: list[Violation] = []
        query_items = parse_qsl(query, keep_blank_values=True) if query else []
        cookies = _cookies(headers.get("cookie", ""))
        for param in self.params:
            spec = param.spec
            present, value = _extract(param, path_params, query_items, headers, cookies)
            if not present:
                if spec.required:
                    violations.append(
                        Violation(spec.location, "", f"required {spec.location} parameter {spec.name!r} is missing")
                    )
                continue
            if param.validator is not None:
                violations.extend(
                    Violation(spec.location, pointer_of([spec.name, *e.instance_path]), f"{spec.name}: {e.message}")
                    for e in param.validator.iter_errors(value)
                )
        violations.extend(self._body(headers, body))
        return violations

    def _body(self, headers: dict[str, str], body: bytes) -> list[Violation]:
        if self.op.body is None or not self.media:
            return []
        ctype = headers.get("content-type", "")
        base = ctype.split(";")[0].strip().lower()
        if not body:
            if self.body_required:
                return [Violation("body", "", "request body is required")]
            entry = self.media.get(base) if base == "application/x-www-form-urlencoded" else None
            if entry is None or entry.validator is None:
                return []
            # An empty form is still a form: its required fields are missing.
            return [Violation("body", pointer_of(e.instance_path), e.message) for e in entry.validator.iter_errors({})]
        entry = declared_for(self.media, base)
        if entry is None:
            declared = ", ".join(self.media)
            raise BadRequest(
                "media",
                [
                    Violation(
                        "header", "/content-type", f"Content-Type {base or '(none)'!r} is not accepted; use {declared}"
                    )
                ],
            )
        if entry.validator is None:
            return []
        if base.endswith("xml"):
            try:
                value = read_xml(body, entry.schema, self.schemas.deref, coerce)
            except XMLBodyError as exc:
                raise BadRequest("malformed", [Violation("body", "", str(exc))]) from None
        else:
            value = _parse_body(base, ctype, body, entry)
        if value is OPAQUE:
            return []
        errors = entry.validator.iter_errors(value)
        return [Violation("body", pointer_of(e.instance_path), e.message[:500]) for e in errors]


OPAQUE = object()  # a body accepted as-is, unchecked


def _parse_body(base: str, ctype: str, body: bytes, entry: _BodyMedia) -> Any:
    if is_json(base):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("malformed", [Violation("body", "", f"malformed JSON: {exc}")]) from None
    if base == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("malformed", [Violation("body", "", "form body is not valid UTF-8")]) from None
        return _form(parse_qsl(text, keep_blank_values=True), entry)
    if base == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            boundary = message.get_boundary()
            if boundary and body.strip() == f"--{boundary}--".encode("latin-1"):
                return _form([], entry)  # a form with no fields
            raise BadRequest("malformed", [Violation("body", "", "malformed multipart body")])
        items = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True) or b""
                items.append((name, payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)))
        return _form(items, entry)
    try:  # other media types: JSON when it parses (specs declare JSON as octet-stream), else text
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    if not base.startswith("text/"):
        return OPAQUE  # XML, images, archives: their schema describes a structure we cannot read here
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def _form(items: list[tuple[str, str]], entry: _BodyMedia) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in items:
        types = entry.prop_types.get(key, ["string"])
        if "object" in types and raw[:1] == "{":  # object parts are JSON by default (OAS encoding)
            try:
                out[key] = orjson.loads(raw)
                continue
            except orjson.JSONDecodeError:
                pass
        if "null" in types and (raw == "" or (raw == "null" and "array" not in types)):
            out[key] = None  # a nullable field sent empty or as `null`
        elif "array" in types:
            values = out.get(key)
            if not isinstance(values, list):  # a repeated key after a null or JSON part starts the list
                values = out[key] = []
            values.append(coerce(raw, entry.item_types.get(key, ["string"])))
        else:
            out[key] = coerce(raw, types)
    for key in entry.required_arrays:
        out.setdefault(key, [])
    return out


def _extract(
    param: _Param,
    path_params: dict[str, str],
    query: list[tuple[str, str]],
    headers: dict[str, str],
    cookies: dict[str, str],
) -> tuple[bool, Any]:
    spec = param.spec
    name = spec.name
    if spec.location == "path":
        if name not in path_params:
            return False, None
        return True, _shape(param, [path_params[name]], ",")
    if spec.location == "header":
        raw = headers.get(name.lower())
        return (raw is not None), (_shape(param, [raw], ",") if raw is not None else None)
    if spec.location == "cookie":
        raw = cookies.get(name)
        return (raw is not None), (_shape(param, [raw], ",") if raw is not None else None)
    style = spec.style or "form"
    if style == "deepObject":
        prefix = name + "["
        found = {k[len(prefix) : -1]: v for k, v in query if k.startswith(prefix) and k.endswith("]")}
        if not found:
            return False, None
        return True, {k: coerce(v, param.props.get(k, ["string"])) for k, v in found.items()}
    values = [v for k, v in query if k == name]
    explode = spec.explode if spec.explode is not None else style == "form"
    if "object" in param.types and explode and not values:
        found = {k: coerce(v, param.props[k]) for k, v in query if k in param.props}
        return (bool(found)), found
    if not values:
        return False, None
    separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
    if "array" in param.types and explode:
        return True, [coerce(v, param.item_types) for v in values]
    return True, _shape(param, values[-1:] if len(values) > 1 and "array" not in param.types else values, separator)


def _shape(param: _Param, values: list[str], separator: str) -> Any:
    raw = values[0]
    if "array" in param.types:
        parts = raw.split(separator) if raw else []
        return [coerce(p, param.item_types) for p in parts]
    if "object" in param.types and not param.types == ["string"]:
        parts = raw.split(separator)
        return {
            parts[i]: coerce(parts[i + 1], param.props.get(parts[i], ["string"])) for i in range(0, len(parts) - 1, 2)
        }
    return coerce(raw, param.types)


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            out[key] = value
    return out


def pointer_of(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
