"""The traffic model (`mocktui.ui.traffic`) and the chart helpers: rates, classes, workers, p50/p99, err%, expiry."""

from __future__ import annotations

import pytest

from mocktui.engine.events import RequestEvent
from mocktui.ui.charts import bar_cells, share_text
from mocktui.ui.routes import error_text
from mocktui.ui.traffic import SLICES, Traffic, bucket_of, bucket_value, percentiles

T0 = 1_700_000_000.0  # a whole second


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def event(
    at: float, status: int = 200, latency_ms: float = 1.0, op: str | None = "getUser", worker: str = ""
) -> RequestEvent:
    return RequestEvent(at, "", "GET", "/users/1", "", status, latency_ms, operation=op, worker=worker)


def test_per_second_counts_the_last_minute_of_complete_seconds() -> None:
    clock = Clock(T0 + 0.5)
    traffic = Traffic(clock)
    traffic.add([event(T0 - 1 + i / 10) for i in range(10)])  # 10 in the second before
    traffic.add([event(T0 - 30.2), event(T0 - 30.9), event(T0 - 59.5)])  # 2 in second -31, one in -60
    traffic.add([event(T0 + 0.1)] * 4)  # this second: not complete, not drawn yet
    traffic.add([event(T0 - 61.5)])  # older than the minute
    rates = traffic.per_second()
    assert len(rates) == 60
    assert rates[-1] == 10 and rates[-31] == 2 and rates[0] == 1 and sum(rates) == 13
    clock.now = T0 + 1.0
    assert traffic.per_second()[-1] == 4 and traffic.per_second()[-2] == 10


def test_status_classes_over_the_minute_include_this_second() -> None:
    clock = Clock(T0 + 0.2)
    traffic = Traffic(clock)
    statuses = [200, 201, 204, 304, 404, 422, 429, 500, 503, 101, 600]  # 1xx counts as 2xx, 6xx as 5xx
    traffic.add([event(T0 - 10, status) for status in statuses])
    traffic.add([event(T0 + 0.1, 200)])
    assert traffic.classes() == (5, 1, 3, 3)
    clock.now = T0 + 50.5  # the -10 s second falls out at +50
    assert traffic.classes() == (1, 0, 0, 0)
    clock.now = T0 + 61
    assert traffic.classes() == (0, 0, 0, 0)


def test_a_slot_reused_a_minute_later_starts_from_zero() -> None:
    clock = Clock(T0 + 61.5)
    traffic = Traffic(clock)
    traffic.add([event(T0, 500)] * 5)  # slot of T0
    traffic.add([event(T0 + 61, 200)])  # the same slot (61 slots), a minute later
    traffic.add([event(T0, 500)])  # late: older than what the slot holds, counted nowhere
    assert traffic.classes() == (1, 0, 0, 0)
    assert traffic.per_second() == [0] * 60


def test_workers_and_hosts_seen_in_the_last_five_seconds_with_their_rates() -> None:
    clock = Clock(T0 + 0.5)
    traffic = Traffic(clock)
    assert traffic.workers() == []
    traffic.add([event(T0 - 1 - i % 5, worker="web-1/101") for i in range(50)])  # 10/s over 5 s
    traffic.add([event(T0 - 2, worker="web-1/102")] * 5)  # 1/s
    traffic.add([event(T0 - 20, worker="web-2/201")] * 5)  # long gone
    traffic.add([event(T0 + 0.1, worker="web-3/301")])  # just came: up, no whole second yet
    traffic.add([event(T0 - 1)] * 7)  # a single process names no worker
    workers = traffic.workers()
    assert [(w.name, w.host, w.rate) for w in workers] == [
        ("web-1/101", "web-1", 10.0),
        ("web-1/102", "web-1", 1.0),
        ("web-3/301", "web-3", 0.0),
    ]
    clock.now = T0 + 5.5
    assert [w.name for w in traffic.workers()] == ["web-3/301"]


def test_p50_and_p99_of_known_latencies() -> None:
    traffic = Traffic(Clock(T0 + 1))
    traffic.add([event(T0, latency_ms=float(ms)) for ms in range(1, 101)])  # 1..100 ms
    traffic.add([event(T0, latency_ms=0.2, op="listUsers")] * 99 + [event(T0, latency_ms=2500.0, op="listUsers")])
    stats = traffic.route("getUser")
    assert stats is not None and stats.count == 100
    assert stats.p50_ms == pytest.approx(50.0, rel=0.011) and stats.p99_ms == pytest.approx(99.0, rel=0.011)
    tail = traffic.route("listUsers")
    assert tail is not None
    assert tail.p50_ms == pytest.approx(0.2, rel=0.011) and tail.p99_ms == pytest.approx(0.2, rel=0.011)
    traffic.add([event(T0, latency_ms=2500.0, op="listUsers")])  # 2 of 101 now: the 99th is the slow one
    tail = traffic.route("listUsers")
    assert tail is not None and tail.p99_ms == pytest.approx(2500.0, rel=0.011)
    assert traffic.route("nothing") is None


def test_error_percentage_counts_5xx_only() -> None:
    traffic = Traffic(Clock(T0 + 1))
    statuses = [200] * 6 + [404, 429] + [500, 503]
    traffic.add([event(T0, status) for status in statuses])
    stats = traffic.route("getUser")
    assert stats is not None and stats.error_pct == pytest.approx(20.0)


def test_route_window_expires_and_changed_routes_reports_it() -> None:
    clock = Clock(T0 + 5)
    traffic = Traffic(clock)
    traffic.add([event(T0, 500, latency_ms=900.0)] * 3)
    traffic.add([event(T0 + 30, 200, latency_ms=1.0, op="listUsers")])
    changed = traffic.changed_routes()
    assert set(changed) == {"getUser", "listUsers"}
    assert changed["getUser"] is not None and changed["getUser"].error_pct == 100.0
    assert traffic.changed_routes() == {}  # nothing new
    clock.now = T0 + 35
    traffic.add([event(T0 + 35, 200, latency_ms=1.0)])
    mixed = traffic.route("getUser")
    assert mixed is not None and mixed.count == 4 and mixed.error_pct == 75.0
    clock.now = T0 + 10 * SLICES  # the slice of T0 has left the minute; T0 + 35 has not
    changed = traffic.changed_routes()
    assert set(changed) == {"getUser"}
    after = changed["getUser"]
    assert after is not None and after.count == 1 and after.error_pct == 0.0
    assert after.p99_ms == pytest.approx(1.0, rel=0.011)
    clock.now = T0 + 200
    changed = traffic.changed_routes()
    assert changed == {"getUser": None, "listUsers": None}


def test_memory_stays_bounded_under_a_long_run() -> None:
    clock = Clock(T0)
    traffic = Traffic(clock)
    for second in range(600):  # ten minutes at 50 req/s, latencies all over the place
        traffic.add([event(T0 + second + i / 50, 200, latency_ms=0.05 + (i * 37 % 1000)) for i in range(50)])
    clock.now = T0 + 600
    window = traffic._routes["getUser"]
    assert len(window.hists) == SLICES and sum(len(h) for h in window.hists) <= SLICES * 1024
    stats = traffic.route("getUser")
    assert stats is not None and stats.count == 50 * 10 * (SLICES - 1)  # five whole slices; the current is empty
    assert sum(traffic.per_second()) == 50 * 60


def test_buckets_are_within_one_percent() -> None:
    for ms in (0.011, 0.3, 1.0, 7.7, 123.0, 4321.0, 60_000.0):
        assert bucket_value(bucket_of(ms)) == pytest.approx(ms, rel=0.0101)
    assert bucket_of(0.0) == 0 and bucket_of(-1.0) == 0 and bucket_of(1e12) == 1023
    assert percentiles({10: 1, 20: 1}, 2, (50.0, 99.0)) == [bucket_value(10), bucket_value(20)]


def test_bar_cells_and_shares() -> None:
    assert bar_cells([90, 0, 9, 1], 20) == [18, 0, 1, 1]  # a tiny class still shows
    assert sum(bar_cells([1, 1, 1], 10)) == 10 and bar_cells([0, 0], 10) == [0, 0]
    assert sum(bar_cells([1, 1, 1, 1], 2)) == 2  # narrower than the classes: never wider than asked
    assert share_text(0, 10) == "0%" and share_text(1, 1000) == "<1%" and share_text(46, 100) == "46%"
    assert error_text(0) == "0%" and error_text(0.4) == "<1%" and error_text(2.5) == "2.5%"
    assert error_text(50.0) == "50%" and error_text(100.0) == "100%" and error_text(3.0) == "3%"
