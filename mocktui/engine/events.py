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

BODY_MAX = 1024 * 1024  # bytes of each body kept in an event unless --journal-body-max says otherwise


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
    truncated: tuple[str, ...] = ()  # "request_body", "response_body": cut at the journal's body_max
    session: str | None = None  # the client's session (X-Mocktui-Session): its own store and counters
    worker: str = ""  # which process answered: "host/pid", set where workers share one journal
    spec: str | None = None  # which spec answered, when one instance serves several (its name)
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
            "truncated": list(self.truncated),
            "session": self.session,
            "worker": self.worker,
            "spec": self.spec,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestEvent:
        """The event `to_dict` gave (from another process or the admin API)."""
        return cls(
            time=float(data.get("time", 0)),
            client=str(data.get("client", "")),
            method=str(data.get("method", "")),
            path=str(data.get("path", "")),
            query=str(data.get("query", "")),
            status=int(data.get("status", 0)),
            latency_ms=float(data.get("latency_ms", 0)),
            operation=data.get("operation"),
            request_headers=[(str(k), str(v)) for k, v in data.get("request_headers", [])],
            request_body=str(data.get("request_body", "")).encode(),
            response_headers=[(str(k), str(v)) for k, v in data.get("response_headers", [])],
            response_body=str(data.get("response_body", "")).encode(),
            tags=tuple(data.get("tags", ())),
            notes=tuple(data.get("notes", ())),
            scenario=data.get("scenario"),
            truncated=tuple(data.get("truncated", ())),
            session=data.get("session"),
            worker=str(data.get("worker") or ""),
            spec=data.get("spec"),
            id=int(data.get("id", 0)),
        )


Listener = Callable[[RequestEvent], None]


@dataclass(slots=True)
class Notice:
    """Something the mock itself did or could not do (a reload, a broken edit), for the log and TUI."""

    time: float
    level: str  # info | warning | error
    text: str


class EventStream:
    """A bounded journal of request events with synchronous listeners."""

    def __init__(self, maxlen: int = 10_000, body_max: int = BODY_MAX) -> None:
        self._events: deque[RequestEvent] = deque(maxlen=maxlen)
        self.body_max = body_max
        self._listeners: list[Listener] = []
        self._next_id = 1
        self.notices: deque[Notice] = deque(maxlen=200)
        self._notice_listeners: list[Callable[[Notice], None]] = []
        self.stamp: Callable[[RequestEvent], int] | None = None  # a cluster's numbering (ids unique across it)

    def publish(self, event: RequestEvent) -> None:
        """Journal `event`, its bodies cut at `body_max` (and the cut said on the event)."""
        limit = self.body_max
        if len(event.request_body) > limit or len(event.response_body) > limit:
            cut = [name for name in ("request_body", "response_body") if len(getattr(event, name)) > limit]
            event.request_body, event.response_body = event.request_body[:limit], event.response_body[:limit]
            event.truncated = tuple(cut)
        if event.id:  # already numbered by the cluster's journal (a mirror of it): keep its number
            self._next_id = max(self._next_id, event.id + 1)
        elif self.stamp is not None:
            event.id = self.stamp(event)
        else:
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

    @property
    def listening(self) -> bool:
        """Whether anyone hears new events (else a producer may skip making them)."""
        return bool(self._listeners)

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
    session: str | None = None  # only this session's requests

    def matches(self, event: RequestEvent) -> bool:
        return not self.why_not(event)

    def why_not(self, event: RequestEvent) -> list[str]:
        """Each criterion `event` misses, in words (for verify's near misses); empty when it matches."""
        out = []
        if self.method and event.method != self.method.upper():
            out.append(f"method {event.method}, not {self.method.upper()}")
        if self.path and not fnmatch.fnmatchcase(event.path, self.path):
            out.append(f"path {event.path}, not {self.path}")
        if self.status and not _status_matches(event.status, self.status):
            out.append(f"status {event.status}, not {self.status}")
        if self.operation and event.operation != self.operation:
            out.append(f"operation {event.operation}, not {self.operation}")
        if self.session is not None and event.session != self.session:
            out.append(f"session {event.session}, not {self.session}")
        if self.since and event.time < self.since:
            out.append(f"at {event.time:.3f}, before {self.since:.3f}")
        if self.body is not None:
            difference = _body_difference(event.request_body, self.body)
            if difference is not None:
                cut = "request_body" in event.truncated
                out.append(difference + (" (the journal cut this body: raise --journal-body-max)" if cut else ""))
        return out


def _status_matches(value: int, wanted: str) -> bool:
    wanted = wanted.lower()
    if len(wanted) == 3 and wanted.endswith("xx"):
        return str(value)[0] == wanted[0]
    return str(value) == wanted


def _body_difference(raw: bytes, wanted: Any) -> str | None:
    """Where the request body differs from `wanted` (a subset of its JSON, or text it holds), or None."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        if isinstance(wanted, str) and wanted in raw.decode("utf-8", "replace"):
            return None
        return "body is not JSON" if not isinstance(wanted, str) else f"body does not contain {wanted!r}"
    return _difference(body, wanted, "")


def _difference(value: Any, wanted: Any, pointer: str) -> str | None:
    if isinstance(wanted, dict):
        if not isinstance(value, dict):
            return f"body {pointer or '/'} is not an object"
        for key, inner in wanted.items():
            if key not in value:
                return f"body {pointer}/{key} is missing"
            found = _difference(value[key], inner, f"{pointer}/{key}")
            if found is not None:
                return found
        return None
    if value != wanted or type(value) is bool and type(wanted) is not bool:
        return f"body {pointer or '/'} is {_short(value)}, not {_short(wanted)}"
    return None


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 60 else text[:57] + "..."
