"""The control room is up while a big store is seeded: a progress bar under the header follows the
seeding thread, the mock answers 503 meanwhile, and the store pane fills once the seed is done."""

from __future__ import annotations

import time

import httpx
from textual.widgets import DataTable, ProgressBar

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import build
from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend

from ..engine.stateful.support import BASE, SHOP
from .harness import open_store

PER = 15_000  # 45,000 records: a couple of seconds to watch


async def test_progress_bar_while_seeding_then_the_store_pane_loads() -> None:
    settings = Settings(spec=str(SHOP), stateful=True, seed=PER, faker_seed=5)
    sock = bind("127.0.0.1", 0)
    runtime = build(load_spec(str(SHOP)), settings, sock)
    app = MocktuiApp(LocalBackend(runtime))
    try:
        async with app.run_test(size=(120, 30)) as pilot, httpx.AsyncClient(base_url=runtime.url) as client:
            bar = app.seeding_bar
            assert bar.active and bar.display and bar.region.height == 1  # drawn, before the seed is done
            assert runtime.seeding is not None and runtime.seeding.busy
            assert app.store_pane.disabled and app.store_pane.info is None
            assert app.header.state.mode == "stateful, seeding"
            assert (await client.get(f"{BASE}/users/1")).status_code == 503
            progress = app.query_one("#seeding-bar", ProgressBar)
            while runtime.seeding.seeded == 0:  # the first batch written
                await pilot.pause(0.05)
            await pilot.pause(app.tick * 2)
            assert progress.total == 3 * PER and 0 < progress.progress < 3 * PER
            deadline = time.monotonic() + 60
            while bar.active and time.monotonic() < deadline:
                await pilot.pause(0.1)
            assert not bar.active and not bar.display
            await pilot.pause(0.2)
            assert not app.store_pane.disabled
            info = app.store_pane.info
            assert info is not None and info.collections == {"users": PER, "products": PER, "orders": PER}
            assert app.store_info is info and app._writers
            assert app.header.state.mode == "stateful (memory)"
            await open_store(app, pilot)
            assert app.store_pane.query_one("#records", DataTable).row_count > 0
            assert (await client.get(f"{BASE}/users/1")).status_code == 200
            await pilot.pause(0.3)
            assert app.counters.total >= 2  # the 503 and the 200 are in the request log
    finally:
        sock.close()
        runtime.close()


async def test_a_small_seed_is_done_before_the_app_starts() -> None:
    settings = Settings(spec=str(SHOP), stateful=True, seed=10, faker_seed=5)
    sock = bind("127.0.0.1", 0)
    runtime = build(load_spec(str(SHOP)), settings, sock)
    assert runtime.seeding is None
    app = MocktuiApp(LocalBackend(runtime))
    try:
        async with app.run_test(size=(120, 30)):
            assert not app.seeding_bar.active and not app.seeding_bar.display
            assert app.store_info is not None and app.store_info.collections["orders"] == 10
    finally:
        sock.close()
        runtime.close()
