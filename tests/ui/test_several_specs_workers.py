"""The control room over several specs and `--workers 2`: its keys steer every spec on every worker it spawned,
its Routes pane lists every spec, and its log shows every worker's requests."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import supervise_many
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend
from mocktui.ui.routes import GROUP

from ..helpers import SPECS
from .harness import FROZEN, wait_for, workers_socket
from .test_workers import FRESH

FILES = (str(SPECS / "users.yaml"), str(SPECS / "shop.yaml"))
ROUTES = {"users": "/users/me", "shop": "/api/v1/users/1"}  # one route of each spec
AUTH = {"authorization": "Bearer t"}


@pytest.mark.parametrize("shared", ["hub", "redis"])
async def test_pressing_o_takes_every_spec_offline_on_both_workers(shared: str) -> None:
    sock, url, cluster = workers_socket(shared)
    settings = Settings(spec=FILES[0], specs=FILES, workers=2, reload=False, log_level="warning", cluster=cluster)
    runtime = supervise_many([load_spec(f) for f in FILES], settings, sock, token=None, quiet=True, mirror=True)
    app = MocktuiApp(LocalBackend(runtime), display=FROZEN)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        keys = [str(row.key.value) for row in app.routes_pane.table.ordered_rows]
        assert GROUP + "users" in keys and GROUP + "shop" in keys
        assert "users:getCurrentUser" in keys and "shop:getUser" in keys
        await wait_for(lambda: len(runtime.service.members()) == 2, pilot, timeout=30)
        workers = {m["worker"] for m in runtime.service.members()}
        async with httpx.AsyncClient(base_url=url, timeout=10, limits=FRESH, headers=AUTH) as client:

            async def answers(count: int) -> list[int]:
                got = []
                for n in range(count):
                    got.append((await client.get(ROUTES["users" if n % 2 else "shop"])).status_code)
                    await asyncio.sleep(0.005)  # both workers idle: either may take the next connection
                return got

            assert await answers(20) == [200] * 20
            before = len(runtime.engine.events)
            await pilot.press("o")
            await asyncio.sleep(0.05)  # the plane's promise: applied everywhere within 50 ms
            assert await answers(80) == [503] * 80

            def offline() -> set[tuple[str | None, str | None]]:
                return {(e.spec, e.worker) for e in list(runtime.engine.events)[before:] if e.status == 503}

            await wait_for(lambda: offline() == {(s, w) for s in ROUTES for w in workers}, pilot, timeout=10)
            await pilot.press("o")
            await asyncio.sleep(0.05)
            assert await answers(10) == [200] * 10
        await pilot.press("q")
        await pilot.pause()
    assert runtime.supervisor is not None and all(w.poll() is not None for w in runtime.supervisor.workers)
    sock.close()
