"""Request validation over HTTP: the right status, a problem body naming every field."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ...helpers import ROOT, LiveServer, serve

SPEC = ROOT / "tests" / "data" / "validation.yaml"
RID = {"X-Request-Id": "3f2b8a4e-6a8b-4c6e-9d8a-0b7b1c2d3e4f"}
GOOD_ITEM = {"name": "lamp", "price": 9.5, "nickname": None, "items": [{"price": 1}]}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(SPEC, faker_seed=1) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as c:
        yield c


def test_valid_request_with_every_serialisation_passes(client: httpx.Client) -> None:
    r = client.get("/items?limit=5&tags=a&tags=b&ids=1,2,3&filter[min]=2", headers={**RID, "Cookie": "session=abcd"})
    assert r.status_code == 200, r.text


def test_parameter_violations_are_all_reported_with_declared_400_schema(client: httpx.Client) -> None:
    r = client.get("/items?limit=0&tags=z&ids=1,x", headers={"X-Request-Id": "nope"})
    assert r.status_code == 400  # the operation declares 400 and not 422
    body = r.json()
    assert set(body) == {"code", "message"} and isinstance(body["code"], int)
    for fragment in ("limit", "tags", "ids", "x-request-id", "uuid"):
        assert fragment in body["message"].lower(), fragment


def test_missing_required_parameters(client: httpx.Client) -> None:
    r = client.get("/items")
    assert r.status_code == 400
    assert "'limit' is missing" in r.json()["message"] and "'X-Request-Id' is missing" in r.json()["message"]


def test_path_parameter_type(client: httpx.Client) -> None:
    assert client.get("/items/7").status_code == 200
    r = client.get("/items/abc")
    assert r.status_code == 422  # nothing declared: 422 problem
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["location"] == "path"


def test_body_schema_violations_name_each_pointer(client: httpx.Client) -> None:
    bad = {"name": "x", "price": -1, "items": [{"price": 1}, {"price": -5}]}
    r = client.post("/items", json=bad)
    assert r.status_code == 422
    assert r.content == b""  # 422 is declared without content: the contract wins
    problem = r.headers["x-mocktui-problem"]
    for pointer in ("/name", "/price", "/items/1/price"):
        assert pointer in problem, pointer


def test_read_only_is_not_required_and_nullable_accepts_null(client: httpx.Client) -> None:
    assert client.post("/items", json=GOOD_ITEM).status_code == 201


def test_form_body_is_coerced_and_checked(client: httpx.Client) -> None:
    assert client.post("/items", data={"name": "lamp", "price": "3.5"}).status_code == 201
    assert client.post("/items", data={"name": "lamp", "price": "cheap"}).status_code == 422


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"", {"content-type": "application/json"}, 422),  # required body missing
        (b"{not json", {"content-type": "application/json"}, 422),  # malformed: 400 undeclared, 422 is
        (b"<item/>", {"content-type": "application/xml"}, 422),  # wrong media type: 415 undeclared
        (b"\xff\xfe", {"content-type": "application/json"}, 422),  # invalid UTF-8
        (b"[" * 5000 + b"]" * 5000, {"content-type": "application/json"}, 422),  # deeply nested
        (b'{"name": "ab", "price": 1e999999, "items": []}', {"content-type": "application/json"}, 422),
    ],
)
def test_hostile_bodies_get_a_4xx_and_the_server_keeps_serving(
    client: httpx.Client, content: bytes, headers: dict[str, str], status: int
) -> None:
    r = client.post("/items", content=content, headers=headers)
    assert r.status_code == status
    assert client.get("/items/1").status_code == 200


def test_validation_can_be_switched_off(server: LiveServer, client: httpx.Client) -> None:
    server.engine.controls.validate_requests = False
    try:
        assert client.get("/items/abc").status_code == 200
    finally:
        server.engine.controls.validate_requests = True


def test_declared_problem_schema_carries_the_real_status_and_errors() -> None:
    with serve(ROOT / "specs" / "petstore.yaml") as live:
        r = httpx.get(live.url + "/pets?limit=0")
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 400 and body["title"] == "Request validation failed"
    assert body["errors"] == [
        {"location": "query", "pointer": "/limit", "reason": "limit: 0 is less than the minimum of 1"}
    ]
