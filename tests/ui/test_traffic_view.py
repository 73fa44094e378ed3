"""The control room sees traffic: req/s and workers in the header, the strip over the log, p50/p99/err% per route.

Real requests to the mock the app serves (as in `harness.running`), with the live clock and latencies.
"""

from __future__ import annotations

import re
import time

from mocktui.engine.events import RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.ui.model import latency_text
from mocktui.ui.requests import Display

from .harness import API, running, shop_engine, wait_for

LIVE = Display(blink=False)  # the real clock, rate and latencies


async def test_header_req_s_and_route_latency_and_errors_after_real_requests() -> None:
    async with running(shop_engine(), size=(120, 40), display=LIVE) as (app, pilot, client):
        for _ in range(20):
            assert (await client.get(f"{API}/users/1")).status_code == 200
        assert await app.replace_override("getUser", {"error_rate": 100})  # every answer a 5xx from the mix
        for _ in range(20):
            assert (await client.get(f"{API}/users/1")).status_code >= 500

        await wait_for(lambda: app.header.state.rate > 0, pilot)
        line = str(app.header.render()).splitlines()[1]
        rate = re.match(r"\s*(\d+\.\d) req/s", line)
        assert rate and float(rate.group(1)) > 0, line
        assert "worker" not in line  # one process: just req/s

        table = app.routes_pane.table
        await wait_for(lambda: str(table.get_cell("getUser", "errors")) == "50%", pilot)
        stats = app.traffic.route("getUser")
        assert stats is not None and stats.count == 40
        assert str(table.get_cell("getUser", "p50")) == latency_text(stats.p50_ms)
        assert str(table.get_cell("getUser", "p99")) == latency_text(stats.p99_ms)
        assert 0 < stats.p50_ms <= stats.p99_ms < 1000
        assert str(table.get_cell("listUsers", "p50")) == "-"  # no request: no figure

        strip = app.requests_pane.traffic
        await wait_for(lambda: strip.bar.counts == (20, 0, 0, 20), pilot)
        assert "2xx 50%" in str(strip.bar.render()) and "5xx 50%" in str(strip.bar.render())
        await wait_for(lambda: sum(strip.sparkline.data or ()) == 40, pilot, timeout=3.0)  # whole seconds only
        assert str(strip.peak.content) == f"max {max(strip.sparkline.data or [0])}"


async def test_header_counts_workers_and_hosts_from_the_journal() -> None:
    engine = shop_engine(stateful=False)
    async with running(engine, size=(120, 40), display=LIVE) as (app, pilot, _client):
        publish_fleet(engine)
        await wait_for(lambda: len(app.header.state.workers) == 3, pilot)
        line = str(app.header.render()).splitlines()[1]
        assert line.lstrip().startswith("3 workers · 2 hosts · "), line
        tooltip = str(app.header.tooltip)
        assert "web-1: " in tooltip and "  web-1/101: " in tooltip and "web-2/201" in tooltip
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert str(app.header.render()).splitlines()[1].startswith("3w/2h "), "narrow: short"


async def test_routes_table_trades_the_operation_column_for_figures_when_narrow() -> None:
    async with running(size=(80, 24), display=LIVE) as (app, pilot, client):
        await client.get(f"{API}/users/1")
        await pilot.press("2")
        table = app.routes_pane.table
        keys = [str(c.key.value) for c in table.ordered_columns]
        assert "operation" not in keys and keys[:6] == ["method", "path", "hits", "last", "p50", "p99"]
        assert "errors" in keys and "override" in keys
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80  # no sideways scrolling
        table.move_cursor(row=table.get_row_index("getUser"))
        await pilot.resize_terminal(120, 40)
        await wait_for(lambda: "operation" in [str(c.key.value) for c in table.ordered_columns], pilot)
        assert str(table.get_cell("getUser", "operation")) == "getUser"
        assert str(table.get_cell("getUser", "hits")) == "1"
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "getUser"


def publish_fleet(engine: MockEngine) -> None:
    """Requests as three workers on two hosts would journal them (one process cannot make them here)."""
    now = time.time()
    for i, worker in enumerate(["web-1/101", "web-1/102", "web-2/201"] * 5):
        engine.events.publish(RequestEvent(now - 1 - i % 3, "", "GET", "/api/v1/users/1", "", 200, 0.5, worker=worker))
