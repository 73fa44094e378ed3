"""Call every operation of a spec over HTTP and check each answer against the spec."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.validate import request_schema, response_schema
from mocktui.engine.data.generate import Ctx, TooDeep
from mocktui.engine.export.samples import credentials
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Operation

from .helpers import validation_errors

SPEC_FILES = [
    "api-with-examples.yaml",
    "azure-media-encoding-v2.yaml",
    "callback-example.yaml",
    "discord.json",
    "docker-engine.yaml",
    "httpbin.yaml",
    "link-example.yaml",
    "museum.yaml",
    "netbox.yaml",
    "nyt-article-search-v2.yaml",
    "openai.json",
    "petstore-expanded-v2.yaml",
    "petstore-expanded.yaml",
    "petstore-v2.yaml",
    "petstore-v3.yaml",
    "petstore-v31.yaml",
    "slack-web-v2.json",
    "spotify.yaml",
    "stripe.yaml",
    "tictactoe.yaml",
    "twilio-messaging.json",
    "twitter-v2api.yaml",
    "uspto.yaml",
    "vercel.json",
    "webhook-example.yaml",
    "xkcd.yaml",
    "zalando-v2.yaml",
    "petstore-separate-v2/spec/swagger.yaml",
    "greenbutton/openapi.yaml",
    "redocly-cafe/openapi.yaml",
    "train-travel/openapi.yaml",
]


_RESERVED_HEADERS = {"content-length", "content-type", "accept", "host", "transfer-encoding", "connection"}


@dataclass
class Report:
    calls: int = 0
    failures: list[str] = field(default_factory=list)


def _value(engine: MockEngine, schema: Any, name: str, rng: random.Random) -> Any:
    try:
        return engine.contract.generator.compile(schema, name)(Ctx(rng, examples=True, response=False))
    except TooDeep:
        return None


def _credentials(engine: MockEngine, op: Operation, params: list[tuple[str, str]], headers: dict[str, str]) -> None:
    """Credentials for the operation's first security alternative, as a client would send them (as the
    Postman export sends them: `mocktui.engine.export.samples.credentials`)."""
    cookies = []
    for credential in credentials(engine.spec, op):
        if credential.where == "query":
            params.append((credential.name, credential.value))
        elif credential.where == "cookie":
            cookies.append(f"{credential.name}={credential.value}")
        else:
            headers[credential.name] = credential.value
    if cookies:
        headers["Cookie"] = "; ".join(cookies)


def _valid_body(engine: MockEngine, schema: Any, rng: random.Random) -> tuple[Any, bool]:
    """A request body that the `jsonschema` package accepts (readOnly fields not required).

    Returns the body and whether it is valid: for a few schemas (`not`, overlapping `anyOf`) the
    generator finds no valid body, and then the mock must refuse it.
    """
    bundle = request_schema(engine.spec.schemas, schema)
    value = None
    for attempt in range(12):
        ctx = Ctx(rng, examples=attempt == 0, response=False)
        try:
            value = engine.contract.generator.compile(schema)(ctx)
        except TooDeep:
            continue
        if not validation_errors(bundle, value):
            return value, True
    return value, False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def build_request(engine: MockEngine, op: Operation, rng: random.Random) -> dict[str, Any]:
    path = op.path
    params: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    for p in op.parameters:
        if p.location == "path":
            value = _value(engine, p.schema, p.name, rng)
            path = path.replace("{" + p.name + "}", quote(_text(value), safe="") or "x")
        elif p.required and p.location == "query":
            value = _value(engine, p.schema, p.name, rng)
            values = value if isinstance(value, list) else [value]
            params.extend((p.name, _text(v)) for v in values)
        elif p.required and p.location == "header" and p.name.lower() not in _RESERVED_HEADERS:
            headers[p.name] = _text(_value(engine, p.schema, p.name, rng))
    _credentials(engine, op, params, headers)
    request: dict[str, Any] = {
        "valid": True,
        "method": op.method,
        "url": engine.spec.base_path + path,
        "params": params,
        "headers": headers,
    }
    if op.body and op.body.content:
        names = list(op.body.content)
        media = next((n for n in names if is_json(n)), names[0])
        schema = op.body.content[media].schema
        value, request["valid"] = _valid_body(engine, schema, rng) if schema is not None else ({}, True)
        if media.startswith("multipart/") and isinstance(value, dict):
            request["files"] = {k: (None, _text(v)) for k, v in value.items() if not isinstance(v, list)} or {
                "_": (None, "")
            }
            return request
        headers["content-type"] = media.replace("*/*", "application/json")
        if is_json(media):
            request["content"] = json.dumps(value).encode()
        elif "form" in media and isinstance(value, dict):
            pairs = [(k, v) for k, vs in value.items() for v in (vs if isinstance(vs, list) else [vs])]
            request["content"] = "&".join(f"{quote(k, safe='')}={quote(_text(v), safe='')}" for k, v in pairs).encode()
        else:
            request["content"] = _text(value).encode()
    return request


def check_operation(client: httpx.Client, engine: MockEngine, op: Operation, rng: random.Random) -> list[str]:
    request = build_request(engine, op, rng)
    valid = request.pop("valid")
    response = client.request(**request)
    why = response.headers.get("x-mocktui-problem")
    where = f"{op.method} {op.path} ({op.id}) -> {response.status_code}" + (f" [{why[:300]}]" if why else "")
    status = response.status_code
    if not valid:
        return [] if 400 <= status < 500 else [f"{where}: an invalid body was accepted"]
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in op.responses), None)
    if key is None:
        return [f"{where}: status not declared (declared: {', '.join(op.responses)})"]
    declared = op.responses[key]
    if not declared.content:
        return [] if not response.content else [f"{where}: body sent for a response declared without content"]
    ctype = response.headers.get("content-type", "")
    base = ctype.split(";")[0].strip()
    media = next((m for n, m in declared.content.items() if n.split(";")[0].strip() == base), None)
    if media is None:
        media = next((m for n, m in declared.content.items() if "*" in n), None)
    if media is None:
        return [f"{where}: content-type {ctype!r} not declared ({', '.join(declared.content)})"]
    if media.schema is None or not is_json(base):
        return []
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        return [f"{where}: invalid JSON body: {exc}"]
    # The response view of the schema: a writeOnly property (a password) is required only in requests.
    errors = validation_errors(response_schema(engine.spec.schemas, media.schema), body)
    return [f"{where}: {e}" for e in errors[:3]]


def run_spec(base_url: str, engine: MockEngine, seed: int = 1) -> Report:
    report = Report()
    rng = random.Random(seed)
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for op in engine.spec.operations:
            report.calls += 1
            report.failures.extend(check_operation(client, engine, op, rng))
    return report
