"""The event stream: one structured event per request, kept in a ring buffer.

Producers append; consumers (headless logger, TUI bridge, admin journal)
either read the buffer or subscribe a callback. Appending is O(1) and does no
formatting, so an unobserved stream costs almost nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
        }


Listener = Callable[[RequestEvent], None]


class EventStream:
    """A bounded journal of request events with synchronous listeners."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._events: deque[RequestEvent] = deque(maxlen=maxlen)
        self._listeners: list[Listener] = []
        self._next_id = 1

    def publish(self, event: RequestEvent) -> None:
        event.id = self._next_id
        self._next_id += 1
        self._events.append(event)
        for listener in self._listeners:
            listener(event)

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
