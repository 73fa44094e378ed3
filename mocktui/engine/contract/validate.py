"""Request validation, compiled per operation at start-up.

Parameters are read by their `style`/`explode` serialisation (contract/params.py) and form bodies
by their encoding (contract/forms.py), coerced to their schema's types, and everything is checked
with jsonschema-rs (Rust; about 50x faster than the pure-Python validator). All violations are
collected, not only the first. What a spec says about the wire beyond the schema is checked here
too: `allowEmptyValue`, `allowReserved`, `format: byte`, and that a body goes only where one is declared.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
import orjson

from mocktui.engine.contract.forms import FormReader, FormValue
from mocktui.engine.contract.media import declared_for, is_json
from mocktui.engine.contract.params import ParamReader, cookies_of
from mocktui.engine.contract.wire import WireFields, is_base64, query_items, unencoded
from mocktui.engine.contract.wire import coerce as coerce  # re-exported: stateful listing reads filters with it
from mocktui.engine.contract.xmlbody import XMLBodyError, read_xml
from mocktui.engine.spec.model import MediaType, Operation
from mocktui.engine.spec.schema import SchemaSet

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
FORMATS = {"byte": is_base64}  # formats OpenAPI adds to JSON Schema's, checked in requests


@dataclass(frozen=True, slots=True)
class Violation:
    location: str  # path | query | header | cookie | body
    pointer: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"location": self.location, "pointer": self.pointer, "reason": self.reason}


class BadRequest(Exception):
    """A request refused before schema checks: kind is 'malformed', 'media', 'unexpected-body' or 'invalid'."""

    def __init__(self, kind: str, violations: list[Violation]) -> None:
        super().__init__(kind)
        self.kind = kind
        self.violations = violations


def _validator(schema: Any) -> Any:
    try:
        return jsonschema_rs.validator_for(schema, validate_formats=True, formats=FORMATS)
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return None  # a schema jsonschema-rs cannot compile: accept anything rather than answer 500


def request_schema(schemas: SchemaSet, schema: Any) -> Any:
    """A bundle for requests: readOnly properties are never required from clients."""
    return schemas.bundle(schema, "readOnly")


def response_schema(schemas: SchemaSet, schema: Any) -> Any:
    """A bundle for responses: writeOnly properties (passwords, card numbers) never appear."""
    return schemas.bundle(schema, "writeOnly")


class _Param(ParamReader):
    __slots__ = ("validator",)

    def __init__(self, spec: Any, schemas: SchemaSet) -> None:
        super().__init__(spec, schemas.deref)
        schema = spec.schema
        body = self.schema
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


class _BodyMedia:
    """What checking a body of one media type needs, compiled once."""

    __slots__ = ("schema", "validator", "form")

    def __init__(self, media: MediaType, schemas: SchemaSet) -> None:
        self.schema = media.schema if media.schema is not None else {}
        self.validator = _validator(request_schema(schemas, self.schema))
        body = schemas.deref(self.schema)
        self.form = FormReader(body, _all_properties(body, schemas), media.encoding, schemas.deref)


class RequestValidator:
    """Checks one operation's parameters and body."""

    def __init__(self, op: Operation, schemas: SchemaSet) -> None:
        self.op = op
        self.params = [_Param(p, schemas) for p in op.parameters]
        self.body_required = bool(op.body and op.body.required)
        self.schemas = schemas
        self.media: dict[str, _BodyMedia] = {
            name.split(";")[0].strip().lower(): _BodyMedia(mt, schemas)
            for name, mt in (op.body.content if op.body else {}).items()
        }

    def validate(
        self, path_params: dict[str, str], query: str, headers: dict[str, str], body: bytes
    ) -> list[Violation]:
        """Every violation of the request; raises `BadRequest` for unparseable input."""
        violations: list[Violation] = []
        fields = query_items(query) if query else []
        cookies = cookies_of(headers.get("cookie", ""))
        for param in self.params:
            spec = param.spec
            if spec.location == "query":
                refused = _query_wire(param, fields)
                if refused is not None:
                    if refused:
                        violations.append(Violation("query", pointer_of([spec.name]), f"{spec.name}: {refused}"))
                    continue
            present, value = param.read(path_params, fields, headers, cookies)
            if not present:
                if spec.required:
                    violations.append(
                        Violation(
                            spec.location,
                            pointer_of([spec.name]),
                            f"required {spec.location} parameter {spec.name!r} is missing",
                        )
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
            if body:
                reason = f"{self.op.method} {self.op.path} takes no request body, but {len(body)} bytes were sent"
                raise BadRequest("unexpected-body", [Violation("body", "", reason)])
            return []
        ctype = headers.get("content-type", "")
        base = ctype.split(";")[0].strip().lower()
        if not body:
            if self.body_required:
                return [Violation("body", "", "request body is required")]
            entry = self.media.get(base) if base == FORM else None
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
                value: Any = read_xml(body, entry.schema, self.schemas.deref, coerce)
            except XMLBodyError as exc:
                raise BadRequest("malformed", [Violation("body", "", str(exc))]) from None
        else:
            value = _parse_body(base, ctype, body, entry)
        if value is OPAQUE:
            return []
        found: list[Violation] = []
        if isinstance(value, FormValue):
            found = [Violation("body", pointer_of([name]), f"{name}: {why}") for name, why in value.problems]
            empty, value = value.empty, value.value
            errors = [
                e
                for e in entry.validator.iter_errors(value)
                if not (e.instance_path[:1] and e.instance_path[0] in empty)
            ]
        else:
            errors = list(entry.validator.iter_errors(value))
        return found + [Violation("body", pointer_of(e.instance_path), e.message[:500]) for e in errors]


OPAQUE = object()  # a body accepted as-is, unchecked


def _query_wire(param: _Param, query: WireFields) -> str | None:
    """What `allowEmptyValue` and `allowReserved` say of a query parameter as sent: None to read it as usual,
    "" when it is present with the empty value the spec allows, else the reason it is refused."""
    spec = param.spec
    fields = param.fields(query)
    if not fields:
        return None
    if spec.allow_empty is not None and all(raw == "" for _, _, raw in fields):
        return "" if spec.allow_empty else "an empty value is not allowed (allowEmptyValue is false)"
    if not spec.allow_reserved and spec.media is None:  # `content` serialises by its media type, not by style
        bad = sorted({c for _, _, raw in fields for c in unencoded(raw, param.delimiter)})
        if bad:
            shown = " ".join(f"{c!r} (%{ord(c):02X})" for c in bad)
            return f"reserved characters must be percent-encoded: {shown} (allowReserved is not set)"
    return None


def _parse_body(base: str, ctype: str, body: bytes, entry: _BodyMedia) -> Any:
    if is_json(base):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("malformed", [Violation("body", "", f"malformed JSON: {exc}")]) from None
    if base == FORM:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("malformed", [Violation("body", "", "form body is not valid UTF-8")]) from None
        return entry.form.read(query_items(text), urlencoded=True)
    if base == MULTIPART:
        return entry.form.read(_multipart(ctype, body), urlencoded=False)
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


def _multipart(ctype: str, body: bytes) -> WireFields:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1", "replace") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        boundary = message.get_boundary()
        if boundary and body.strip() == f"--{boundary}--".encode("latin-1", "replace"):
            return []  # a form with no fields
        raise BadRequest("malformed", [Violation("body", "", "malformed multipart body")])
    items = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True) or b""
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
            items.append((name, text, text))
    return items


def pointer_of(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
