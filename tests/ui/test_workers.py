"""The control room over `--workers 2`: it steers processes it spawned, and its log shows them all."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mocktui.runtime import supervise
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend

from ..helpers import SPECS
from .harness import API, FROZEN, shop_spec, wait_for, workers_socket

FRESH = httpx.Limits(max_keepalive_connections=0)  # a new connection per request: the kernel spreads them


@pytest.mark.parametrize("shared", ["hub", "redis"])
async def test_pressing_o_takes_both_workers_offline_and_the_log_shows_both(shared: str) -> None:
    sock, url, cluster = workers_socket(shared)
    settings = Settings(spec=str(SPECS / "shop.yaml"), workers=2, reload=False, log_level="warning", cluster=cluster)
    runtime = supervise(shop_spec("shop.yaml"), settings, sock, token=None, quiet=True, mirror=True)
    app = MocktuiApp(LocalBackend(runtime), display=FROZEN)
    async with app.run_test() as pilot:
        await wait_for(lambda: len(runtime.service.members()) == 2, pilot, timeout=30)
        async with httpx.AsyncClient(base_url=url, timeout=10, limits=FRESH) as client:
            for _ in range(400):  # fresh connections until both workers have answered some (the kernel picks)
                assert (await client.get(f"{API}/users/1")).status_code == 200
                await asyncio.sleep(0.005)
                if len({event.worker for event in runtime.engine.events}) == 2 and len(runtime.engine.events) >= 40:
                    break
            served = {event.worker for event in runtime.engine.events}
            assert served == {m["worker"] for m in runtime.service.members()}, served
            before = len(runtime.engine.events)

            await pilot.press("o")
            await asyncio.sleep(0.05)  # the plane's promise: applied everywhere within 50 ms
            statuses = []
            for _ in range(40):
                statuses.append((await client.get(f"{API}/users/1")).status_code)
                await asyncio.sleep(0.005)  # both workers idle: either may take the next connection
            assert statuses == [503] * 40

            def offline() -> list[str]:
                return [e.worker for e in list(runtime.engine.events)[before:] if e.status == 503]

            await wait_for(lambda: len(offline()) == 40, pilot)
            assert set(offline()) == served  # both workers answered 503: both obeyed the key

            await pilot.press("o")
            await asyncio.sleep(0.05)
            assert [(await client.get(f"{API}/users/1")).status_code for _ in range(10)] == [200] * 10
        await pilot.press("q")
        await pilot.pause()
    assert all(worker.poll() is not None for worker in runtime.supervisor.workers)  # type: ignore[union-attr]
    sock.close()
