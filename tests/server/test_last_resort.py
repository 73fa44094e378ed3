"""Whatever goes wrong inside the engine, the client gets a problem+json 500 naming it, the traceback is
logged, a notice is published, and the server keeps serving."""

from __future__ import annotations

import logging

import httpx
import pytest

from mocktui.engine.http import MockRequest, MockResponse

from ..helpers import SPECS, serve


def test_an_engine_bug_is_a_named_500_and_a_logged_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with serve(SPECS / "petstore.yaml") as live:
        notices: list[str] = []
        live.engine.events.subscribe_notices(lambda n: notices.append(n.text))
        real = live.engine.handle

        def broken(request: MockRequest) -> MockResponse:
            if request.path == "/pets/13":
                raise KeyError("boom")
            return real(request)

        monkeypatch.setattr(live.engine, "handle", broken)
        with caplog.at_level(logging.ERROR, logger="mocktui.server"):
            crashed = httpx.get(live.url + "/pets/13")
        assert crashed.status_code == 500 and crashed.headers["content-type"] == "application/problem+json"
        assert crashed.json()["detail"] == "mocktui failed: KeyError: 'boom'"
        assert any(r.exc_info and "KeyError" in str(r.exc_info[1].__class__) for r in caplog.records)
        assert notices == ["GET /pets/13: KeyError: 'boom'"]
        assert httpx.get(live.url + "/pets/1").status_code == 200  # still serving
        event = httpx.get(live.url + "/__mocktui/events?status=500").json()[0]
        assert event["tags"] == ["crash"]
