"""The admin API over a real socket: the journal and verify, the admin token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls

from ..helpers import SPECS, LiveServer, serve

PETSTORE = SPECS / "petstore.yaml"


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with serve(PETSTORE, faker_seed=1, controls=Controls(chaos_seed=7)) as live:
        yield live


def test_journal_filters_and_verify(server: LiveServer) -> None:
    httpx.post(server.url + "/pets", json={"name": "Rex", "photoUrls": []})
    httpx.post(server.url + "/pets", json={"name": "Tom", "photoUrls": []})
    httpx.get(server.url + "/pets/1")
    httpx.get(server.url + "/nowhere")
    admin = server.url + "/__mocktui"
    assert len(httpx.get(admin + "/events", params={"method": "POST"}).json()) == 2
    assert [e["path"] for e in httpx.get(admin + "/events", params={"status": "4xx"}).json()] == ["/nowhere"]
    assert len(httpx.get(admin + "/events", params={"path": "/pets*"}).json()) == 3
    ok = httpx.post(admin + "/verify", json={"method": "POST", "path": "/pets", "count": 2})
    assert ok.status_code == 200 and ok.json()["count"] == 2
    one = httpx.post(admin + "/verify", json={"method": "POST", "body": {"name": "Rex"}, "count": 1})
    assert one.status_code == 200
    wrong = httpx.post(admin + "/verify", json={"method": "POST", "path": "/pets", "count": 3})
    assert wrong.status_code == 417 and wrong.json()["count"] == 2
    httpx.post(admin + "/reset", json={})
    assert httpx.get(admin + "/events").json() == []


def test_admin_token_guards_everything_but_health() -> None:
    from mocktui.server.admin import build_admin
    from mocktui.server.app import MockApp
    from mocktui.server.runner import ServerRunner
    from mocktui.service import MockService

    engine = MockEngine.build(load_spec(str(PETSTORE)))
    live = LiveServer(engine)
    live.runner = ServerRunner(MockApp(engine, build_admin(MockService(engine), "s3cret")), live.sock)
    live.start()
    try:
        admin = live.url + "/__mocktui"
        assert httpx.get(admin + "/controls").status_code == 401
        assert httpx.get(admin + "/controls", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert httpx.get(admin + "/health").status_code == 200
        assert httpx.get(live.url + "/pets").status_code == 200  # the mock itself is not guarded
        docs = httpx.get(admin + "/docs")
        assert docs.status_code == 200 and "/__mocktui/static/swagger-ui-bundle.js" in docs.text
        assert httpx.get(admin + "/static/swagger-ui-bundle.js").status_code == 200  # served here: no CDN
    finally:
        live.stop()
