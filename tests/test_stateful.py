"""Stateful mode over HTTP: CRUD that remembers, lists, nesting, seeding, the admin store API and the CLI.

Every mock here runs on a real socket on 127.0.0.1. The CRUD suite runs once per store kind
(memory, SQLite in tmp_path, Redis under a namespace of its own); Redis comes from env
MOCKTUI_TEST_REDIS (default redis://127.0.0.1:6379/15): without one those cases skip locally and
fail in CI (CI=true). Every mock response the suite receives is checked against the status, media
type and schema the spec declares, with the independent `jsonschema` validator, and for writeOnly
fields that must never appear in a response.

tests/data/stateful-accounts.yaml is the fixture for what the bundled specs do not declare: a
required writeOnly field (password), a PATCH that takes RFC 6902 JSON Patch, a `q` search over
every text field and a text filter.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from mocktui.cli import serve_parser
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.base import Store
from mocktui.engine.stores.memory import MemoryStore
from mocktui.engine.stores.redis import RedisStore
from mocktui.engine.stores.sqlite import SQLiteStore
from mocktui.runtime import build_engine
from mocktui.settings.resolve import ConfigError, resolve

from .helpers import ROOT, SPECS, LiveServer, serve, use_store, validation_errors
from .test_stores import REDIS_URL, require_redis

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


# -- Redis ------------------------------------------------------------------------------------------------------------


# -- an independent check of every response against the spec ----------------------------------------------------------


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


# -- servers and stores -----------------------------------------------------------------------------------------------


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def servers() -> Iterator[Callable[[Path], LiveServer]]:
    """One live stateful mock per spec for the whole module; each test attaches a fresh store to it."""
    made: dict[Path, LiveServer] = {}

    def get(spec: Path) -> LiveServer:
        if spec not in made:
            engine = MockEngine.build(load_spec(str(spec)), controls=Controls(stateful=True), faker_seed=7)
            server = LiveServer(engine)
            # runner.bind() makes the socket with proto 0, so the stdlib event loop of LiveServer never
            # sets TCP_NODELAY on accepted connections (uvloop, which the CLI uses, does): every keep-alive
            # response would wait ~40 ms for a delayed ACK. Accepted sockets inherit it from the listener.
            server.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server.start()
            made[spec] = server
        return made[spec]

    yield get
    for server in made.values():
        server.stop()


Mocks = Callable[..., Api]


@pytest.fixture
def mocks(servers: Callable[[Path], LiveServer], tmp_path: Path) -> Iterator[Mocks]:
    """`mocks(spec, kind, seed=N, seed_counts={...}, prefix=...)`: the spec's mock over a new, seeded store."""
    stores: list[Store] = []
    apis: list[Api] = []

    def open_mock(
        spec: Path, kind: str, *, seed: int = 6, seed_counts: dict[str, int] | None = None, prefix: str = ""
    ) -> Api:
        store: Store
        if kind == "memory":
            store = MemoryStore()
        elif kind == "sqlite":
            store = SQLiteStore(str(tmp_path / f"state-{len(stores)}.db"))
        else:
            require_redis()
            store = RedisStore(REDIS_URL, f"mocktui-test-stateful-{uuid.uuid4().hex}")
        assert store.kind == kind
        stores.append(store)
        server = servers(spec)
        use_store(server.engine, store, seed_count=seed, seed_counts=seed_counts or {}).seed()
        apis.append(Api(server, prefix))
        return apis[-1]

    yield open_mock
    for api in apis:
        api.client.close()
        api.engine.swap(replace(api.engine.stages, state=None))
    for store in stores:
        if store.kind == "redis":
            store.clear()
        store.close()


@pytest.fixture
def shop(kind: str, mocks: Mocks) -> Api:
    return mocks(SHOP, kind, seed=6, seed_counts=SHOP_SEEDS, prefix=BASE)


@pytest.fixture
def accounts(kind: str, mocks: Mocks) -> Api:
    return mocks(ACCOUNTS, kind, seed=5)


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


# -- CRUD -------------------------------------------------------------------------------------------------------------


def test_users_crud_round_trip(shop: Api) -> None:
    sent = {
        "email": "crud.user@example.com",
        "firstName": "Crud",
        "lastName": "User",
        "phone": "+44 20 7946 0001",
        "address": {"street": "1 Park Row", "city": "Leeds", "postalCode": "LS1 5AB", "country": "GB"},
    }
    r = shop.post("/users", sent)
    assert r.status_code == 201, r.text
    created = r.json()
    assert read_only_names(shop, "getUser") == {"id", "createdAt"}
    assert set(created) == set(sent) | {"id", "createdAt"}
    assert {k: created[k] for k in sent} == sent
    assert isinstance(created["id"], int) and recent(created["createdAt"])
    item = f"{BASE}/users/{created['id']}"
    assert r.headers["location"] == item

    assert shop.get(r.headers["location"]).json() == created
    assert created in all_users(shop)

    replacement = {"email": "crud.user@example.com", "firstName": "Ada", "lastName": "Byron", "phone": "+44 1"}
    r = shop.put(item, replacement)
    assert r.status_code == 200, r.text
    replaced = {**replacement, "id": created["id"], "createdAt": created["createdAt"]}  # the address is gone
    assert r.json() == replaced
    assert shop.get(item).json() == replaced

    r = shop.patch(item, {"phone": None, "lastName": "King"}, ctype=MERGE)
    assert r.status_code == 200, r.text
    patched = {k: v for k, v in replaced.items() if k != "phone"} | {"lastName": "King"}
    assert r.json() == patched
    assert shop.get(item).json() == patched

    r = shop.delete(item)
    assert r.status_code == 204 and r.content == b""
    r = shop.get(item)
    assert r.status_code == 404 and is_problem(r, 404)
    assert shop.delete(item).status_code == 404
    assert all(u["id"] != created["id"] for u in all_users(shop))


def test_products_create_replace_update_delete(shop: Api) -> None:
    sent = {"name": "Standing Desk", "sku": "HOM-0001", "price": 120.5, "currency": "EUR", "category": "home"}
    r = shop.post("/products", sent)
    assert r.status_code == 201, r.text
    created = r.json()
    owned = read_only_names(shop, "getProduct")
    assert owned == {"id", "createdAt", "updatedAt"}
    assert {k: created[k] for k in sent} == sent
    # What was sent, the fields the server owns, and `stock`, which Product requires (its value: see below).
    assert set(created) == set(sent) | owned | {"stock"}
    assert recent(created["createdAt"]) and recent(created["updatedAt"])
    item = f"{BASE}/products/{created['id']}"
    assert r.headers["location"] == item
    assert shop.get(item).json() == created

    replacement = {
        "name": "Desk",
        "sku": "HOM-0001",
        "price": 99.0,
        "currency": "EUR",
        "stock": 3,
        "description": "Oak",
    }
    r = shop.put(item, replacement)
    assert r.status_code == 200, r.text
    replaced = r.json()
    assert {k: v for k, v in replaced.items() if k not in owned} == replacement  # category is gone
    assert replaced["id"] == created["id"] and replaced["createdAt"] == created["createdAt"]
    assert replaced["updatedAt"] >= created["updatedAt"]

    r = shop.patch(item, {"price": 44.9, "stock": 80, "description": None}, ctype=MERGE)
    assert r.status_code == 200, r.text
    expected = {k: v for k, v in replaced.items() if k not in ("description", "updatedAt")} | {
        "price": 44.9,
        "stock": 80,
    }
    assert {k: v for k, v in r.json().items() if k != "updatedAt"} == expected
    assert shop.get(item).json() == r.json()

    assert shop.delete(item).status_code == 204
    assert shop.get(item).status_code == 404


def test_omitted_fields_with_a_declared_default_take_it(shop: Api) -> None:
    """ProductInput's `stock` is optional with `default: 0`: a product created or replaced without it has 0."""
    sent = {"name": "Shelf", "sku": "HOM-0002", "price": 30.0, "currency": "EUR"}
    r = shop.post("/products", sent)
    assert r.status_code == 201, r.text
    item = r.headers["location"]
    r = shop.put(item, sent | {"name": "Shelf 2"})  # a valid ProductInput: stock may be omitted
    assert r.status_code == 200, r.text
    assert r.json()["stock"] == 0
    created = shop.post("/products", {"name": "Rack", "sku": "HOM-0004", "price": 30.0, "currency": "EUR"}).json()
    assert created["stock"] == 0, f"stock was omitted and declares default 0, got {created['stock']}"


def test_orders_crud_round_trip(shop: Api) -> None:
    user, product = all_users(shop)[1], all_products(shop)[2]
    sent = {"userId": user["id"], "items": [{"productId": product["id"], "quantity": 2}]}
    r = shop.post("/orders", sent)  # the response must carry every required field, line items included
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["userId"] == user["id"]
    assert [(i["productId"], i["quantity"]) for i in created["items"]] == [(product["id"], 2)]
    item = f"{BASE}/orders/{created['id']}"
    assert r.headers["location"] == item
    assert shop.get(item).json() == created
    assert created in shop.get(f"/users/{user['id']}/orders", limit=100).json()["items"]

    r = shop.patch(item, {"status": "cancelled"}, ctype=MERGE)
    assert r.status_code == 200 and r.json() == created | {"status": "cancelled"}
    assert shop.delete(item).status_code == 204
    assert shop.get(item).status_code == 404


def test_uuid_ids_and_envelope_of_the_users_spec(kind: str, mocks: Mocks) -> None:
    api = mocks(USERS, kind, seed=5)
    sent = {"email": "zed@example.com", "firstName": "Zed", "lastName": "Shaw", "role": "viewer"}
    r = api.post("/users", sent)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == set(sent) | {"id", "createdAt"} and {k: created[k] for k in sent} == sent
    assert str(uuid.UUID(created["id"])) == created["id"]
    assert r.headers["location"] == f"/users/{created['id']}"
    assert api.get(r.headers["location"]).json() == created
    page = api.get("/users", limit=100).json()
    assert created in page["data"] and page["pagination"]["total"] == 6
    r = api.get(f"/users/{uuid.uuid4()}")
    assert r.status_code == 404 and is_problem(r, 404)


# -- lists ------------------------------------------------------------------------------------------------------------


def test_list_bare_array_with_total_and_link_headers(shop: Api) -> None:
    r = shop.get("/users", per_page=100)
    users = r.json()
    assert isinstance(users, list) and len(users) == SHOP_SEEDS["users"] == 12
    assert r.headers["x-total-count"] == "12"

    r = shop.get("/users", page=2, per_page=5)
    assert r.json() == users[5:10]
    assert r.headers["x-total-count"] == "12"
    links = parse_links(r.headers["link"])
    assert {rel: int(q["page"]) for rel, (_, q) in links.items()} == {"first": 1, "prev": 1, "next": 3, "last": 3}
    assert all(path == f"{BASE}/users" and q["per_page"] == "5" for path, q in links.values())

    first = parse_links(shop.get("/users", page=1, per_page=5).headers["link"])
    assert "prev" not in first and int(first["next"][1]["page"]) == 2
    r = shop.get("/users", page=3, per_page=5)
    assert r.json() == users[10:] and "next" not in parse_links(r.headers["link"])

    r = shop.get("/users", page=9, per_page=5)  # past the end: an empty page, not an error
    assert r.status_code == 200 and r.json() == [] and r.headers["x-total-count"] == "12"

    r = shop.get("/users")  # the declared default page size is 20
    assert r.json() == users


def test_list_page_envelope(shop: Api) -> None:
    full = shop.get("/products", per_page=100).json()
    products = full["items"]
    assert len(products) == 6
    assert {k: v for k, v in full.items() if k != "items"} == {"page": 1, "per_page": 100, "total": 6, "total_pages": 1}

    page = shop.get("/products", page=2, per_page=4).json()
    assert page == {"items": products[4:], "page": 2, "per_page": 4, "total": 6, "total_pages": 2}
    page = shop.get("/products", page=1, per_page=4).json()
    assert page == {"items": products[:4], "page": 1, "per_page": 4, "total": 6, "total_pages": 2}
    r = shop.get("/products", page=5, per_page=4)
    assert r.status_code == 200 and r.json() == {"items": [], "page": 5, "per_page": 4, "total": 6, "total_pages": 2}
    default = shop.get("/products").json()
    assert default["page"] == 1 and default["per_page"] == 20 and default["items"] == products


def test_list_offset_limit_envelope(shop: Api) -> None:
    first = shop.get("/orders").json()
    assert first["offset"] == 0 and first["limit"] == 20 and first["total"] == 25 and len(first["items"]) == 20
    orders = all_orders(shop)
    assert len(orders) == 25 and orders[:20] == first["items"]
    assert shop.get("/orders", offset=5, limit=3).json() == {"items": orders[5:8], "offset": 5, "limit": 3, "total": 25}
    assert shop.get("/orders", offset=22, limit=10).json()["items"] == orders[22:]
    for offset in (25, 1000):
        r = shop.get("/orders", offset=offset, limit=10)
        assert r.status_code == 200 and r.json() == {"items": [], "offset": offset, "limit": 10, "total": 25}


def test_list_envelope_with_a_pagination_object(kind: str, mocks: Mocks) -> None:
    api = mocks(USERS, kind, seed=7)
    r = api.get("/users", limit=100)
    full = r.json()
    assert set(full) == {"data", "pagination"} and len(full["data"]) == 7
    assert full["pagination"] == {"page": 1, "limit": 100, "total": 7}
    assert "x-total-count" not in r.headers and "link" not in r.headers  # the spec declares neither
    assert api.get("/users", page=2, limit=3).json() == {
        "data": full["data"][3:6],
        "pagination": {"page": 2, "limit": 3, "total": 7},
    }
    r = api.get("/users", page=4, limit=3)
    assert r.status_code == 200 and r.json() == {"data": [], "pagination": {"page": 4, "limit": 3, "total": 7}}


@pytest.fixture
def shop_in_memory(mocks: Mocks) -> Api:
    return mocks(SHOP, "memory", seed=3, prefix=BASE)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/users", {"page": 0}),
        ("/users", {"page": -1}),
        ("/users", {"per_page": 0}),
        ("/users", {"per_page": -5}),
        ("/users", {"per_page": 101}),
        ("/users", {"page": "two"}),
        ("/products", {"per_page": 0}),
        ("/products", {"page": -3}),
        ("/orders", {"limit": 0}),
        ("/orders", {"limit": -1}),
        ("/orders", {"offset": -1}),
        ("/orders", {"limit": 101}),
        ("/users/1/orders", {"limit": 0}),
        ("/users/1/orders", {"offset": -10}),
    ],
)
def test_list_paging_values_the_spec_refuses_are_4xx(path: str, params: dict[str, Any], shop_in_memory: Api) -> None:
    r = shop_in_memory.get(path, **params)  # a declared status and body: never a 500
    assert 400 <= r.status_code < 500 and is_problem(r, r.status_code)
    assert next(iter(params)) in r.json()["detail"]


def test_filter_by_a_number_is_exact(shop: Api) -> None:
    products = all_products(shop)
    for order_id, user_id in ((901, 1), (902, 11), (903, 10)):  # 1 is a prefix of 10 and 11
        record = order_record(order_id, user_id, products[0]["id"])
        assert shop.admin("PUT", f"/store/orders/{order_id}", record).status_code == 200
    orders = all_orders(shop)
    for user_id in (1, 10, 11):
        r = shop.get("/orders", userId=user_id, limit=100).json()
        expected = [o for o in orders if o["userId"] == user_id]
        assert expected and r["items"] == expected and r["total"] == len(expected)
    assert shop.get("/orders", userId=999, limit=100).json() == {"items": [], "offset": 0, "limit": 100, "total": 0}


def test_filter_by_a_string_is_case_insensitive_and_partial(shop: Api, accounts: Api) -> None:
    users = all_users(shop)
    target = next(u for u in users if len(u["email"].split("@")[0]) >= 3)
    fragment = target["email"][1:].upper()  # still an address, as the parameter's format wants
    r = shop.get("/users", email=fragment, per_page=100)
    expected = [u for u in users if fragment.casefold() in u["email"].casefold()]
    assert target in expected and r.json() == expected and r.headers["x-total-count"] == str(len(expected))

    people = accounts.get("/accounts", limit=50).json()
    name = people[2]["username"]
    fragment = name[1:-1].upper()
    r = accounts.get("/accounts", username=fragment, limit=50)
    assert r.json() == [a for a in people if fragment.casefold() in a["username"].casefold()]
    assert people[2] in r.json()


def test_filter_by_a_comma_separated_array_parameter(shop: Api) -> None:
    """listOrders' `status` is an array (style form, explode false): "pending,paid" means either."""
    orders = all_orders(shop)
    for order, status in zip(orders[:3], ("pending", "paid", "shipped"), strict=True):
        assert shop.admin("PUT", f"/store/orders/{order['id']}", order | {"status": status}).status_code == 200
    orders = all_orders(shop)
    r = shop.get("/orders", status="shipped", limit=100).json()
    assert r["items"] == [o for o in orders if o["status"] == "shipped"]
    r = shop.get("/orders", status="pending,paid", limit=100).json()
    expected = [o for o in orders if o["status"] in ("pending", "paid")]
    assert len(expected) >= 2 and r["items"] == expected and r["total"] == len(expected)


def test_sort_ascending_and_descending(shop: Api) -> None:
    products = all_products(shop)
    ids = sorted(p["id"] for p in products)
    for key, field, reverse in (("price", "price", False), ("-price", "price", True), ("name", "name", False)):
        got = shop.get("/products", sort=key, per_page=100).json()["items"]
        assert sorted(p["id"] for p in got) == ids
        values = [p[field] for p in got]
        assert values == sorted(values, key=lambda v: v.casefold() if isinstance(v, str) else v, reverse=reverse)
    names = [p["name"].casefold() for p in shop.get("/products", sort="-name", per_page=100).json()["items"]]
    assert names == sorted(names, reverse=True)
    top = shop.get("/products", sort="-price", per_page=2, page=1).json()["items"]
    assert [p["price"] for p in top] == sorted((p["price"] for p in products), reverse=True)[:2]

    for key in ("total", "-total", "createdAt", "-createdAt"):
        got = shop.get("/orders", sort=key, limit=100).json()["items"]
        values = [o[key.lstrip("-")] for o in got]
        assert len(got) == 25 and values == sorted(values, reverse=key.startswith("-"))


def test_search_with_q(shop: Api, accounts: Api) -> None:
    products = all_products(shop)

    def others(p: dict[str, Any]) -> str:  # text fields the spec does not search
        return " ".join(str(v) for k, v in p.items() if k not in ("name", "description")).casefold()

    words = [w for p in products for w in re.findall(r"[A-Za-z]{4,}", p["name"])]
    word = next(w for w in words if not any(w.casefold() in others(p) for p in products))
    r = shop.get("/products", q=word.upper(), per_page=100).json()
    expected = [p for p in products if word.casefold() in f"{p['name']} {p.get('description') or ''}".casefold()]
    assert expected and r["items"] == expected and r["total"] == len(expected)
    assert shop.get("/products", q="zzqqxxj", per_page=100).json()["items"] == []

    people = accounts.get("/accounts", limit=50).json()
    needle = people[1]["email"].split("@")[0][1:].upper()
    r = accounts.get("/accounts", q=needle, limit=50)
    assert people[1] in r.json()
    assert r.json() == [a for a in people if any(needle.casefold() in str(v).casefold() for v in a.values())]


# -- nested resources -------------------------------------------------------------------------------------------------


def test_nested_orders_list_only_their_users_orders(shop: Api) -> None:
    orders = all_orders(shop)
    users = all_users(shop)
    assert {o["userId"] for o in orders} <= {u["id"] for u in users}
    for user in users:
        r = shop.get(f"/users/{user['id']}/orders", limit=100).json()
        expected = [o for o in orders if o["userId"] == user["id"]]
        assert r["items"] == expected and r["total"] == len(expected)
    busy = max(users, key=lambda u: sum(o["userId"] == u["id"] for o in orders))
    mine = [o for o in orders if o["userId"] == busy["id"]]
    assert len(mine) >= 2
    assert shop.get(f"/users/{busy['id']}/orders", offset=1, limit=1).json() == {
        "items": mine[1:2],
        "offset": 1,
        "limit": 1,
        "total": len(mine),
    }

    r = shop.get("/users/999999/orders")
    assert r.status_code == 404 and is_problem(r, 404)
    fresh = shop.post("/users", {"email": "no.orders@example.com", "firstName": "No", "lastName": "Orders"}).json()
    assert shop.get(f"/users/{fresh['id']}/orders").json() == {"items": [], "offset": 0, "limit": 20, "total": 0}
    assert shop.delete(f"/users/{fresh['id']}").status_code == 204
    assert shop.get(f"/users/{fresh['id']}/orders").status_code == 404


# -- conflicts --------------------------------------------------------------------------------------------------------


def test_duplicate_unique_fields_are_409(shop: Api) -> None:
    users, products = all_users(shop), all_products(shop)
    taken = users[0]["email"]
    r = shop.post("/users", {"email": taken.upper(), "firstName": "Dup", "lastName": "Licate"})
    assert r.status_code == 409 and is_problem(r, 409) and "email" in r.text
    assert len(all_users(shop)) == len(users)

    r = shop.post("/products", {"name": "Copy", "sku": products[0]["sku"], "price": 1, "currency": "EUR"})
    assert r.status_code == 409 and is_problem(r, 409) and "sku" in r.text
    second = f"/products/{products[1]['id']}"
    r = shop.put(second, {"name": "X", "sku": products[0]["sku"], "price": 1, "currency": "EUR", "stock": 1})
    assert r.status_code == 409 and shop.get(second).json() == products[1]

    other = f"/users/{users[1]['id']}"
    r = shop.patch(other, {"email": taken}, ctype=MERGE)
    assert r.status_code == 409 and shop.get(other).json() == users[1]
    r = shop.put(other, {"email": taken, "firstName": "A", "lastName": "B"})
    assert r.status_code == 409

    own = {k: users[1][k] for k in ("email", "firstName", "lastName")} | {"lastName": "Same"}
    assert shop.put(other, own).status_code == 200  # its own value is no conflict
    assert shop.delete(f"/users/{users[0]['id']}").status_code == 204
    assert shop.post("/users", {"email": taken, "firstName": "Re", "lastName": "Used"}).status_code == 201


# -- JSON Patch and writeOnly (fixture spec) --------------------------------------------------------------------------


ADA = {
    "username": "ada_l",
    "email": "ada.l@example.com",
    "password": "correct horse",
    "bio": "hello",
    "age": 36,
    "tags": ["a"],
}


def test_json_patch_add_replace_remove_test(accounts: Api) -> None:
    r = accounts.post("/accounts", ADA)
    assert r.status_code == 201, r.text
    created, item = r.json(), r.headers["location"]
    ops = [
        {"op": "test", "path": "/username", "value": "ada_l"},
        {"op": "replace", "path": "/age", "value": 37},
        {"op": "add", "path": "/displayName", "value": "Ada"},
        {"op": "add", "path": "/tags/-", "value": "b"},
        {"op": "remove", "path": "/bio"},
    ]
    r = accounts.patch(item, ops, ctype=JSON_PATCH)
    assert r.status_code == 200, r.text
    expected = {k: v for k, v in created.items() if k != "bio"} | {"age": 37, "displayName": "Ada", "tags": ["a", "b"]}
    assert r.json() == expected
    assert accounts.get(item).json() == expected


def test_json_patch_failing_test_op_is_4xx_and_changes_nothing(accounts: Api) -> None:
    r = accounts.post("/accounts", ADA)
    created, item = r.json(), r.headers["location"]
    passing = [{"op": "test", "path": "/tags/0", "value": "a"}, {"op": "add", "path": "/tags/-", "value": "c"}]
    r = accounts.patch(item, passing, ctype=JSON_PATCH)
    assert r.status_code == 200 and r.json()["tags"] == ["a", "c"]

    failing = [{"op": "test", "path": "/username", "value": "bob"}, {"op": "add", "path": "/tags/-", "value": "d"}]
    r = accounts.patch(item, failing, ctype=JSON_PATCH)
    assert 400 <= r.status_code < 500 and is_problem(r, r.status_code)
    assert accounts.get(item).json() == created | {"tags": ["a", "c"]}

    r = accounts.patch(item, [{"op": "replace", "path": "/tags/0", "value": ""}], ctype=JSON_PATCH)
    assert r.status_code == 422 and "/tags/0" in r.text  # the patched record breaks the schema
    r = accounts.patch(item, [{"op": "remove", "path": "/tags/7"}], ctype=JSON_PATCH)
    assert 400 <= r.status_code < 500
    assert accounts.get(item).json() == created | {"tags": ["a", "c"]}


def test_write_only_fields_are_stored_but_never_returned(accounts: Api) -> None:
    r = accounts.post("/accounts", ADA)  # every response is checked for writeOnly fields too
    assert r.status_code == 201 and "password" not in r.json()
    created, item = r.json(), r.headers["location"]
    assert accounts.admin("GET", f"/store/accounts/{created['id']}").json()["password"] == "correct horse"
    assert "password" not in accounts.get(item).json()
    assert all("password" not in a for a in accounts.get("/accounts", limit=50).json())
    r = accounts.put(item, {"username": "ada_l", "email": "ada.l@example.com", "password": "battery staple"})
    assert r.status_code == 200 and "password" not in r.json()
    assert accounts.admin("GET", f"/store/accounts/{created['id']}").json()["password"] == "battery staple"
    r = accounts.patch(item, {"displayName": "Ada"}, ctype=MERGE)
    assert r.status_code == 200 and r.json()["displayName"] == "Ada"


def test_merge_patch_of_a_seeded_record_with_a_required_write_only_field(accounts: Api) -> None:
    """Seeded accounts never had a password sent; a valid merge patch of another field must still apply."""
    seeded = accounts.get("/accounts", limit=1).json()[0]
    r = accounts.patch(f"/accounts/{seeded['id']}", {"displayName": "Renamed"}, ctype=MERGE)
    assert r.status_code == 200, r.text
    assert r.json() == seeded | {"displayName": "Renamed"}
    r = accounts.patch(f"/accounts/{seeded['id']}", [{"op": "replace", "path": "/tags", "value": []}], JSON_PATCH)
    assert r.status_code == 200, r.text


# -- the admin store API ----------------------------------------------------------------------------------------------


def test_admin_store_api(shop: Api, kind: str) -> None:
    summary = shop.admin("GET", "/store").json()
    assert summary["kind"] == kind and summary["stateful"] is True
    assert summary["collections"] == SHOP_SEEDS
    resources = {r["name"]: r for r in summary["resources"]}
    assert set(resources) == {"users", "products", "orders"}
    assert resources["orders"]["parents"] == {"userId": "users"}
    assert resources["orders"]["references"] == {"userId": "users", "items[].productId": "products"}
    assert resources["users"]["unique"] == ["email"] and resources["products"]["unique"] == ["sku"]

    users = all_users(shop)
    assert shop.admin("GET", "/store/users", offset=2, limit=3).json() == users[2:5]
    assert shop.admin("GET", f"/store/users/{users[4]['id']}").json() == users[4]
    assert shop.admin("GET", "/store/users/999999").status_code == 404

    record = {
        "email": "admin.made@example.com",
        "firstName": "Ad",
        "lastName": "Min",
        "createdAt": "2025-01-01T00:00:00Z",
    }
    r = shop.admin("POST", "/store/users", record)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == record | {"id": made["id"]} and made["id"] not in {u["id"] for u in users}
    item = f"/users/{made['id']}"
    assert shop.get(item).json() == made  # visible to the very next mock request

    r = shop.admin("PUT", f"/store/users/{made['id']}", made | {"firstName": "Changed"})
    assert r.status_code == 200 and r.json()["firstName"] == "Changed"
    assert shop.get(item).json()["firstName"] == "Changed"

    r = shop.admin("PUT", f"/store/users/{made['id']}", made | {"firstName": 5})
    assert r.status_code == 422 and "firstName" in r.text
    r = shop.admin("PUT", f"/store/users/{made['id']}", made | {"email": "not an address"})
    assert r.status_code == 422 and "email" in r.text
    assert shop.get(item).json()["firstName"] == "Changed"

    assert shop.admin("DELETE", f"/store/users/{made['id']}").status_code == 204
    assert shop.get(item).status_code == 404
    assert shop.admin("DELETE", f"/store/users/{made['id']}").status_code == 404
    assert shop.admin("GET", "/store").json()["collections"] == SHOP_SEEDS


def test_admin_reset_and_export_import(shop: Api) -> None:
    seeded = shop.admin("GET", "/store/export").json()
    assert {k: len(v) for k, v in seeded.items()} == SHOP_SEEDS
    made = shop.post("/users", {"email": "later@example.com", "firstName": "La", "lastName": "Ter"}).json()
    gone = all_products(shop)[0]
    assert shop.delete(f"/products/{gone['id']}").status_code == 204
    changed = shop.admin("GET", "/store/export").json()
    assert changed != seeded

    assert shop.admin("POST", "/store/reset").status_code == 204
    assert shop.admin("GET", "/store/export").json() == seeded  # reseeded with the same faker seed
    assert shop.get(f"/users/{made['id']}").status_code == 404
    assert shop.get(f"/products/{gone['id']}").status_code == 200

    assert shop.admin("POST", "/store/import", changed).status_code == 204
    assert shop.admin("GET", "/store/export").json() == changed
    assert shop.get(f"/users/{made['id']}").json() == made
    assert shop.get(f"/products/{gone['id']}").status_code == 404
    later = shop.post("/users", {"email": "later2@example.com", "firstName": "La", "lastName": "Ter"}).json()
    assert later["id"] > max(u["id"] for u in changed["users"])


# -- seeding ----------------------------------------------------------------------------------------------------------


def engine_for(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> MockEngine:
    """The engine `mocktui specs/shop.yaml ARGS` builds, with exactly `env` as its environment."""
    settings = resolve(serve_parser().parse_args([str(SHOP), *args]), environ=env or {}, cwd=cwd or ROOT / "specs")
    return build_engine(load_spec(str(SHOP)), settings)


def export_of(engine: MockEngine) -> dict[str, list[dict[str, Any]]]:
    assert engine.state is not None
    try:
        return engine.state.export()
    finally:
        engine.state.store.close()


def test_seed_count_and_env_override() -> None:
    seeded = export_of(engine_for("--stateful", "--seed", "4", "--faker-seed", "3"))
    assert {k: len(v) for k, v in seeded.items()} == {"users": 4, "products": 4, "orders": 4}
    env = {"SEED_ORDERS": "9", "SEED_PRODUCTS": "1"}
    seeded = export_of(engine_for("--stateful", "--seed", "4", "--faker-seed", "3", env=env))
    assert {k: len(v) for k, v in seeded.items()} == {"users": 4, "products": 1, "orders": 9}
    assert {i["productId"] for o in seeded["orders"] for i in o["items"]} == {seeded["products"][0]["id"]}
    with pytest.raises(ConfigError, match="SEED_USERS"):
        engine_for("--stateful", env={"SEED_USERS": "many"})


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_seeded_data_is_consistent_and_unique(store: str, tmp_path: Path) -> None:
    env = {"SEED_USERS": "60", "SEED_PRODUCTS": "60", "SEED_ORDERS": "80"}
    url = "memory" if store == "memory" else f"sqlite:{tmp_path / 'seed.db'}"
    engine = engine_for("--store", url, "--faker-seed", "11", env=env)
    state = export_of(engine)
    assert {k: len(v) for k, v in state.items()} == {"users": 60, "products": 60, "orders": 80}
    user_ids = {u["id"] for u in state["users"]}
    product_ids = {p["id"] for p in state["products"]}
    assert all(o["userId"] in user_ids for o in state["orders"])
    assert all(i["productId"] in product_ids for o in state["orders"] for i in o["items"])
    for collection, field in (("users", "email"), ("products", "sku")):
        values = [r[field].casefold() for r in state[collection]]
        assert len(set(values)) == len(values), f"duplicate {field}s"
    for collection in ("users", "products", "orders"):
        assert len({r["id"] for r in state[collection]}) == len(state[collection])
    spec = engine.spec
    for collection, op_id in (("users", "getUser"), ("products", "getProduct"), ("orders", "getOrder")):
        op = next(o for o in spec.operations if o.id == op_id)
        bundle = spec.bundle(op.responses["200"].content["application/json"].schema)
        assert [e for r in state[collection] for e in validation_errors(bundle, r)][:3] == []


def test_seed_is_reproducible_with_the_same_faker_seed() -> None:
    def export(seed: str) -> dict[str, list[dict[str, Any]]]:
        return export_of(engine_for("--stateful", "--seed", "5", "--faker-seed", seed))

    first = export("42")
    assert first == export("42")
    assert first != export("43")


# -- the command line -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no PORT, SEED_*, STATEFUL_MODE... of the caller's leaks into a mock."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


class MockProcess:
    """`python -m mocktui SPEC --headless` on 127.0.0.1 and a free port, in its own process group."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "mocktui", *args, "--headless", "--port", str(self.port)]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [*command, "--log-level", "warning"],
                cwd=log.parent,  # no mocktui.yaml or .env of the project's own
                env=child_env(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"mock exited with {self.proc.returncode}: {self.output()}")
            try:
                if httpx.get(self.url + "/__mocktui/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        pytest.fail(f"mock not ready after {timeout}s: {self.output()}")

    def stop(self) -> int:
        """SIGTERM, as a process manager stops it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"mock did not stop on SIGTERM: {self.output()}")

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this test started: the mock and its workers
        except ProcessLookupError:
            pass
        self.proc.wait(5)

    def export(self) -> dict[str, list[dict[str, Any]]]:
        state: dict[str, list[dict[str, Any]]] = httpx.get(self.url + "/__mocktui/store/export", timeout=10).json()
        return state


@contextmanager
def mock_process(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[MockProcess]:
    process = MockProcess(args, tmp_path / f"mock-{uuid.uuid4().hex[:8]}.log", env)
    try:
        process.wait_ready()
        yield process
    finally:
        if process.proc.poll() is None:
            process.stop()
        try:
            os.killpg(process.proc.pid, 0)
        except ProcessLookupError:
            pass
        else:
            process.kill()  # a worker outlived its parent


@pytest.fixture
def cli_redis() -> Iterator[str]:
    """The Redis the CLI uses, under its default namespace, emptied before and after."""
    require_redis()
    store = RedisStore(REDIS_URL)
    store.clear()
    try:
        yield REDIS_URL
    finally:
        store.clear()
        store.close()


NEW_USER = {"email": "cli.user@example.com", "firstName": "Cli", "lastName": "User"}


def test_cli_persist_keeps_records_across_a_restart_without_reseeding(tmp_path: Path) -> None:
    args = [str(SHOP), "--persist", str(tmp_path / "state.db"), "--seed", "2"]
    with mock_process(args, tmp_path, env={"SEED_USERS": "3"}) as first:
        before = first.export()
        assert {k: len(v) for k, v in before.items()} == {"users": 3, "products": 2, "orders": 2}
        r = httpx.post(f"{first.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201, r.text
        created = r.json()
        assert first.stop() == 0
    with mock_process(args, tmp_path, env={"SEED_USERS": "7"}) as second:  # a reseed would make 7 users
        after = second.export()
        assert after == before | {"users": [*before["users"], created]}
        assert httpx.get(f"{second.url}{BASE}/users/{created['id']}", timeout=10).json() == created
        again = httpx.post(f"{second.url}{BASE}/users", json=NEW_USER | {"email": "two@example.com"}, timeout=10)
        assert again.status_code == 201 and again.json()["id"] > created["id"]
        assert second.stop() == 0


def test_cli_state_file_loads_exactly_those_records(tmp_path: Path) -> None:
    fixtures = {
        "users": [
            {
                "id": 7,
                "email": "seven@example.com",
                "firstName": "Se",
                "lastName": "Ven",
                "createdAt": "2025-01-01T00:00:00Z",
            },
            {
                "id": 9,
                "email": "nine@example.com",
                "firstName": "Ni",
                "lastName": "Ne",
                "createdAt": "2025-01-02T00:00:00Z",
            },
        ],
        "products": [
            {
                "id": 3,
                "name": "Lamp",
                "sku": "HOM-0003",
                "price": 10.0,
                "currency": "EUR",
                "stock": 4,
                "createdAt": "2025-01-03T00:00:00Z",
            }
        ],
        "orders": [order_record(5, 7, 3)],
    }
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(fixtures))
    with mock_process([str(SHOP), "--state", str(path), "--seed", "5"], tmp_path) as mock:
        assert mock.export() == fixtures
        summary = httpx.get(mock.url + "/__mocktui/store", timeout=10).json()
        assert summary["collections"] == {"users": 2, "products": 1, "orders": 1}
        assert httpx.get(f"{mock.url}{BASE}/users", timeout=10).json() == fixtures["users"]
        assert httpx.get(f"{mock.url}{BASE}/users/7/orders", timeout=10).json()["items"] == fixtures["orders"]
        assert httpx.get(f"{mock.url}{BASE}/users/9/orders", timeout=10).json()["items"] == []
        r = httpx.post(f"{mock.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201 and r.json()["id"] > 9
        assert mock.stop() == 0


def test_cli_workers_share_one_redis_state(tmp_path: Path, cli_redis: str) -> None:
    with mock_process([str(SHOP), "--workers", "2", "--store", cli_redis, "--seed", "3"], tmp_path) as mock:
        assert {k: len(v) for k, v in mock.export().items()} == {"users": 3, "products": 3, "orders": 3}
        r = httpx.post(f"{mock.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201, r.text
        created, item = r.json(), mock.url + r.headers["location"]
        for _ in range(30):  # a new connection each time, so both workers answer some
            assert httpx.get(item, timeout=10).json() == created
            assert httpx.get(f"{mock.url}{BASE}/users", timeout=10).headers["x-total-count"] == "4"
        r = httpx.patch(item, json={"lastName": "Changed"}, headers={"content-type": MERGE}, timeout=10)
        assert r.status_code == 200
        assert all(httpx.get(item, timeout=10).json()["lastName"] == "Changed" for _ in range(20))
        assert mock.stop() == 0


def test_cli_workers_without_a_redis_store_exit_2(tmp_path: Path) -> None:
    for extra in ([], ["--store", f"sqlite:{tmp_path / 'w.db'}"], ["--persist", str(tmp_path / "p.db")]):
        command = [sys.executable, "-m", "mocktui", str(SHOP), "--headless", "--port", str(free_port())]
        result = subprocess.run(
            [*command, "--workers", "2", *extra],
            cwd=tmp_path,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert "--workers" in result.stderr and "redis" in result.stderr.lower()
        assert "Traceback" not in result.stderr


def test_cli_two_processes_share_one_redis_store(tmp_path: Path, cli_redis: str) -> None:
    args = [str(SHOP), "--store", cli_redis, "--seed", "3"]
    with mock_process(args, tmp_path) as a, mock_process(args, tmp_path, env={"SEED_USERS": "9"}) as b:
        assert a.export() == b.export()  # b found a's state and did not reseed it
        assert len(b.export()["users"]) == 3
        r = httpx.post(f"{a.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201
        created, path = r.json(), r.headers["location"]
        assert httpx.get(b.url + path, timeout=10).json() == created
        r = httpx.patch(b.url + path, json={"firstName": "Bee"}, headers={"content-type": MERGE}, timeout=10)
        assert r.status_code == 200
        assert httpx.get(a.url + path, timeout=10).json()["firstName"] == "Bee"
        assert httpx.delete(a.url + path, timeout=10).status_code == 204
        assert httpx.get(b.url + path, timeout=10).status_code == 404
        assert b.stop() == 0 and a.stop() == 0


def test_validate_lists_the_inferred_resources(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mocktui", "validate", str(SHOP)],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[1].rstrip(":"): line for line in result.stdout.splitlines() if line.startswith("resource ")}
    assert set(lines) == {"users", "products", "orders"}
    assert "under users" in lines["orders"] and "userId -> users" in lines["orders"]
    assert "items[].productId -> products" in lines["orders"]
    assert "unique email" in lines["users"] and "unique sku" in lines["products"]
    assert "under" not in lines["users"] and "under" not in lines["products"]


def test_x_mocktui_resource_renames_picks_the_id_and_excludes() -> None:
    from mocktui.engine.stateful.resources import infer

    spec = load_spec(str(ROOT / "tests" / "data" / "stateful-hints.yaml"))
    resources, bindings = infer(spec)
    assert set(resources) == {"people"}  # /reports is excluded, /staff renamed
    assert resources["people"].id_field == "badge" and "listReports" not in bindings
    with serve(spec, controls=Controls(stateful=True)) as live:
        use_store(live.engine, MemoryStore(), seed_count=2).seed()
        created = httpx.post(live.url + "/staff", json={"name": "Grace"})
        assert created.status_code == 201
        badge = created.json()["badge"]
        assert httpx.get(live.url + f"/staff/{badge}").json()["name"] == "Grace"
        assert len(httpx.get(live.url + "/staff").json()) == 3
