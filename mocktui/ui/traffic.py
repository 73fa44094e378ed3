"""Provides `Traffic`: the recent requests as the control room draws them, kept cheaply.

The app feeds it every request event once, in batches at its refresh tick; the views read it
at most twice a second. `add` does a few list and dict increments per event and keeps nothing
of the event itself: rates, status classes and workers live in one slot per second over the
last minute; each operation's latencies live in a ring of six 10-second histograms with
logarithmic buckets (2 % apart), so p50/p99 over the last minute is a walk over a few dozen
buckets, never a sort of the journal, and memory does not grow with traffic. No Textual here:
tests drive it with a fake clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mocktui.engine.events import RequestEvent
from mocktui.ui.backend import route_of

CLASSES = ("2xx", "3xx", "4xx", "5xx")
SPAN_S = 60  # the sparkline's and the status bar's minute
WORKER_SPAN_S = 5  # a worker counts as up when it answered within this many seconds
SLICE_S, SLICES = 10, 6  # a route's window: the current 10 s and the five before (50-60 s)

_GROWTH = 1.02  # neighbouring latency buckets differ by 2 %: a percentile is within 1 % of the truth
_SCALE = 1 / math.log(_GROWTH)
_FLOOR_MS = 0.01  # latencies up to ~10 µs share the first bucket
_TOP = 1023  # the last bucket: ~1.7 hours and more


@dataclass(frozen=True, slots=True)
class RouteLatency:
    """One operation's recent requests: how many, p50 and p99 latency (ms), and the share of 5xx (%)."""

    count: int
    p50_ms: float
    p99_ms: float
    error_pct: float


@dataclass(frozen=True, slots=True)
class Worker:
    """A process that answered lately: its name (`host/pid`), its host and its requests per second."""

    name: str
    host: str
    rate: float


def bucket_of(latency_ms: float) -> int:
    """The latency bucket of `latency_ms`: bucket b holds [0.01 ms * 1.02**b, 0.01 ms * 1.02**(b+1))."""
    if latency_ms <= _FLOOR_MS * _GROWTH:
        return 0
    return min(int(_SCALE * math.log(latency_ms / _FLOOR_MS)), _TOP)


def bucket_value(bucket: int) -> float:
    """The latency a bucket stands for: its geometric middle (within 1 % of anything in it)."""
    return float(_FLOOR_MS * _GROWTH ** (bucket + 0.5))


def percentiles(buckets: dict[int, int], count: int, wanted: tuple[float, ...]) -> list[float]:
    """Nearest-rank percentiles (ascending `wanted`) over bucket counts totalling `count`."""
    ranks = [max(1, math.ceil(p * count / 100 - 1e-9)) for p in wanted]
    out: list[float] = []
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        while len(out) < len(ranks) and seen >= ranks[len(out)]:
            out.append(bucket_value(bucket))
        if len(out) == len(ranks):
            break
    return out


class LatencyWindow:
    """One operation's requests over the last `SLICES` time slices: latency bucket counts and 5xx, per slice."""

    __slots__ = ("ticks", "hists", "errors")

    def __init__(self) -> None:
        self.ticks = [-1] * SLICES  # which slice (epoch second // SLICE_S) each slot holds
        self.hists: list[dict[int, int]] = [{} for _ in range(SLICES)]
        self.errors = [0] * SLICES

    def stats(self, now: float) -> RouteLatency | None:
        """The window's figures at `now`, or None when it holds no request."""
        current = int(now) // SLICE_S
        merged: dict[int, int] = {}
        errors = 0
        for tick, hist, failed in zip(self.ticks, self.hists, self.errors, strict=True):
            if current - SLICES < tick <= current:
                for bucket, count in hist.items():
                    merged[bucket] = merged.get(bucket, 0) + count
                errors += failed
        count = sum(merged.values())
        if not count:
            return None
        p50, p99 = percentiles(merged, count, (50.0, 99.0))
        return RouteLatency(count, p50, p99, 100.0 * errors / count)

    def expire(self, now: float) -> bool:
        """Drop the slices that left the window by `now`; True when any did (the figures changed)."""
        first = int(now) // SLICE_S - SLICES + 1
        dropped = False
        for i, tick in enumerate(self.ticks):
            if 0 <= tick < first:
                self.ticks[i], self.hists[i], self.errors[i] = -1, {}, 0
                dropped = True
        return dropped


class Traffic:
    """Per-second counts over the last minute (by status class and worker) and per-operation latency windows."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        slots = SPAN_S + 1  # the minute before this second, and this second
        self._seconds = [-1] * slots  # the epoch second each slot holds
        self._classes = [[0, 0, 0, 0] for _ in range(slots)]
        self._workers: list[dict[str, int]] = [{} for _ in range(slots)]
        self._routes: dict[str, LatencyWindow] = {}
        self._changed: set[str] = set()

    def add(self, events: Iterable[RequestEvent]) -> None:
        """Count `events`, in any order; one older than a slot's time counts nowhere for that slot.

        This runs for every request the mock answers, so its per-event work is inlined.
        """
        slots = len(self._seconds)
        seconds, classes, workers, routes, changed = (
            self._seconds, self._classes, self._workers, self._routes, self._changed
        )  # fmt: skip
        log, low, scale = math.log, _FLOOR_MS * _GROWTH, _SCALE
        for event in events:
            status = event.status
            second = int(event.time)
            slot = second % slots
            held = seconds[slot]
            if held < second:
                seconds[slot] = held = second
                classes[slot] = [0, 0, 0, 0]
                if workers[slot]:
                    workers[slot] = {}
            if held == second:
                kind = status // 100 - 2
                classes[slot][0 if kind < 0 else 3 if kind > 3 else kind] += 1
                name = event.worker
                if name:
                    seen = workers[slot]
                    seen[name] = seen.get(name, 0) + 1
            op = route_of(event)
            if op is None:
                continue
            window = routes.get(op)
            if window is None:
                window = routes[op] = LatencyWindow()
            tick = second // SLICE_S
            at = tick % SLICES
            held = window.ticks[at]
            if held < tick:
                window.ticks[at] = held = tick
                window.hists[at] = {}
                window.errors[at] = 0
            if held == tick:
                latency = event.latency_ms
                bucket = 0 if latency <= low else int(scale * log(latency * 100))  # 100 = 1 / _FLOOR_MS
                if bucket > _TOP:
                    bucket = _TOP
                hist = window.hists[at]
                hist[bucket] = hist.get(bucket, 0) + 1
                if status >= 500:
                    window.errors[at] += 1
                changed.add(op)

    def _slot(self, second: int) -> int:
        """The slot holding `second`, or -1 when no request came in it."""
        slot = second % len(self._seconds)
        return slot if self._seconds[slot] == second else -1

    def per_second(self) -> list[int]:
        """Requests in each of the last `SPAN_S` complete seconds, oldest first."""
        now = int(self.clock())
        out = []
        for second in range(now - SPAN_S, now):
            slot = self._slot(second)
            out.append(sum(self._classes[slot]) if slot >= 0 else 0)
        return out

    def classes(self) -> tuple[int, int, int, int]:
        """Requests by status class (2xx, 3xx, 4xx, 5xx) over the last minute, this second included."""
        now = int(self.clock())
        total = [0, 0, 0, 0]
        for second in range(now - SPAN_S + 1, now + 1):
            slot = self._slot(second)
            if slot >= 0:
                for i, count in enumerate(self._classes[slot]):
                    total[i] += count
        return total[0], total[1], total[2], total[3]

    def workers(self) -> list[Worker]:
        """Workers that answered in the last `WORKER_SPAN_S` seconds, by name, with their req/s over them.

        Empty in a single process (its events name no worker).
        """
        now = int(self.clock())
        counts: dict[str, int] = {}
        for second in range(now - WORKER_SPAN_S, now + 1):
            slot = self._slot(second)
            if slot >= 0:
                whole = second < now  # the rate counts whole seconds; this one only says "up"
                for name, count in self._workers[slot].items():
                    counts[name] = counts.get(name, 0) + (count if whole else 0)
        return [Worker(name, name.rpartition("/")[0] or name, counts[name] / WORKER_SPAN_S) for name in sorted(counts)]

    def route(self, operation: str) -> RouteLatency | None:
        """An operation's p50, p99 and 5xx share over the last minute, or None when it had no request."""
        window = self._routes.get(operation)
        return window.stats(self.clock()) if window is not None else None

    def changed_routes(self) -> dict[str, RouteLatency | None]:
        """Operations whose figures changed since the last call (new requests, or old ones aged out)."""
        now = self.clock()
        changed, self._changed = self._changed, set()
        for op, window in self._routes.items():
            if window.expire(now):
                changed.add(op)
        return {op: self._routes[op].stats(now) for op in changed}
