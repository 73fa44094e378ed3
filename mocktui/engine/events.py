"""The event stream: one structured event per request, kept in a ring buffer.

Producers append; consumers (headless logger, TUI bridge, admin journal)
either read the buffer or subscribe a callback. Appending is O(1) and does no
formatting, so an unobserved stream costs almost nothing.
"""

from __future__ import annotations

import fnmatch
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

BODY_LIMIT = 4096  # bytes of each body kept in an event


@dataclass(slots=True)
class RequestEvent:
    time: float
    client: str
    method: str
    path: str
    query: str
    status: int
    latency_ms: float
    operation: str | None = None
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # contract violations found by --validate-responses
    scenario: str | None = None  # the scenario rule or pack case that decided the answer
    id: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "client": self.client,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "latency_ms": round(self.latency_ms, 3),
            "operation": self.operation,
            "request_headers": self.request_headers,
            "request_body": self.request_body.decode("utf-8", "replace"),
            "response_headers": self.response_headers,
            "response_body": self.response_body.decode("utf-8", "replace"),
            "tags": list(self.tags),
            "notes": list(self.notes),
            "scenario": self.scenario,
        }


Listener = Callable[[RequestEvent], None]


@dataclass(slots=True)
class Notice:
    """Something the mock itself did or could not do (a reload, a broken edit), for the log and TUI."""

    time: float
    level: str  # info | warning | error
    text: str


class EventStream:
    """A bounded journal of request events with synchronous listeners."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._events: deque[RequestEvent] = deque(maxlen=maxlen)
        self._listeners: list[Listener] = []
        self._next_id = 1
        self.notices: deque[Notice] = deque(maxlen=200)
        self._notice_listeners: list[Callable[[Notice], None]] = []

    def publish(self, event: RequestEvent) -> None:
        event.id = self._next_id
        self._next_id += 1
        self._events.append(event)
        for listener in self._listeners:
            listener(event)

    def notice(self, level: str, text: str) -> None:
        item = Notice(time.time(), level, text)
        self.notices.append(item)
        for listener in self._notice_listeners:
            listener(item)

    def subscribe_notices(self, listener: Callable[[Notice], None]) -> Callable[[], None]:
        self._notice_listeners.append(listener)
        return lambda: self._notice_listeners.remove(listener)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` for every new event; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def __iter__(self) -> Iterator[RequestEvent]:
        return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def clear(self) -> None:
        self._events.clear()


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which journal events count: every given criterion must hold (the admin API's filters)."""

    method: str | None = None
    path: str | None = None  # a glob: /orders*
    status: str | None = None  # 201, 4xx
    operation: str | None = None
    since: float | None = None  # epoch seconds
    body: Any = None  # JSON fields the request body must contain (a subset match), or text it holds

    def matches(self, event: RequestEvent) -> bool:
        if self.method and event.method != self.method.upper():
            return False
        if self.path and not fnmatch.fnmatchcase(event.path, self.path):
            return False
        if self.status and not _status_matches(event.status, self.status):
            return False
        if self.operation and event.operation != self.operation:
            return False
        if self.since and event.time < self.since:
            return False
        return _body_matches(event.request_body, self.body)


def _status_matches(value: int, wanted: str) -> bool:
    wanted = wanted.lower()
    if len(wanted) == 3 and wanted.endswith("xx"):
        return str(value)[0] == wanted[0]
    return str(value) == wanted


def _body_matches(raw: bytes, wanted: Any) -> bool:
    if wanted is None:
        return True
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return isinstance(wanted, str) and wanted in raw.decode("utf-8", "replace")
    return _contains(body, wanted)


def _contains(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(k in value and _contains(value[k], v) for k, v in wanted.items())
    return bool(value == wanted)
