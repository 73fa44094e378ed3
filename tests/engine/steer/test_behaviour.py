"""Steering the mock live: delays, failures, chaos, rate limits, overrides, offline."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.http import MockRequest
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.behaviour import Behaviour
from mocktui.engine.steer.controls import ControlError, Controls, Delay

from ...helpers import SPECS, LiveServer, serve

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


def test_chaos_per_route(server: LiveServer) -> None:
    assert httpx.put(server.url + "/__mocktui/overrides/getPet", json={"chaos": {"reset": 100}}).status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/pets/1")
    assert httpx.get(server.url + "/pets").status_code == 200  # only that route
    assert httpx.put(server.url + "/__mocktui/overrides/getPet", json={"chaos": {"boom": 5}}).status_code == 422
