"""Security schemes over HTTP: OR between requirements, AND inside one, opt-outs, challenges."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.steer.controls import Controls

from ...helpers import ROOT, serve

SPEC = ROOT / "tests" / "data" / "secure.yaml"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with serve(SPEC) as live, httpx.Client(base_url=live.url) as c:
        yield c


def test_security_empty_list_opts_out(client: httpx.Client) -> None:
    assert client.get("/public").status_code == 200


def test_global_bearer_with_challenge(client: httpx.Client) -> None:
    r = client.get("/me")
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="mocktui"'
    assert client.get("/me", headers={"Authorization": "Bearer abc"}).status_code == 200
    assert client.get("/me", headers={"Authorization": "Bearer"}).status_code == 401
    assert client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


def test_alternatives_are_or(client: httpx.Client) -> None:
    assert client.get("/either", headers={"X-Key": "k"}).status_code == 200
    assert client.get("/either", auth=("user", "pass")).status_code == 200
    assert client.get("/either", headers={"Authorization": "Basic !!notbase64"}).status_code == 401
    assert client.get("/either").status_code == 401


def test_schemes_in_one_requirement_are_and(client: httpx.Client) -> None:
    assert client.get("/both", headers={"X-Key": "k"}).status_code == 401
    assert client.get("/both", headers={"X-Key": "k", "Cookie": "sid=s1"}).status_code == 200


def test_query_key_and_oauth_bearer(client: httpx.Client) -> None:
    assert client.get("/query?api_key=k").status_code == 200
    assert client.get("/query", headers={"Authorization": "Bearer t"}).status_code == 200
    r = client.get("/query")
    assert r.status_code == 401 and "queryKey or oauth" in r.json()["detail"]


def test_no_security_switch_and_api_key_guard() -> None:
    with serve(SPEC, controls=Controls(security=False, api_key="s3cret")) as live:
        assert httpx.get(live.url + "/me").status_code == 401  # the guard still applies
        assert httpx.get(live.url + "/me", headers={"X-API-Key": "s3cret"}).status_code == 200
        assert httpx.get(live.url + "/public", headers={"X-API-Key": "wrong"}).status_code == 401
