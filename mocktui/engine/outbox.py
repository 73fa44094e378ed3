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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mocktui.engine.beside import Beside
from mocktui.engine.events import RequestEvent

RECENT = 500  # deliveries remembered for the admin API and the Webhooks pane
SINK_TAG = "sink"  # a request the built-in receiver got, journaled
OWN_TAGS = ("webhook", "callback")  # a delivery attempt, journaled
SINK_PATH = "/__mocktui/sink/"
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

    def to_message(self) -> dict[str, Any]:
        """As JSON, for another process to deliver (only what the admin API and the control room give)."""
        message: dict[str, Any] = {"key": self.key, "source": self.source, "targets": list(self.targets)}
        if self.body is not NO_BODY:
            message["body"] = self.body
        if self.delay_ms is not None:
            message["delay_ms"] = list(self.delay_ms)
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Fire:
        delay = message.get("delay_ms")
        return cls(str(message["key"]), str(message.get("source", "admin")), tuple(message.get("targets", ())),
                   message.get("body", NO_BODY),
                   delay_ms=(float(delay[0]), float(delay[1])) if delay else None)  # fmt: skip


@dataclass(slots=True)
class Sink:
    """How a named receiver answers (a status, or never). What it received is in the journal (events
    tagged `sink`), so every process of the mock lists the same."""

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

    def sink_document(self) -> dict[str, dict[str, Any]]:
        """How each sink answers, for every process to answer alike."""
        return {name: {"status": sink.status, "hang": sink.hang} for name, sink in self.sinks.items()}

    def restore_sinks(self, document: dict[str, dict[str, Any]]) -> None:
        self.sinks = {str(k): Sink(int(v.get("status", 200)), bool(v.get("hang"))) for k, v in document.items()}

    def record(self, delivery: dict[str, Any]) -> None:
        self.deliveries.append(delivery)

    def sink(self, name: str) -> Sink:
        found = self.sinks.get(name)
        if found is None:
            found = self.sinks[name] = Sink()
        return found


def is_delivery(event: RequestEvent) -> bool:
    """Whether a journal event is a webhook or callback attempt the mock sent (not a request it answered)."""
    return bool(event.tags) and event.tags[0] in OWN_TAGS


def delivery_of(event: RequestEvent) -> dict[str, Any]:
    """The journal event of one delivery attempt as the Webhooks pane and `GET /webhooks` list it."""
    tags, said = event.tags, dict(n.split(" ", 1) for n in event.notes if " " in n)
    outcome = "failed" if "failed" in tags else ("retrying" if "retry" in tags else "delivered")
    attempt = said.get("attempt", "0").split(" ")[0]
    return {"hook": event.operation, "kind": tags[0], "url": event.path, "status": event.status,
            "attempt": int(attempt) if attempt.isdigit() else 0, "latency_ms": round(event.latency_ms, 3),
            "outcome": outcome, "trigger": int(said.get("trigger", "0") or 0), "time": event.time,
            "notes": list(event.notes)}  # fmt: skip


def sink_event(name: str, method: str, headers: list[tuple[str, str]], body: bytes, status: int) -> RequestEvent:
    """What sink `name` received, as the journal event that keeps it."""
    return RequestEvent(time=time.time(), client="sink", method=method, path=f"{SINK_PATH}{name}", query="",
                        status=status, latency_ms=0.0, operation=None, request_headers=headers, request_body=body,
                        tags=(SINK_TAG,))  # fmt: skip


def sink_entry(event: RequestEvent) -> dict[str, Any]:
    return {"method": event.method, "headers": event.request_headers,
            "body": event.request_body.decode("utf-8", "replace"), "time": event.time}  # fmt: skip


outbox_of = Beside(Outbox)  # the engine's outbox, made on first use
