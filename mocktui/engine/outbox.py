"""The outbox: what the mock wants to send (callbacks, webhooks) and who listens, without sending it.

The engine does no I/O. Triggers (the admin API, a scenario's `then: {webhook: ...}`, store events,
schedules) become `Fire` intents handed to the outbox; the server layer's deliverer
(`server/webhooks.py`) is its consumer and does the HTTP. Subscriptions live here so the service
can change them and the cluster's steering document can carry them to every process; the sink
(`/__mocktui/sink/{name}`), a receiver built into the mock, keeps what it was sent here too.

One outbox per engine (`outbox_of`), kept beside it rather than on it so the pipeline stays unaware.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RECENT = 500  # deliveries remembered for the admin API and the Webhooks pane
SINK_KEEP = 1000  # requests each sink keeps
NO_BODY: Any = object()  # a Fire without a body of its own: the hook's example or a generated one


@dataclass(slots=True)
class Fire:
    """An intent to send one hook: `key` is a webhook's name or a callback's `operation.name`."""

    key: str
    source: str  # admin | scenario | store | schedule | exchange
    targets: tuple[str, ...] = ()  # URLs; empty: the webhook's subscriptions, or the callback's expression
    body: Any = NO_BODY
    delay_ms: tuple[float, float] | None = None
    trigger: int = 0  # the journal event that caused it (0: none)
    values: dict[str, Any] = field(default_factory=dict)  # fields the payload reuses (a stored record)
    exchange: Any = None  # the `expressions.Exchange` a callback's URL is read from


@dataclass(slots=True)
class SinkEntry:
    method: str
    headers: list[tuple[str, str]]
    body: bytes
    time: float

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "headers": self.headers, "body": self.body.decode("utf-8", "replace"),
                "time": self.time}  # fmt: skip


@dataclass(slots=True)
class Sink:
    """A named receiver: what it got (bounded) and how it answers (a status, or never)."""

    received: deque[SinkEntry] = field(default_factory=lambda: deque(maxlen=SINK_KEEP))
    status: int = 200
    hang: bool = False


class Outbox:
    """Subscriptions by webhook name, the deliveries made, the consumers of intents, the sinks."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, list[str]] = {}
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self.sinks: dict[str, Sink] = {}
        self._consumers: list[Callable[[Fire], None]] = []

    @property
    def delivering(self) -> bool:
        """Whether anything sends what is fired (no deliverer: a process that does not serve)."""
        return bool(self._consumers)

    def attach(self, consumer: Callable[[Fire], None]) -> Callable[[], None]:
        self._consumers.append(consumer)
        return lambda: self._consumers.remove(consumer)

    def fire(self, intent: Fire) -> bool:
        """Hand `intent` to the deliverer; False when there is none."""
        for consumer in self._consumers:
            consumer(intent)
        return bool(self._consumers)

    def subscribe(self, key: str, url: str) -> bool:
        """Add `url` to the webhook's subscriptions; False when it was there already."""
        urls = self.subscriptions.setdefault(key, [])
        if url in urls:
            return False
        urls.append(url)
        return True

    def unsubscribe(self, key: str, url: str) -> bool:
        urls = self.subscriptions.get(key, [])
        if url not in urls:
            return False
        urls.remove(url)
        if not urls:
            del self.subscriptions[key]
        return True

    def document(self) -> dict[str, list[str]]:
        return {key: list(urls) for key, urls in self.subscriptions.items()}

    def restore(self, document: dict[str, list[str]]) -> None:
        """Become another process's `document()` (what the cluster says)."""
        self.subscriptions = {str(k): [str(u) for u in v] for k, v in document.items() if v}

    def record(self, delivery: dict[str, Any]) -> None:
        self.deliveries.append(delivery)

    def sink(self, name: str) -> Sink:
        found = self.sinks.get(name)
        if found is None:
            found = self.sinks[name] = Sink()
        return found

    def receive(self, name: str, method: str, headers: list[tuple[str, str]], body: bytes) -> Sink:
        sink = self.sink(name)
        sink.received.append(SinkEntry(method, headers, body, time.time()))
        return sink


_OUTBOXES: weakref.WeakKeyDictionary[Any, Outbox] = weakref.WeakKeyDictionary()


def outbox_of(engine: object) -> Outbox:
    """The engine's outbox, made on first use."""
    found = _OUTBOXES.get(engine)
    if found is None:
        found = _OUTBOXES[engine] = Outbox()
    return found
