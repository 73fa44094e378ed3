"""Counters that must agree across processes: scenario call counts, failed logins, rate-limit windows.

The engine counts through `Counters`; alone it keeps them here (`LocalCounters`), and a cluster's
composition root hands it counters kept by the hub or by Redis, so `call: 1` fires once per cluster
and a locked account is locked on every worker.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

MAX_KEYS = 100_000  # keys carry client-chosen parts (sessions, usernames): the oldest go first


class Counters(Protocol):
    awaits: bool  # its round trips await (a Redis): the server runs requests through `run_bridged` then

    def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        """The counter's value after adding `by` (0 reads it); `ttl_s`: forget it that long after it was made."""
        ...

    def drop(self, key: str) -> None: ...

    def reset(self) -> None: ...


class LocalCounters:
    """This process's counters: a dict behind a lock."""

    awaits = False

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float | None]] = {}  # key -> (value, expires at)
        self._lock = threading.Lock()

    def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        now = time.monotonic()
        with self._lock:
            value, expires = self._values.get(key, (0, None))
            if expires is not None and expires <= now:
                value, expires = 0, None
            if expires is None and ttl_s is not None:
                expires = now + ttl_s
            value += by
            self._values[key] = (value, expires)
            if len(self._values) > MAX_KEYS:
                self._forget(now)
            return value

    def _forget(self, now: float) -> None:
        live = {k: v for k, v in self._values.items() if v[1] is None or v[1] > now}
        self._values = dict(list(live.items())[-MAX_KEYS // 2 :]) if len(live) > MAX_KEYS // 2 else live

    def drop(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._values.clear()
