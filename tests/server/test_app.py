"""The mock over a real socket: routing, response choice, negotiation, CORS, events."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.steer.controls import Controls

from ..helpers import ROOT, LiveServer, serve, validation_errors

FEATURES = ROOT / "tests" / "data" / "features.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with serve(FEATURES, faker_seed=3) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/api/v1") as c:
        yield c


def test_literal_segment_wins_over_template(client: httpx.Client) -> None:
    me = client.get("/users/me")
    other = client.get("/users/someone")
    assert me.status_code == 200 and me.json()["email"] == "me@example.com"
    assert other.status_code == 200 and other.json()["email"] != "me@example.com"


def test_base_path_is_a_prefix_and_optional(server: LiveServer) -> None:
    with_prefix = httpx.get(server.url + "/api/v1/users/me")
    without = httpx.get(server.url + "/users/me")
    assert with_prefix.json() == without.json()


def test_unknown_path_is_404_problem(client: httpx.Client) -> None:
    r = client.get("/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404 and "/nowhere" in r.json()["detail"]


def test_undeclared_method_is_405_with_allow(client: httpx.Client) -> None:
    r = client.put("/users/me")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET"
    assert r.headers["content-type"] == "application/problem+json"
    r = client.patch("/users/42")
    assert r.headers["allow"] == "DELETE, GET"


def test_segment_with_two_parameters(client: httpx.Client) -> None:
    r = client.get("/files/report.txt")
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain"


def test_percent_encoded_slash_stays_inside_parameter(client: httpx.Client) -> None:
    assert client.get("/users/a%2Fb").status_code == 200


def test_lowest_2xx_and_declared_headers(client: httpx.Client) -> None:
    r = client.get("/users")
    assert r.status_code == 200
    assert int(r.headers["x-total-count"]) >= 0
    assert len(r.json()) == 2


def test_response_without_content_has_empty_body(client: httpx.Client) -> None:
    r = client.post("/users")
    assert r.status_code == 201 and r.content == b""
    r = client.delete("/users/1")
    assert r.status_code == 204 and r.content == b""


def test_default_response_is_used_when_no_2xx(client: httpx.Client) -> None:
    r = client.get("/only-default")
    assert r.status_code == 200 and isinstance(r.json()["ok"], bool)


def test_accept_negotiation(client: httpx.Client) -> None:
    xml = client.get("/users", headers={"Accept": "application/xml"})
    assert xml.headers["content-type"] == "application/xml" and xml.text.startswith("<")
    weighted = client.get("/users", headers={"Accept": "application/xml;q=0.5, application/json"})
    assert weighted.headers["content-type"] == "application/json"
    refused = client.get("/users", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert set(refused.json()["available"]) == {"application/json", "application/xml"}


def test_prefer_code_example_dynamic(client: httpx.Client) -> None:
    r = client.get("/users", headers={"Prefer": "code=500"})
    assert r.status_code == 500 and isinstance(r.json()["message"], str)
    r = client.get("/users/x", headers={"Prefer": "example=bob"})
    assert r.json()["firstName"] == "Bob"
    r = client.get("/users/x", headers={"Prefer": "example=carol"})
    assert r.status_code == 400 and "alice" in r.json()["detail"]
    r = client.get("/users/x", headers={"Prefer": "code=418"})
    assert r.status_code == 400
    first = client.get("/users/x", headers={"Prefer": "dynamic=true"}).json()
    second = client.get("/users/x", headers={"Prefer": "dynamic=true"}).json()
    assert first != second


def test_static_responses_are_stable_and_use_examples(client: httpx.Client) -> None:
    first = client.get("/users/x").json()
    assert first == client.get("/users/y").json()
    assert first["firstName"] == "Alice"  # the first named example


def test_generated_bodies_are_schema_valid_and_hide_write_only(server: LiveServer) -> None:
    schema = server.engine.spec.operations[0].responses["200"].content["application/json"].schema
    body = httpx.get(server.url + "/users", headers={"Prefer": "dynamic=true"}).json()
    assert validation_errors(server.engine.spec.bundle(schema), body) == []
    assert all("password" not in user for user in body)


def test_cors_preflight_and_simple_requests(client: httpx.Client) -> None:
    r = client.options("/users/me", headers={"Origin": "http://app.test", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "GET" in r.headers["access-control-allow-methods"]
    r = client.get("/users/me", headers={"Origin": "http://app.test"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_health_endpoints(server: LiveServer) -> None:
    assert httpx.get(server.url + "/__mocktui/health").json()["status"] == "ok"
    assert httpx.get(server.url + "/health").json()["operations"] == 7


def test_every_request_publishes_one_event(server: LiveServer, client: httpx.Client) -> None:
    before = len(server.engine.events)
    client.get("/users/me?verbose=1", headers={"X-Trace": "abc"})
    events = list(server.engine.events)
    assert len(events) == before + 1
    event = events[-1]
    assert (event.method, event.path, event.query, event.status) == ("GET", "/api/v1/users/me", "verbose=1", 200)
    assert event.operation == "getMe" and event.latency_ms > 0
    assert ("x-trace", "abc") in event.request_headers
    assert b"me@example.com" in event.response_body


def test_dynamic_control_applies_to_next_request(server: LiveServer, client: httpx.Client) -> None:
    server.engine.controls.dynamic = True
    try:
        assert client.get("/users/me").json() != client.get("/users/me").json()
    finally:
        server.engine.controls.dynamic = False
    assert client.get("/users/me").json() == client.get("/users/me").json()


def test_faker_seed_reproduces_data_across_runs() -> None:
    bodies = []
    for _ in range(2):
        with serve(FEATURES, faker_seed=11, controls=Controls(dynamic=True)) as live:
            bodies.append([httpx.get(live.url + "/users").json() for _ in range(3)])
    assert bodies[0] == bodies[1]
    with serve(FEATURES, faker_seed=12, controls=Controls(dynamic=True)) as live:
        assert httpx.get(live.url + "/users").json() != bodies[0][0]
