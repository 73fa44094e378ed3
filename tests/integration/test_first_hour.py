"""A newcomer's first hour: the README's admin commands as curl sends them, and headers a browser's
frontend code can read (issue 10)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore

from ..helpers import SPECS, LiveServer, serve

FORM = {"content-type": "application/x-www-form-urlencoded"}  # what `curl -d '{...}'` sends


@pytest.fixture(scope="module")
def shop() -> Iterator[LiveServer]:
    with serve(SPECS / "shop.yaml", controls=Controls(stateful=True), store=MemoryStore(), seed_count=5) as live:
        assert live.engine.state is not None
        live.engine.state.seed()
        yield live


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PATCH", "/__mocktui/controls", b'{"delay": {"max_ms": 0}}', 200),
        ("PUT", "/__mocktui/overrides/getUser", b'{"status": 404}', 200),
        ("PATCH", "/__mocktui/overrides/getUser", b'{"dynamic": true}', 200),
        ("POST", "/__mocktui/verify", b'{"method": "GET", "count": 0}', 200),
        ("POST", "/__mocktui/reset", b'{"journal": true}', 204),
        ("POST", "/__mocktui/store/import", b'{"users": [{"id": 1, "firstName": "A", "lastName": "B"}]}', 204),
        ("POST", "/__mocktui/store/users", b'{"firstName": "Grace", "lastName": "Hopper", "email": "g@x.io"}', 201),
    ],
)
def test_admin_bodies_are_json_whatever_curl_labels_them(
    shop: LiveServer, method: str, path: str, body: bytes, status: int
) -> None:
    response = httpx.request(method, shop.url + path, content=body, headers=FORM)
    assert response.status_code == status, response.text
    httpx.delete(shop.url + "/__mocktui/overrides/getUser")


def test_a_body_that_is_not_json_is_named(shop: LiveServer) -> None:
    response = httpx.patch(shop.url + "/__mocktui/controls", content=b"offline=true", headers=FORM)
    assert response.status_code == 422 and "json" in response.text.lower()


def test_browsers_may_read_the_headers_the_mock_sends(shop: LiveServer) -> None:
    origin = {"Origin": "http://app.test"}
    listed = httpx.get(shop.url + "/api/v1/users?page=1&limit=2", headers=origin)
    exposed = {h.strip() for h in listed.headers["access-control-expose-headers"].split(",")}
    assert {"x-total-count", "link"} <= exposed and "content-type" not in exposed
    created = httpx.post(
        shop.url + "/api/v1/users", json={"firstName": "Ada", "lastName": "L", "email": "ada@l.io"}, headers=origin
    )
    assert created.status_code == 201 and "location" in created.headers["access-control-expose-headers"]
    httpx.patch(shop.url + "/__mocktui/controls", json={"rate_limit": {"enabled": True, "requests": 1000}})
    try:
        limited = httpx.get(shop.url + "/api/v1/users/1", headers=origin)
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
            assert name in limited.headers["access-control-expose-headers"]
    finally:
        httpx.patch(shop.url + "/__mocktui/controls", json={"rate_limit": {"enabled": False}})
    plain = httpx.get(shop.url + "/api/v1/users/1")  # no Origin: not a browser's cross-origin call
    assert "access-control-expose-headers" not in plain.headers


def test_the_journal_keeps_big_bodies_and_verify_counts_them(shop: LiveServer) -> None:
    httpx.post(shop.url + "/__mocktui/reset", json={})
    big = {"firstName": "Big", "lastName": "Body", "email": "big@body.io", "note": "x" * 6000}
    httpx.post(shop.url + "/api/v1/users", json=big)  # a 6 KB body: the old journal cut it at 4 KiB
    verify = httpx.post(shop.url + "/__mocktui/verify", json={"method": "POST", "body": {"email": "big@body.io"}})
    assert verify.status_code == 200 and verify.json()["count"] == 1
    event = httpx.get(shop.url + "/__mocktui/events?limit=1").json()[0]
    assert event["truncated"] == [] and len(event["request_body"]) > 6000


def test_verify_ranges_and_near_misses(shop: LiveServer) -> None:
    httpx.post(shop.url + "/__mocktui/reset", json={})
    for _ in range(3):
        httpx.get(shop.url + "/api/v1/users/1")
    httpx.post(shop.url + "/api/v1/users", json={"firstName": "A", "lastName": "B", "email": "near@miss.io"})

    def verify(**expect: object) -> httpx.Response:
        return httpx.post(shop.url + "/__mocktui/verify", json=expect)

    assert verify(path="/api/v1/users/1", at_least=2, at_most=3).status_code == 200
    assert verify(path="/api/v1/users/1", at_most=2).status_code == 417
    missed = verify(method="POST", path="/api/v1/users", body={"email": "near@mis.io"})
    assert missed.status_code == 417
    closest = missed.json()["near_misses"][0]
    assert closest["method"] == "POST" and closest["why"] == ['body /email is "near@miss.io", not "near@mis.io"']


def test_unmatched_requests_are_listed(shop: LiveServer) -> None:
    httpx.post(shop.url + "/__mocktui/reset", json={})
    httpx.get(shop.url + "/api/v1/nothing-here")
    httpx.get(shop.url + "/api/v1/users/1")
    httpx.request("PURGE", shop.url + "/api/v1/users")
    unmatched = httpx.get(shop.url + "/__mocktui/events/unmatched").json()
    assert [(e["method"], e["path"], e["status"]) for e in unmatched] == [
        ("GET", "/api/v1/nothing-here", 404),
        ("PURGE", "/api/v1/users", 405),
    ]


def test_bodies_over_the_journal_limit_are_cut_and_say_so() -> None:
    from mocktui.engine.events import EventQuery, EventStream, RequestEvent

    journal = EventStream(body_max=10)
    journal.publish(RequestEvent(0.0, "", "POST", "/x", "", 201, 1.0, request_body=b'{"k": "' + b"v" * 20 + b'"}'))
    event = next(iter(journal))
    assert event.request_body == b'{"k": "vvv' and event.truncated == ("request_body",)
    why = EventQuery(body={"k": "v"}).why_not(event)
    assert why == ["body is not JSON (the journal cut this body: raise --journal-body-max)"]


def test_an_override_to_an_undeclared_status_or_example_is_refused_naming_the_declared(shop: LiveServer) -> None:
    status = httpx.put(shop.url + "/__mocktui/overrides/getUser", json={"status": 418})
    assert status.status_code == 422
    assert status.json()["detail"] == "overrides.getUser.status: 418 is not declared; declared: 200, 400, 404"
    example = httpx.patch(shop.url + "/__mocktui/overrides/getProduct", json={"example": "nope"})
    assert example.status_code == 422 and "no example 'nope'; known: " in example.json()["detail"]
    assert "soldOut" in example.json()["detail"]
    assert httpx.get(shop.url + "/__mocktui/overrides").json() == {}  # nothing half-applied
    assert httpx.put(shop.url + "/__mocktui/overrides/getUser", json={"status": 404}).status_code == 200
    assert httpx.get(shop.url + "/api/v1/users/1").status_code == 404
    httpx.delete(shop.url + "/__mocktui/overrides/getUser")


def test_query_parameters_choose_the_answer_as_prefer_does(shop: LiveServer) -> None:
    users = shop.url + "/api/v1/users/1"
    assert httpx.get(users, params={"__code": "404"}).status_code == 404
    forced = httpx.get(users, params={"__code": "404"}, headers={"Prefer": "code=200"})
    assert forced.status_code == 404  # the query wins over the header
    example = httpx.get(shop.url + "/api/v1/products/1", params={"__example": "nope"})
    assert example.status_code == 400 and "known: " in example.json()["detail"]
    one = httpx.get(shop.url + "/api/v1/products/1", params={"__dynamic": "true", "__code": "200"})
    assert one.status_code == 200


def test_the_admin_index_the_banner_points_to(shop: LiveServer) -> None:
    for path in ("/__mocktui", "/__mocktui/"):
        index = httpx.get(shop.url + path)
        assert index.status_code == 200 and index.json()["docs"] == "/__mocktui/docs"
        calls = index.json()["calls"]
        assert "PATCH /__mocktui/overrides/{operation}" in calls and "POST /__mocktui/verify" in calls
        for call in calls:
            if "{" in call:
                continue
            with httpx.stream("GET", shop.url + call.split()[1], timeout=10) as answer:  # the event stream never ends
                assert answer.status_code != 404, call


def test_scenario_switches_and_reset_over_the_admin_api(tmp_path: object) -> None:
    from mocktui.engine.scenarios.runner import ScenarioFiles

    rules = SPECS.parent / "tests" / "data" / "scenarios-shop.yaml"
    with serve(SPECS / "shop.yaml", scenarios=ScenarioFiles(str(rules), None, ("payments",))) as live:
        admin = live.url + "/__mocktui"
        first = httpx.post(live.url + "/api/v1/orders", json={"userId": 1, "items": [{"productId": 1, "quantity": 1}]})
        items = httpx.get(admin + "/scenarios").json()["items"]
        hit = next(item for item in items if item.get("hits"))
        assert first.status_code == 503 and hit["hits"] == 1
        assert httpx.put(admin + "/scenarios/packs/auth", json={"enabled": True}).json()["packs"]["auth"] is True
        assert httpx.put(admin + "/scenarios/packs/nope", json={"enabled": True}).status_code == 404
        order = {"userId": 1, "items": [{"productId": 1, "quantity": 1}]}
        assert httpx.post(live.url + "/api/v1/orders", json=order).status_code != 503  # call 2: the rule is done
        assert httpx.post(admin + "/scenarios/reset").status_code == 204
        assert httpx.post(live.url + "/api/v1/orders", json=order).status_code == 503  # call 1 again


def test_unique_fields_hold_on_every_write_path(shop: LiveServer) -> None:
    store = shop.url + "/__mocktui/store/users"
    first = httpx.post(store, json={"firstName": "Uma", "lastName": "One", "email": "uma@unique.io"}).json()
    second = httpx.post(store, json={"firstName": "Tom", "lastName": "Two", "email": "tom@unique.io"}).json()
    duplicate = {"firstName": "Copy", "lastName": "Cat", "email": first["email"].upper()}  # case-insensitive
    refused = httpx.post(store, json=duplicate)
    assert refused.status_code == 409
    assert refused.json()["detail"] == [
        {"location": "body", "pointer": "/email", "reason": f"a user with email {duplicate['email']!r} already exists"}
    ]
    taken = httpx.put(f"{store}/{second['id']}", json={**second, "email": first["email"]})
    assert taken.status_code == 409
    kept = httpx.put(f"{store}/{first['id']}", json={**first, "lastName": "Renamed"})  # its own email is fine
    assert kept.status_code == 200 and kept.json()["lastName"] == "Renamed"
    over_http = httpx.post(shop.url + "/api/v1/users", json=duplicate)
    assert over_http.status_code == 409  # the HTTP API, as before


async def test_the_control_room_refuses_a_duplicate_and_names_the_field() -> None:
    from mocktui.engine.pipeline import MockEngine
    from mocktui.engine.spec.read import load_spec
    from mocktui.runtime import assemble
    from mocktui.server.runner import bind
    from mocktui.ui.local import LocalBackend

    engine = MockEngine.build(
        load_spec(str(SPECS / "shop.yaml")), controls=Controls(stateful=True), store=MemoryStore(), seed_count=2
    )
    assert engine.state is not None
    engine.state.seed()
    sock = bind("127.0.0.1", 0)
    backend = LocalBackend(assemble(engine, sock))
    try:
        info = await backend.store()
        assert info is not None and info.unique["users"] == ("email",)
        email = (await backend.records("users"))[0]["email"]
        key, errors = await backend.save_record("users", {"firstName": "A", "lastName": "B", "email": email})
        assert key == "" and errors == [f"/email: a user with email {email!r} already exists"]
    finally:
        sock.close()
