"""Steering the mock live: delays, failures, chaos, rate limits, overrides, offline, admin calls, reload."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import load_spec
from mocktui.engine.steer.behaviour import Behaviour
from mocktui.engine.steer.controls import ControlError, Controls, Delay

from .helpers import SPECS, LiveServer, serve

PETSTORE = SPECS / "petstore.yaml"


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with serve(PETSTORE, faker_seed=1, controls=Controls(chaos_seed=7)) as live:
        yield live


def _patch(server: LiveServer, changes: dict[str, object]) -> httpx.Response:
    return httpx.patch(server.url + "/__mocktui/controls", json=changes)


# -- delays -------------------------------------------------------------------------------


@pytest.mark.parametrize("distribution", ["uniform", "normal", "longtail"])
def test_delay_distributions_stay_in_range_and_have_their_shape(distribution: str) -> None:
    controls = Controls(delay=Delay(100, 300, distribution), chaos_seed=1)
    behaviour = Behaviour(controls)
    draws = [behaviour.delay_ms(None) for _ in range(5000)]
    assert all(100 <= d <= 300 for d in draws)
    mean, median = statistics.fmean(draws), statistics.median(draws)
    # 5,000 draws: the standard error of a mean is < 1 ms here, so 5 ms tolerances are ~5 sigma.
    if distribution == "uniform":
        assert abs(mean - 200) < 5 and abs(statistics.pstdev(draws) - 200 / 12**0.5) < 5
    elif distribution == "normal":
        assert abs(mean - 200) < 5 and abs(statistics.pstdev(draws) - 200 / 6) < 5
    else:  # long tail: most requests fast, a few slow
        assert median < 140 and mean > median + 10 and max(draws) > 280


def test_same_chaos_seed_same_sequence() -> None:
    controls = Controls(delay=Delay(0, 1000), chaos_seed=42)
    controls.faults.error_rate = 30
    first, second = Behaviour(controls), Behaviour(controls)
    assert [first.delay_ms(None) for _ in range(50)] == [second.delay_ms(None) for _ in range(50)]
    assert [first.injected_status(None) for _ in range(200)] == [second.injected_status(None) for _ in range(200)]


def test_delays_apply_to_the_next_request_and_never_block_others(server: LiveServer) -> None:
    assert _patch(server, {"delay": {"min_ms": 300, "max_ms": 300}}).status_code == 200

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            responses = await asyncio.gather(*(client.get("/pets") for _ in range(10)))
        return [r.status_code for r in responses]

    started = time.perf_counter()
    statuses = asyncio.run(burst())
    took = time.perf_counter() - started
    assert statuses == [200] * 10
    assert 0.3 <= took < 1.5  # ten 300 ms delays side by side, not one after another (3 s)
    _patch(server, {"delay": {"min_ms": 0, "max_ms": 0}})
    started = time.perf_counter()
    httpx.get(server.url + "/pets")
    assert time.perf_counter() - started < 0.25


# -- failures -----------------------------------------------------------------------------


def test_error_rate_and_mix_statistics() -> None:
    engine = MockEngine.build(load_spec(str(PETSTORE)), controls=Controls(chaos_seed=3))
    engine.controls.update({"faults": {"error_rate": 20, "mix": {"503": 3, "500": 1}}})
    request = MockRequest("GET", "/pets", client="127.0.0.1:1")
    statuses = Counter(engine.handle(request).status for _ in range(4000))
    failed = statuses[500] + statuses[503]
    assert set(statuses) == {200, 500, 503}
    # Binomial(4000, 0.2): sd = 25 requests, so +-100 is 4 sd; of ~800 failures, 3:1 -> 600:200, sd ~12.
    assert abs(failed - 800) < 100
    assert abs(statuses[503] / failed - 0.75) < 0.06


def test_injected_503_has_retry_after_and_is_tagged(server: LiveServer) -> None:
    _patch(server, {"faults": {"error_rate": 100, "mix": {"503": 1}}})
    r = httpx.get(server.url + "/pets")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert "fault" in httpx.get(server.url + "/__mocktui/events?limit=1").json()[0]["tags"]
    _patch(server, {"faults": {"error_rate": 0}})
    assert httpx.get(server.url + "/pets").status_code == 200


def test_chaos_faults_over_a_real_socket(server: LiveServer) -> None:
    _patch(server, {"faults": {"chaos": {"reset": 100}}})
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/pets")
    _patch(server, {"faults": {"chaos": {"truncate": 100}}})
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(server.url + "/pets")
    _patch(server, {"faults": {"chaos": {"hang": 100}}})
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url + "/pets", timeout=0.5)
    _patch(server, {"faults": {"chaos": {"drip": 100}}})
    started = time.perf_counter()
    dripped = httpx.get(server.url + "/pets")
    assert dripped.status_code == 200 and time.perf_counter() - started > 0.2
    _patch(server, {"faults": {"chaos": {}}})
    assert httpx.get(server.url + "/pets").json() == dripped.json()  # the whole body arrived, slowly


# -- rate limits --------------------------------------------------------------------------


def test_rate_limit_headers_429_and_client_keys(server: LiveServer) -> None:
    _patch(server, {"rate_limit": {"enabled": True, "requests": 3, "window_s": 60, "key": "client-id"}})
    alice = [httpx.get(server.url + "/pets", headers={"X-Client-Id": "alice"}) for _ in range(4)]
    assert [r.status_code for r in alice] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in alice] == ["2", "1", "0", "0"]
    assert alice[0].headers["x-ratelimit-limit"] == "3" and 0 < int(alice[3].headers["retry-after"]) <= 60
    assert httpx.get(server.url + "/pets", headers={"X-Client-Id": "bob"}).status_code == 200
    httpx.post(server.url + "/__mocktui/reset", json={"journal": False, "counters": True})
    assert httpx.get(server.url + "/pets", headers={"X-Client-Id": "alice"}).status_code == 200


def test_rate_limit_per_route_override(server: LiveServer) -> None:
    r = httpx.put(server.url + "/__mocktui/overrides/getPet", json={"rate_limit": {"enabled": True, "requests": 1}})
    assert r.status_code == 200
    assert [httpx.get(server.url + "/pets/1").status_code for _ in range(2)] == [200, 429]
    assert httpx.get(server.url + "/pets").status_code == 200  # other routes are not limited


# -- overrides and offline ----------------------------------------------------------------


def test_overrides_force_status_example_and_disable(server: LiveServer) -> None:
    base = server.url + "/__mocktui/overrides/getPet"
    assert httpx.put(base, json={"status": 404}).status_code == 200
    assert httpx.get(server.url + "/pets/1").status_code == 404
    httpx.put(base, json={"status": None, "example": "dog"})
    assert httpx.get(server.url + "/pets/1").json()["name"] == "Rex"  # the "dog" example
    httpx.put(base, json={"example": None, "disabled": 503})
    assert httpx.get(server.url + "/pets/1").status_code == 503
    httpx.put(base, json={"disabled": 404})
    assert httpx.get(server.url + "/pets/1").status_code == 404
    assert httpx.put(base, json={"disabled": 500}).status_code == 422
    assert httpx.put(server.url + "/__mocktui/overrides/nope", json={"status": 404}).status_code == 404
    assert httpx.delete(base).status_code == 204
    assert httpx.get(server.url + "/pets/1").status_code == 200


def test_override_error_rate_and_extra_delay(server: LiveServer) -> None:
    httpx.put(
        server.url + "/__mocktui/overrides/listPets", json={"error_rate": 100, "delay": {"max_ms": 200, "min_ms": 200}}
    )
    started = time.perf_counter()
    assert httpx.get(server.url + "/pets").status_code >= 500
    assert time.perf_counter() - started >= 0.2
    assert httpx.get(server.url + "/pets/1").status_code == 200


def test_offline_and_back_with_one_call(server: LiveServer) -> None:
    _patch(server, {"offline": True})
    assert {httpx.get(server.url + p).status_code for p in ("/pets", "/pets/1", "/nowhere")} == {503}
    assert httpx.get(server.url + "/__mocktui/health").status_code == 200  # the admin API stays up
    _patch(server, {"offline": False})
    assert httpx.get(server.url + "/pets").status_code == 200


def test_bad_control_values_are_refused_whole(server: LiveServer) -> None:
    before = httpx.get(server.url + "/__mocktui/controls").json()
    r = _patch(server, {"offline": True, "delay": {"min_ms": 500, "max_ms": 100}})
    assert r.status_code == 422 and "delay.min_ms" in r.text
    assert httpx.get(server.url + "/__mocktui/controls").json() == before  # nothing half-applied
    with pytest.raises(ControlError, match="faults.error_rate"):
        Controls().update({"faults": {"error_rate": 150}})


# -- admin journal ------------------------------------------------------------------------


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


# -- hot reload -----------------------------------------------------------------------------


def test_reload_under_load_fails_no_request(tmp_path: Path) -> None:
    from mocktui.server.reload import Reloader

    spec_file = tmp_path / "api.yaml"
    spec_file.write_text(PETSTORE.read_text())
    with serve(spec_file) as live:
        reloader = Reloader(live.engine, str(spec_file), interval=0.05)

        async def load_while_editing() -> tuple[list[int], int]:
            statuses: list[int] = []
            async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:

                async def hammer() -> None:
                    for _ in range(60):
                        statuses.append((await client.get("/pets")).status_code)

                async def edit() -> None:
                    await asyncio.sleep(0.05)
                    spec_file.write_text(PETSTORE.read_text().replace("/pets/mine:", "/pets/ours:"))
                    # The reloader runs in this test's loop; the server in its own thread.
                    await reloader.check()

                await asyncio.gather(hammer(), hammer(), edit())
                after = (await client.get("/pets/ours")).status_code
            return statuses, after

        statuses, after = asyncio.run(load_while_editing())
        assert set(statuses) == {200} and len(statuses) == 120
        assert after == 200
        spec_file.write_text("openapi: 3.0.3\npaths: [")  # a broken edit keeps the last good version
        assert asyncio.run(reloader.check()) is False
        assert httpx.get(live.url + "/pets/ours").status_code == 200
        notices = [n.text for n in live.engine.events.notices]
        assert any(n.startswith("reloaded api.yaml") for n in notices)
        assert any("kept the last good spec" in n for n in notices)


def test_rate_limit_is_shared_by_processes_through_redis() -> None:
    import os
    import socket
    import subprocess
    import sys

    from .test_stores import REDIS_URL, require_redis

    require_redis()
    import redis

    url = REDIS_URL.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(url).flushdb()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "mocktui", str(PETSTORE), "--headless", "--port", str(port), "--workers", "2",
               "--store", url, "--rate-limit", "6/60s", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    try:
        for _ in range(200):
            try:
                httpx.get(f"http://127.0.0.1:{port}/__mocktui/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        # A fresh connection per request, so that both workers answer some of them.
        responses = [httpx.get(f"http://127.0.0.1:{port}/pets", headers={"Connection": "close"}) for _ in range(10)]
    finally:
        proc.terminate()
        proc.wait(10)
    assert [r.status_code for r in responses] == [200] * 6 + [429] * 4
    assert [r.headers["x-ratelimit-remaining"] for r in responses[:6]] == ["5", "4", "3", "2", "1", "0"]


def test_scenarios_from_the_cli_settings_and_live_pack_switch(tmp_path: Path) -> None:
    from mocktui.runtime import StartError, build_engine

    from .test_config import options

    spec = load_spec(str(SPECS / "payments.yaml"))
    engine = build_engine(spec, options([str(SPECS / "payments.yaml"), "--scenarios", "payments"]))
    live = LiveServer(engine)
    live.start()
    try:
        card = {
            "amount": 20,
            "currency": "USD",
            "card": {"number": "4000000000000002", "expMonth": 1, "expYear": 2031, "cvc": "123"},
        }
        declined = httpx.post(live.url + "/v1/payments", json=card, headers={"Authorization": "Bearer t"})
        assert declined.status_code == 402 and declined.json()["error"]["code"] == "card_declined"
        event = httpx.get(live.url + "/__mocktui/events?limit=1").json()[0]
        assert event["scenario"] == "payments: declined card" and "scenario" in event["tags"]
        packs = httpx.get(live.url + "/__mocktui/scenarios").json()["packs"]
        assert packs["payments"]["enabled"] and not packs["auth"]["enabled"]  # only the named pack
        httpx.patch(live.url + "/__mocktui/controls", json={"packs": {"payments": False}})
        assert (
            httpx.post(live.url + "/v1/payments", json=card, headers={"Authorization": "Bearer t"}).status_code == 200
        )
    finally:
        live.stop()
    rules = tmp_path / "rules.yaml"
    rules.write_text("- when: {operation: createPaymnt}\n  then: {status: 500}\n")
    with pytest.raises(StartError, match=r"rules.yaml:1: rule 1.*unknown operationId 'createPaymnt'"):
        build_engine(spec, options([str(SPECS / "payments.yaml"), "--scenarios", str(rules)]))


def test_chaos_per_route(server: LiveServer) -> None:
    assert httpx.put(server.url + "/__mocktui/overrides/getPet", json={"chaos": {"reset": 100}}).status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/pets/1")
    assert httpx.get(server.url + "/pets").status_code == 200  # only that route
    assert httpx.put(server.url + "/__mocktui/overrides/getPet", json={"chaos": {"boom": 5}}).status_code == 422
