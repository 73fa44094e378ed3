"""Injected behaviour: latency, failures, chaos and rate limits, drawn per request.

Everything here reads the live `Controls` (and an operation's `Override`) on each call, so a
change applies to the very next request. The random source is its own `random.Random`, seeded
by `--chaos-seed`: the sequence of delays and faults is reproducible and independent of the
data generator's.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from mocktui.engine.steer.controls import Controls, Delay, Override, RateLimit
from mocktui.engine.steer.counters import Counters

LONGTAIL_SHAPE = 1.2  # Pareto shape for "longtail": most requests fast, a few very slow


@dataclass(slots=True)
class Limit:
    """A rate-limit verdict: the headers every response carries, and whether this one is refused."""

    allowed: bool
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> list[tuple[str, str]]:
        out = [
            ("x-ratelimit-limit", str(self.limit)),
            ("x-ratelimit-remaining", str(self.remaining)),
            ("x-ratelimit-reset", str(self.reset_s)),
        ]
        if not self.allowed:
            out.append(("retry-after", str(max(self.reset_s, 1))))
        return out


class MemoryLimiter:
    """Fixed windows per key in this process."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window index, count)
        self._lock = threading.Lock()

    def hit(self, key: str, rule: RateLimit) -> Limit:
        now = time.time()
        index = int(now // rule.window_s)
        with self._lock:
            window, count = self._windows.get(key, (index, 0))
            if window != index:
                count = 0
            count += 1
            self._windows[key] = (index, count)
            if len(self._windows) > 100_000:  # forget old windows; keys are client-controlled
                self._windows = {k: v for k, v in self._windows.items() if v[0] == index}
        reset = math.ceil((index + 1) * rule.window_s - now)
        return Limit(count <= rule.requests, rule.requests, max(rule.requests - count, 0), reset)

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


class CountingLimiter:
    """Fixed windows kept in `Counters` (a cluster's: every process counts the same windows)."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters

    def hit(self, key: str, rule: RateLimit) -> Limit:
        now = time.time()
        index = int(now // rule.window_s)
        count = self.counters.incr(f"rl:{key}:{index}", 1, rule.window_s * 2)
        reset = math.ceil((index + 1) * rule.window_s - now)
        return Limit(count <= rule.requests, rule.requests, max(rule.requests - count, 0), reset)

    def reset(self) -> None:
        self.counters.reset()


class Limiter(Protocol):
    """Counts hits per key in fixed windows; a store shared by processes brings its own."""

    def hit(self, key: str, rule: RateLimit) -> Limit: ...

    def reset(self) -> None: ...


class Behaviour:
    """Draws delays, injected statuses and chaos faults for one engine."""

    def __init__(self, controls: Controls, limiter: Limiter | None = None) -> None:
        self.controls = controls
        self.limiter: Limiter = limiter or MemoryLimiter()
        self.rng = random.Random(controls.chaos_seed)

    def reseed(self, seed: int | None) -> None:
        self.rng = random.Random(seed)

    def delay_ms(self, override: Override | None) -> float:
        total = self._draw(self.controls.delay)
        if override is not None and override.delay is not None:
            total += self._draw(override.delay)
        return total

    def _draw(self, delay: Delay) -> float:
        if not delay.active:
            return 0.0
        lo, hi = delay.min_ms, delay.max_ms
        if delay.distribution == "normal":  # centred in the range, 99.7% inside it
            value = self.rng.gauss((lo + hi) / 2, (hi - lo) / 6 or 1)
        elif delay.distribution == "longtail":
            value = lo + (hi - lo) * min((self.rng.paretovariate(LONGTAIL_SHAPE) - 1) / 9, 1.0)
        else:
            value = self.rng.uniform(lo, hi)
        return min(max(value, lo), hi)

    def injected_status(self, override: Override | None) -> int | None:
        """A status from the failure mix, `error_rate` percent of the time."""
        faults = self.controls.faults
        rate = override.error_rate if override is not None and override.error_rate is not None else faults.error_rate
        if rate <= 0 or self.rng.random() * 100 >= rate:
            return None
        statuses = list(faults.mix)
        return self.rng.choices(statuses, weights=[faults.mix[s] for s in statuses])[0]

    def chaos(self, override: Override | None = None) -> str | None:
        """reset, hang, truncate or drip, each its percent of the time (the route's own mix if it has one)."""
        chaos = override.chaos if override is not None and override.chaos is not None else self.controls.faults.chaos
        for kind, percent in chaos.items():
            if percent > 0 and self.rng.random() * 100 < percent:
                return kind
        return None

    def limit(
        self,
        override: Override | None,
        operation: str | None,
        client: str,
        headers: dict[str, str],
        session: str | None = None,
    ) -> Limit | None:
        """The rate-limit verdict for this request; a client session counts in windows of its own."""
        rule = override.rate_limit if override is not None and override.rate_limit is not None else None
        scope = operation if rule is not None else "*"
        rule = rule or self.controls.rate_limit
        if not rule.enabled:
            return None
        if rule.key == "client-id":
            who = headers.get("x-client-id") or client
        elif rule.key == "api-key":
            who = headers.get("x-api-key") or headers.get("authorization") or client
        else:
            who = client.rsplit(":", 1)[0] if client else "-"
        key = f"{scope}|{rule.key}|{who}" if session is None else f"{scope}|{rule.key}|{who}|session:{session}"
        return self.limiter.hit(key, rule)
