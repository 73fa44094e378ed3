"""Helpers of the stateful tests: the shop and accounts specs, and a client that checks every mock response
against the status, media type and schema the spec declares (independent `jsonschema` validator), and for
writeOnly fields that must never appear in a response."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from mocktui.engine.pipeline import MockEngine

from ...helpers import ROOT, SPECS, LiveServer, validation_errors

KINDS = ["memory", "sqlite", "redis"]
SHOP = SPECS / "shop.yaml"
USERS = SPECS / "users.yaml"
ACCOUNTS = ROOT / "tests" / "data" / "stateful-accounts.yaml"
BASE = "/api/v1"  # shop.yaml's base path
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
PROBLEM = "application/problem+json"
SHOP_SEEDS = {"users": 12, "products": 6, "orders": 25}
_NO_BODY = object()


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _resolve(bundle: dict[str, Any], node: Any) -> Any:
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#/$defs/")):
            break
        node = bundle.get("$defs", {}).get(ref[len("#/$defs/") :], {})
    return node


def write_only_names(bundle: Any) -> set[str]:
    """Every property name the schema marks writeOnly."""
    names: set[str] = set()
    for node in _walk(bundle):
        props = node.get("properties")
        if isinstance(props, dict):
            names.update(k for k, v in props.items() if _resolve(bundle, v).get("writeOnly") is True)
    return names


def response_view(bundle: Any) -> Any:
    """OpenAPI's rule, applied here on its own: a required writeOnly property is required in requests only."""
    if not isinstance(bundle, dict):
        return bundle
    view = copy.deepcopy(bundle)
    for node in _walk(view):
        props, required = node.get("properties"), node.get("required")
        if isinstance(props, dict) and isinstance(required, list):
            node["required"] = [n for n in required if _resolve(view, props.get(n, {})).get("writeOnly") is not True]
    return view


def keys_in(value: Any) -> set[str]:
    return {key for node in _walk(value) for key in node}


def conformance(engine: MockEngine, method: str, path: str, response: httpx.Response) -> list[str]:
    """What in this response breaks the operation's declared responses (empty when nothing does)."""
    compiled, _, _ = engine.match(method, path)
    if compiled is None:
        return [f"{method} {path}: no operation of the spec"]
    op, status = compiled.op, response.status_code
    where = f"{method} {path} ({op.id}) -> {status}"
    if status >= 500:
        return [f"{where}: server error: {response.text[:300]}"]
    key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in op.responses), None)
    if key is None:
        return [f"{where}: status not declared (declared: {', '.join(op.responses)})"]
    declared = op.responses[key]
    if not declared.content:
        return [f"{where}: a body on a response declared without content"] if response.content else []
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    media = next((m for n, m in declared.content.items() if n.split(";")[0].strip().lower() == ctype), None)
    if media is None:
        return [f"{where}: content-type {ctype!r} not declared ({', '.join(declared.content)})"]
    if media.schema is None or not (ctype == "application/json" or ctype.endswith("+json")):
        return []
    try:
        body = response.json()
    except ValueError as error:
        return [f"{where}: invalid JSON: {error}"]
    bundle = engine.spec.bundle(media.schema)
    problems = [f"{where}: {e}" for e in validation_errors(response_view(bundle), body)[:5]]
    leaked = sorted(write_only_names(bundle) & keys_in(body))
    if leaked:
        problems.append(f"{where}: writeOnly fields in the response: {leaked}")
    return problems


class Api:
    """A client for one live mock; every mock response is checked against the spec."""

    def __init__(self, server: LiveServer, prefix: str = "") -> None:
        self.server = server
        self.engine = server.engine
        self.prefix = prefix
        self.client = httpx.Client(base_url=server.url, timeout=10)

    def path(self, path: str) -> str:
        return path if path.startswith(self.prefix) else self.prefix + path

    def request(
        self,
        method: str,
        path: str,
        body: Any = _NO_BODY,
        *,
        ctype: str = "application/json",
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        full = self.path(path)
        content = None if body is _NO_BODY else json.dumps(body).encode()
        headers = {"content-type": ctype} if content is not None else {}
        response = self.client.request(method, full, content=content, headers=headers, params=params)
        assert conformance(self.engine, method, full, response) == []
        return response

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.request("PUT", path, body)

    def patch(self, path: str, body: Any, ctype: str = MERGE) -> httpx.Response:
        return self.request("PATCH", path, body, ctype=ctype)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)

    def admin(self, method: str, path: str, body: Any = _NO_BODY, **params: Any) -> httpx.Response:
        """The admin API (not part of the spec, so not checked against it)."""
        kwargs: dict[str, Any] = {"params": params or None}
        if body is not _NO_BODY:
            kwargs["json"] = body
        return self.client.request(method, "/__mocktui" + path, **kwargs)


Mocks = Callable[..., Api]


def read_only_names(api: Api, op_id: str, status: str = "200") -> set[str]:
    """The server-owned fields of an operation's JSON response."""
    op = next(o for o in api.engine.spec.operations if o.id == op_id)
    bundle = api.engine.spec.bundle(op.responses[status].content["application/json"].schema)
    return {
        name
        for node in _walk(bundle)
        if isinstance(node.get("properties"), dict)
        for name, schema in node["properties"].items()
        if _resolve(bundle, schema).get("readOnly") is True
    }


def recent(timestamp: str) -> bool:
    when = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return abs((dt.datetime.now(dt.UTC) - when).total_seconds()) < 300


def is_problem(response: httpx.Response, status: int) -> bool:
    body = response.json()
    return response.headers["content-type"].startswith(PROBLEM) and body["status"] == status and bool(body["title"])


def parse_links(header: str) -> dict[str, tuple[str, dict[str, str]]]:
    """rel -> (path, query) of an RFC 8288 Link header."""
    out = {}
    for part in header.split(","):
        match = re.fullmatch(r'\s*<([^>]*)>\s*;\s*rel="([^"]+)"\s*', part)
        assert match is not None, header
        url = urlsplit(match.group(1))
        out[match.group(2)] = (url.path, dict(parse_qsl(url.query)))
    return out


def all_users(shop: Api) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = shop.get("/users", per_page=100).json()
    return users


def all_products(shop: Api) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = shop.get("/products", per_page=100).json()["items"]
    return products


def all_orders(shop: Api) -> list[dict[str, Any]]:
    orders: list[dict[str, Any]] = shop.get("/orders", limit=100).json()["items"]
    return orders


def order_record(order_id: int, user_id: int, product_id: int, status: str = "pending") -> dict[str, Any]:
    return {
        "id": order_id,
        "userId": user_id,
        "items": [{"productId": product_id, "quantity": 1, "unitPrice": 10.0}],
        "status": status,
        "total": 10.0,
        "currency": "EUR",
        "createdAt": "2025-05-02T11:20:00Z",
    }
