"""Drift: where a real backend's answer breaks the spec (the answers `--proxy` forwards).

The mock's own answers are checked by `Responder.response_problems`; a backend's are checked here with
the same compiled responses and validators, so both sides keep one contract. Each finding is one short
note that names what it is about, so the journal and the Drift pane can count them:
`status 418 not declared; declared: 200, 404`, `media type text/html not declared for 200; declared:
application/json`, `missing header X-Request-Id`, `header X-Rate-Limit: "lots" is not of type "integer"`,
`/3/username: 5 is not of type "string"`. The body is checked as far as the spec describes it: JSON, XML
(read the schema's way), URL-encoded forms, and text under a string schema; gzip and deflate bodies are
inflated first. Pure: no I/O, nothing kept but compiled header validators.
"""

from __future__ import annotations

import zlib
from typing import Any
from urllib.parse import parse_qsl

import jsonschema_rs
import orjson

from mocktui.engine.contract.compiled import FRAMING_HEADERS, CompiledMedia, CompiledResponse, response_for_code
from mocktui.engine.contract.media import declared_for, is_json
from mocktui.engine.contract.responder import Responder
from mocktui.engine.contract.validate import FORM, response_schema
from mocktui.engine.contract.wire import coerce, member, types_of
from mocktui.engine.contract.xmlbody import XMLBodyError, read_xml

UNKNOWN = "unknown operation"
CHECK_MAX = 1024 * 1024  # bytes of a body kept to check it (and for the journal); a longer one is not checked
_SCHEMA_ERRORS = (ValueError, TypeError, jsonschema_rs.ValidationError)


class Drift:
    """Checks backend answers against one spec's contract; header validators are compiled on first use
    (per contract: a reload brings a new one, and the old validators go with it)."""

    def __init__(self) -> None:
        self._contract: Responder | None = None
        self._headers: dict[tuple[str, str, str], Any] = {}

    def findings(
        self,
        contract: Responder,
        operation: str | None,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        complete: bool = True,
    ) -> list[str]:
        """Every way this answer breaks `operation`'s declared responses, one note each.

        `complete=False`: `body` is only the first bytes of a longer one, so the body itself is not checked.
        """
        compiled = contract.operations.get(operation) if operation is not None else None
        if compiled is None:
            return [UNKNOWN]
        if contract is not self._contract:
            self._contract, self._headers = contract, {}
        resp = response_for_code(compiled.responses, str(status))
        if resp is None:
            return [f"status {status} not declared; declared: {', '.join(compiled.responses)}"]
        found = self._header_findings(contract, compiled.op.id, resp, headers)
        named = {name.lower(): value for name, value in headers}
        if not resp.media:
            if body:
                found.append(f"a body was sent, but {resp.spec.key} declares no content")
            return found
        ctype = named.get("content-type", "").split(";")[0].strip().lower()
        media = declared_for(resp.media, ctype)
        if media is None:
            declared = ", ".join(resp.media)
            found.append(f"media type {ctype or '(none)'} not declared for {resp.spec.key}; declared: {declared}")
            return found
        if complete and media.spec.schema is not None:
            found.extend(_body_findings(contract, media, ctype, named.get("content-encoding", ""), body))
        return found

    def _header_findings(
        self, contract: Responder, operation: str, resp: CompiledResponse, headers: list[tuple[str, str]]
    ) -> list[str]:
        sent = {name.lower(): value for name, value in headers}
        found: list[str] = []
        for header in resp.spec.headers.values():
            key = header.name.lower()
            if key in FRAMING_HEADERS:
                continue
            if key not in sent:
                if header.required:
                    found.append(f"missing header {header.name}")
                continue
            validator = self._header_validator(contract, operation, resp.spec.key, header.name, header.schema)
            if validator is None:
                continue
            deref = contract.spec.schemas.deref
            value = coerce(sent[key], types_of(deref(header.schema), deref))
            found.extend(f"header {header.name}: {e.message[:300]}" for e in validator.iter_errors(value))
        return found

    def _header_validator(self, contract: Responder, operation: str, status: str, name: str, schema: Any) -> Any:
        key = (operation, status, name)
        if key not in self._headers:
            try:
                bundle = response_schema(contract.spec.schemas, schema) if schema is not None else None
                self._headers[key] = jsonschema_rs.validator_for(bundle, validate_formats=True) if bundle else None
            except _SCHEMA_ERRORS:
                self._headers[key] = None
        return self._headers[key]


def _body_findings(contract: Responder, media: CompiledMedia, ctype: str, encoding: str, body: bytes) -> list[str]:
    """The body read as its media type says and checked against its schema; pointers name each finding."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        try:
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 32 if encoding != "deflate" else zlib.MAX_WBITS)
            body = inflater.decompress(body, CHECK_MAX)
        except zlib.error as exc:
            return [f"body is not valid {encoding}: {exc}"]
        if inflater.unconsumed_tail:
            return []  # more than CHECK_MAX inflated: too large to check, like a long plain body
    elif encoding not in ("", "identity"):
        return []  # br, zstd...: bytes we do not read
    schema = media.spec.schema
    deref = contract.spec.schemas.deref
    if is_json(ctype):
        try:
            value: Any = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return [f"body is not JSON: {exc}"]
    elif ctype.endswith("xml"):
        try:
            value = read_xml(body, schema, deref, coerce)
        except XMLBodyError as exc:
            return [f"body is not XML: {exc}"]
    elif ctype == FORM:
        value = _form(body.decode("utf-8", "replace"), schema, deref)
    elif ctype.startswith("text/") and "string" in types_of(deref(schema), deref):
        value = body.decode("utf-8", "replace")
    else:
        return []  # images, archives, octet streams: their schema describes no structure we can read
    try:
        errors = contract.body_errors(media, value)
    except _SCHEMA_ERRORS as exc:
        return [f"body cannot be checked: {exc}"]
    return [f"{pointer or '/'}: {message}" for pointer, message in errors]


def _form(text: str, schema: Any, deref: Any) -> dict[str, Any]:
    """A URL-encoded body as the object its schema describes: each field in its property's type, repeated
    fields (or array properties) as arrays."""
    out: dict[str, Any] = {}
    for key, raw in parse_qsl(text, keep_blank_values=True):
        prop = member(schema, key, deref)
        types = types_of(prop, deref)
        if "array" in types:
            items = deref(prop.get("items")) if isinstance(prop, dict) else {}
            out.setdefault(key, []).append(coerce(raw, types_of(items, deref)))
        elif key in out:
            kept = out[key]
            out[key] = [*(kept if isinstance(kept, list) else [kept]), coerce(raw, types)]
        else:
            out[key] = coerce(raw, types)
    return out
