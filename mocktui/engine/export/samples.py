"""One request per operation that the mock accepts: parameters and bodies from the spec's examples or its
schemas (checked against the request schema, a few tries), and credentials for its security schemes.
Compiled at export time; nothing here runs on the request path."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from mocktui.engine.contract.security import compile_requirements
from mocktui.engine.spec.model import NO_EXAMPLE, Operation, Spec

TRIES = 12
RESERVED_HEADERS = frozenset({"content-length", "content-type", "accept", "host", "transfer-encoding", "connection"})
Sample = Callable[..., Any]


@dataclass
class Credential:
    """How one security scheme is sent: `where` header | query | cookie, under `name`, as `value`."""

    scheme: str
    kind: str  # apikey | basic | bearer
    where: str
    name: str
    value: str


@dataclass
class SampleRequest:
    method: str
    path: str  # the template, without the base path: /users/{userId}
    path_values: dict[str, str]
    query: list[tuple[str, str]]  # values percent-encoded
    headers: list[tuple[str, str]]
    media: str | None = None  # the body's media type
    body: Any = None  # the value: JSON, or a dict of form fields (form and multipart bodies)
    text: str | None = None  # the body as sent
    credentials: list[Credential] = field(default_factory=list)


def text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def checker(schema: Any) -> Any:
    """A checker for samples; jsonschema is imported here, at export time, not by every mock that starts."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema)


def _value(spec: Spec, schema: Any, name: str, example: Any, sample: Sample) -> Any:
    """A parameter value: its example when it fits, else one generated from its schema that fits."""
    bundle = spec.schemas.bundle(schema, "readOnly") if isinstance(schema, dict) else None
    validator = checker(bundle) if bundle is not None else None
    if example is not NO_EXAMPLE and (validator is None or validator.is_valid(example)):
        return example
    value = None
    for attempt in range(TRIES):
        value = sample(schema, name, attempt)
        if validator is None or validator.is_valid(value):
            return value
    return value


def build(spec: Spec, op: Operation, sample: Sample) -> SampleRequest:
    path_values: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    for p in op.parameters:
        if p.location == "path":
            path_values[p.name] = quote(text_of(_value(spec, p.schema, p.name, p.example, sample)), safe="") or "x"
        elif p.required and p.location == "query":
            given = _value(spec, p.schema, p.name, p.example, sample)
            safe = "/:?@!$&'()*+,;=" if p.allow_reserved else ""  # reserved characters percent-encoded, as sent
            values = given if isinstance(given, list) else [given]
            query.extend((p.name, quote(text_of(v), safe=safe)) for v in values)
        elif p.required and p.location == "header" and p.name.lower() not in RESERVED_HEADERS:
            headers.append((p.name, text_of(_value(spec, p.schema, p.name, p.example, sample))))
    request = SampleRequest(op.method, op.path, path_values, query, headers)
    request.credentials = credentials(spec, op)
    if op.body is not None and op.body.content:
        names = list(op.body.content)
        media = next((n for n in names if "json" in n or n == "*/*"), names[0])
        content = op.body.content[media]
        value: Any = {}
        if content.schema is not None:
            bundle = spec.schemas.bundle(content.schema, "readOnly")
            validator = checker(bundle)
            candidates = [content.example] if content.has_example else []
            candidates += list(content.examples.values())
            value = next((c for c in candidates if validator.is_valid(c)), None)
            for attempt in range(TRIES if value is None else 0):
                value = sample(content.schema, "", attempt)
                if validator.is_valid(value):
                    break
        request.media = media.replace("*/*", "application/json")
        request.body = value
        if "form" in media and isinstance(value, dict):
            pairs = [(k, v) for k, vs in value.items() for v in (vs if isinstance(vs, list) else [vs])]
            request.text = "&".join(f"{quote(k, safe='')}={quote(text_of(v), safe='')}" for k, v in pairs)
        elif "json" in request.media:
            request.text = json.dumps(value, indent=2)
        else:
            request.text = text_of(value)
    return request


def credentials(spec: Spec, op: Operation) -> list[Credential]:
    """What the first security alternative of `op` needs, as a client sends it."""
    requirements = compile_requirements(spec, op)  # read as the mock checks them
    out: list[Credential] = []
    for name, scheme in requirements[0] if requirements else []:
        kind = str(scheme.get("type", "")).lower()
        if kind == "apikey":
            where = str(scheme.get("in", "header"))
            out.append(Credential(name, "apikey", where, str(scheme.get("name", name)), "test-key"))
        elif kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
            out.append(Credential(name, "basic", "header", "Authorization", "Basic dXNlcjpwYXNz"))
        elif kind == "http":
            word = str(scheme.get("scheme", "Bearer"))
            out.append(Credential(name, "bearer" if word.lower() == "bearer" else word, "header", "Authorization",
                                  f"{word} test-token"))  # fmt: skip
        elif kind in ("oauth2", "openidconnect"):
            out.append(Credential(name, "bearer", "header", "Authorization", "Bearer test-token"))
    return out
