"""The validating proxy against a real backend process (tests/backend_app.py): 20 planted deviations found,
none on conforming exchanges, the request and answer passed through whole, the modes and the fallback."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ..backend_app import DEVIATIONS, BackendProcess, running
from ..helpers import ROOT
from .processes import MockProcess, mock_process

SPEC = str(ROOT / "tests" / "data" / "backend.yaml")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    with running(tmp_path_factory.mktemp("backend") / "backend.log") as process:
        yield process


@pytest.fixture(scope="module")
def mock(backend: BackendProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    args = [SPEC, "--proxy", backend.url, "--proxy-timeout", "1"]
    with mock_process(args, tmp_path_factory.mktemp("mock")) as process:
        yield process


@pytest.fixture(autouse=True)
def auto_mode(mock: MockProcess) -> Iterator[None]:
    """Each test starts and ends in `--proxy`'s own mode (auto), with no overrides."""
    yield
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "auto"}).raise_for_status()
    for operation in httpx.get(f"{mock.url}/__mocktui/overrides").json():
        httpx.delete(f"{mock.url}/__mocktui/overrides/{operation}").raise_for_status()


def last_event(mock: MockProcess) -> dict[str, Any]:
    events: list[dict[str, Any]] = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 1}).json()
    return events[-1]


def call(mock: MockProcess, method: str, path: str, **options: Any) -> tuple[httpx.Response, dict[str, Any]]:
    response = httpx.request(method, mock.url + path, timeout=10, **options)
    return response, last_event(mock)


CONFORMING = [
    ("GET", "/api/users"),
    ("GET", "/api/users/3"),
    ("GET", "/api/users/1234"),  # the declared 404
    ("POST", "/api/users"),
    ("DELETE", "/api/users/4"),
    ("GET", "/api/orders/o-17"),
    ("GET", "/api/status"),
    ("GET", "/api/report"),
    ("POST", "/api/login"),
    ("GET", "/api/echo?q=1"),
]


def test_all_twenty_planted_deviations_are_found_each_named(mock: MockProcess) -> None:
    assert len(DEVIATIONS) == 20
    missed = {}
    for name, deviation in DEVIATIONS.items():
        response, event = call(
            mock,
            deviation.method,
            deviation.path,
            headers={"X-Deviate": name},
            json={"username": "x"} if deviation.method == "POST" else None,
        )
        assert response.status_code < 500, (name, response.text)
        assert event["path"] == deviation.path and event["status"] == response.status_code
        if "drift" not in event["tags"] or not any(deviation.finding in note for note in event["notes"]):
            missed[name] = event["notes"]
        assert "proxied" in event["tags"]
    assert missed == {}, f"{20 - len(missed)} of 20 found; missed: {missed}"


def test_fifty_conforming_exchanges_have_no_findings(mock: MockProcess) -> None:
    for i in range(50):
        method, path = CONFORMING[i % len(CONFORMING)]
        body = (
            {"json": {"username": f"u{i}", "email": f"u{i}@example.com", "role": "guest"}}
            if path == "/api/users" and method == "POST"
            else {}
        )
        response, event = call(mock, method, path, **body)
        assert response.status_code in (200, 201, 202, 404), (method, path, response.text)
        assert event["tags"] == ["proxied"], (method, path, event["notes"])
        assert event["notes"] == []
    events = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 50}).json()
    assert len(events) == 50 and all(e["tags"] == ["proxied"] for e in events)


def test_the_request_reaches_the_backend_whole_and_the_answer_comes_back_unchanged(
    mock: MockProcess, backend: BackendProcess
) -> None:
    body = bytes(range(256)) * 40
    headers = {
        "X-End-To-End": "yes",
        "Connection": "keep-alive, X-Custom-Hop",
        "X-Custom-Hop": "dropped",
        "Proxy-Authorization": "Basic c2VjcmV0",
        "Content-Type": "application/octet-stream",
    }
    response, event = call(mock, "POST", "/api/echo?b=2&a=%2F1", content=body, headers=headers)
    direct = httpx.post(backend.url + "/api/echo?b=2&a=%2F1", content=body, headers=headers)
    seen = response.json()
    assert seen["raw_path"] == "/api/echo" and seen["query"] == "b=2&a=%2F1" and seen["method"] == "POST"
    assert seen["size"] == len(body) and seen["sha256"] == hashlib.sha256(body).hexdigest()
    sent = {k: v for k, v in seen["headers"]}
    assert sent["host"] == backend.url.removeprefix("http://")
    assert sent["x-end-to-end"] == "yes" and sent["content-type"] == "application/octet-stream"
    assert "x-custom-hop" not in sent and "proxy-authorization" not in sent and "connection" not in sent
    # The answer: the backend's status, headers (less its hop-by-hop ones) and body.
    assert response.status_code == direct.status_code == 200
    assert response.headers["x-end-to-end"] == "kept" and response.headers["server"] == "uvicorn"
    assert "x-hop" not in response.headers and "proxy-authenticate" not in response.headers
    assert direct.headers["x-hop"] == "hop-by-hop"  # the backend did send them
    # The journal has the exchange as a mocked one would be: both sides' headers and bodies.
    assert event["operation"] == "echoPost" and event["tags"] == ["proxied"]
    assert ["x-end-to-end", "yes"] in event["request_headers"]
    assert ["x-end-to-end", "kept"] in event["response_headers"]
    assert event["request_body"] == body.decode("utf-8", "replace")
    assert event["response_body"] == response.text


def test_modes_set_globally_and_per_route(mock: MockProcess) -> None:
    _, event = call(mock, "GET", "/api/users/2")
    assert "proxied" in event["tags"]
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "mock"}).raise_for_status()
    response, event = call(mock, "GET", "/api/users/2")
    assert "proxied" not in event["tags"] and response.status_code == 200
    assert "access-control-allow-origin" in response.headers  # the mock's own answer: the backend sends no CORS
    # One route forwarded while the rest is mocked: the override's mode wins.
    httpx.patch(f"{mock.url}/__mocktui/overrides/getUser", json={"mode": "proxy"}).raise_for_status()
    _, event = call(mock, "GET", "/api/users/2")
    assert "proxied" in event["tags"]
    _, event = call(mock, "GET", "/api/orders/o-1")
    assert "proxied" not in event["tags"]
    # And the other way round: everything forwarded but one route mocked.
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "proxy"}).raise_for_status()
    httpx.put(f"{mock.url}/__mocktui/overrides/getOrder", json={"mode": "mock"}).raise_for_status()
    _, event = call(mock, "GET", "/api/orders/o-1")
    assert "proxied" not in event["tags"]
    _, event = call(mock, "GET", "/api/status")
    assert "proxied" in event["tags"]
    response = httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "sideways"})
    assert response.status_code == 400 or response.status_code == 422


def test_auto_answers_from_the_spec_when_the_backend_answers_503(mock: MockProcess) -> None:
    response, event = call(mock, "GET", "/api/users/5", headers={"X-Deviate": "unavailable"})
    assert response.status_code == 200 and set(response.json()) >= {"id", "username", "email", "role"}
    assert "fallback" in event["tags"] and "proxied" not in event["tags"]
    assert any("the backend answered 503" in note and "answered from the spec" in note for note in event["notes"])


def test_proxy_mode_passes_a_503_through_and_flags_it(mock: MockProcess) -> None:
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "proxy"}).raise_for_status()
    response, event = call(mock, "GET", "/api/users/5", headers={"X-Deviate": "unavailable"})
    assert response.status_code == 503 and response.json() == {"message": "down for maintenance"}
    assert event["tags"] == ["proxied", "drift"]
    assert event["notes"] == ["status 503 not declared; declared: 200, 404"]


def test_a_slow_backend_times_out_into_the_fallback_or_a_504(mock: MockProcess, backend: BackendProcess) -> None:
    response, event = call(mock, "GET", "/api/users/6", headers={"X-Delay": "3"})
    assert response.status_code == 200 and "fallback" in event["tags"]
    assert any("no answer within 1 s (--proxy-timeout)" in note for note in event["notes"])
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "proxy"}).raise_for_status()
    response, event = call(mock, "GET", "/api/users/6", headers={"X-Delay": "3"})
    assert response.status_code == 504
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["backend"] == backend.url and "no answer within 1 s" in problem["detail"]
    assert event["tags"] == ["proxied", "backend-error"] and event["status"] == 504


def test_an_operation_the_spec_does_not_describe_is_forwarded_and_flagged(mock: MockProcess) -> None:
    response, event = call(mock, "GET", "/api/undocumented")
    assert response.status_code == 200 and response.json() == {"hidden": True}
    assert event["tags"] == ["proxied", "drift"] and event["notes"] == ["unknown operation"]
    assert event["operation"] is None
    drift = {entry["operation"]: entry for entry in httpx.get(f"{mock.url}/__mocktui/drift").json()}
    assert drift["GET /api/undocumented (unknown operation)"]["notes"][0]["note"] == "unknown operation"


def test_a_cors_preflight_goes_to_the_backend_without_drift(mock: MockProcess) -> None:
    headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    response, event = call(mock, "OPTIONS", "/api/users", headers=headers)
    assert response.status_code == 405  # the backend's own answer (it has no CORS), not the mock's 204
    assert event["tags"] == ["proxied", "cors"] and event["notes"] == []


def test_docs_go_to_the_backend_while_it_is_proxied_and_to_the_mock_docs_otherwise(mock: MockProcess) -> None:
    response, event = call(mock, "GET", "/docs")
    assert "proxied" in event["tags"] and event["path"] == "/docs"  # the backend's /docs, whatever it answers
    assert "swagger-ui-bundle.js" not in response.text
    httpx.patch(f"{mock.url}/__mocktui/controls", json={"mode": "mock"}).raise_for_status()
    assert "swagger-ui-bundle.js" in httpx.get(mock.url + "/docs").text
