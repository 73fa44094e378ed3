"""The control plane: what every process serving one mock must agree on, and one process's view of it.

A mock may run as several processes (`--workers N`) on several hosts (`--cluster`, or a shared
Redis store). They agree on one versioned *document* (controls, overrides, pack switches and
rule switches), share one journal and one set of counters. A `Plane` is how one process reaches
them: `SoloPlane` when it is alone, `HubServer`/`HubClient` (cluster/hub.py) for workers of one
supervisor on one host, `RedisPlane` (cluster/redis.py) when a Redis holds it all.

The engine knows nothing of this: the service tells the plane after a change, and the plane
applies what other processes changed to the engine between two requests.

The journal costs a request nothing beyond its own ring: each serving process keeps its events
(numbered by `Stamp`: ids unique across the cluster and ordered by time), a read gathers every
process's ring and merges them, and events travel as they happen only while someone follows
them (the event stream, the control room's log, a recorder).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import Any

from mocktui.cluster.follow import Item, drained, notice_item, replayed_after
from mocktui.engine.changes import changes_of
from mocktui.engine.events import EventStream, Notice, RequestEvent
from mocktui.engine.outbox import outbox_of
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.steer.counters import LocalCounters

Document = dict[str, Any]
FOLLOW_QUEUE = 20_000  # items a slow follower may lag before it is told it lost some
JOURNAL_MAX = 10_000  # events a gathered journal keeps (the newest)
SLOTS = 256  # members an id tells apart
EPOCH = 1_735_689_600  # 2025-01-01: ids in 10 µs ticks since then stay exact in JavaScript (< 2**53) until 2036
TICKS = 100_000  # per second
LOST = "this stream fell behind; some were skipped"


def member_name() -> str:
    """This process in the cluster: "host/pid" (what events and the fleet list call it)."""
    return f"{socket.gethostname()}/{os.getpid()}"


def document(engine: MockEngine) -> Document:
    """Everything steerable, as one JSON-able document."""
    scenarios = engine.scenarios
    rules = [rule.enabled for rule in scenarios.rules] if scenarios is not None else []
    return {"controls": engine.controls.snapshot(), "rules": rules, "sessions": engine.sessions.override_document(),
            "webhooks": outbox_of(engine).document(), "changes": changes_of(engine).document(),
            "sinks": outbox_of(engine).sink_document()}  # fmt: skip


def adopt(engine: MockEngine, doc: Document) -> None:
    """Make `engine` obey `doc` (another process's change), from its next request on."""
    engine.controls.restore(doc["controls"])
    engine.sessions.restore_overrides(doc.get("sessions", {}))
    if isinstance(doc.get("webhooks"), dict):
        outbox_of(engine).restore(doc["webhooks"])
    if isinstance(doc.get("sinks"), dict):
        outbox_of(engine).restore_sinks(doc["sinks"])
    if isinstance(doc.get("changes"), dict):
        changes_of(engine).restore(doc["changes"])
    scenarios = engine.scenarios
    if scenarios is not None:
        for rule, enabled in zip(scenarios.rules, doc.get("rules", ()), strict=False):
            rule.enabled = bool(enabled)


class PlaneError(Exception):
    """The cluster's Redis cannot be reached: one line to show."""


class Stamp:
    """A serving member's event numbering (its EventStream's `stamp`): `tick * SLOTS + slot`, rising.

    Unique across the cluster while no two live members share a slot (the hub or Redis hands them
    out), ordered by time across members, so a gathered journal merges by id and `Last-Event-ID`
    means "after this moment". Names the member on each event and counts them (the fleet list)."""

    def __init__(self, member: str, slot: int) -> None:
        self.member = member
        self.slot = slot % SLOTS
        self.last = 0
        self.count = 0

    def __call__(self, event: RequestEvent) -> int:
        event.worker = self.member
        self.count += 1
        id = int((event.time - EPOCH) * TICKS) * SLOTS + self.slot
        self.last = id if id > self.last else self.last + SLOTS
        return self.last


def ring(events: EventStream) -> list[dict[str, Any]]:
    """This member's share of a gathered journal: its events, as dicts."""
    return [e.to_dict() for e in events]


def merged(rings: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every member's ring as one journal: by id (so by time), each once (a control room's ring holds
    copies of the others'), the newest `JOURNAL_MAX`."""
    everything = {int(event["id"]): event for one in rings for event in one}
    return [everything[id] for id in sorted(everything)[-JOURNAL_MAX:]]


class Plane(ABC):
    """One process's link to what the cluster shares. Sync verbs may block briefly: the admin API
    calls them from its thread pool; `incr` is the only one on the request path."""

    shared = True  # other processes serve this mock too
    journals = True  # several specs share one journal per process: only the first spec's plane carries it
    awaits = False  # as `Counters`: whether `incr` awaits inside a bridged request (Redis) or answers at once

    def __init__(self, member: str | None = None) -> None:
        self.member = member or member_name()
        self.version = 0
        self.engine: MockEngine | None = None
        self._followers: set[Callable[[Item], None]] = set()
        self._unsubscribe: list[Callable[[], None]] = []

    async def start(self, engine: MockEngine) -> None:
        self.engine = engine

    async def stop(self) -> None:  # noqa: B027 - optional: only planes with connections need it
        """Close connections and tasks."""

    @abstractmethod
    def publish(self, doc: Document) -> int:
        """Make `doc` the cluster's document; returns its version once every process can read it."""

    @abstractmethod
    def journal(self) -> list[RequestEvent]:
        """Every request event the cluster journal holds, oldest first, complete up to this call."""

    @abstractmethod
    def clear_journal(self) -> None: ...

    @abstractmethod
    def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        """An atomic cluster-wide counter: its value after adding `by` (the engine's `Counters`)."""

    @abstractmethod
    def drop(self, key: str) -> None: ...

    @abstractmethod
    def reset_counters(self) -> None: ...

    def reset(self) -> None:
        self.reset_counters()

    @abstractmethod
    def follow(self, after: int | None = None) -> AsyncIterator[list[Item]]:
        """Request events after `after` (the journal's, when given), then live ones, notices and control changes,
        in batches of what arrived together (one write for each)."""

    def hand_over(self, intent: dict[str, Any]) -> bool:
        """Have one process that delivers webhooks send `intent` (`Fire.to_message()`): how a supervisor,
        which delivers none itself, fires from its control room. False when no process would."""
        return False

    def members(self) -> list[dict[str, Any]]:
        """The processes serving this mock right now."""
        return [{"worker": self.member, "pid": os.getpid(), "host": socket.gethostname(), "seen": time.time()}]

    @property
    def _engine(self) -> MockEngine:
        if self.engine is None:
            raise RuntimeError("the plane has not started")
        return self.engine

    def _ship_events(self, on: bool) -> None:
        """Send this process's events as they happen (someone follows) or keep them in its ring until asked."""
        on = on and self.journals
        if on and not self._unsubscribe:
            events = self._engine.events
            self._unsubscribe = [events.subscribe(self._ship), events.subscribe_notices(self._ship_notice)]
        elif not on:
            for unsubscribe in self._unsubscribe:
                with contextlib.suppress(ValueError):
                    unsubscribe()
            self._unsubscribe = []

    def _ship(self, event: RequestEvent) -> None:  # noqa: B027 - only planes that share a journal send
        """Send one event to the cluster's journal (planes that share one override it)."""

    def _ship_notice(self, notice: Notice) -> None:  # noqa: B027 - likewise
        """Send one notice to the cluster (planes that share one override it)."""

    async def _kept(self) -> list[RequestEvent]:
        """The journal a follower catches up from."""
        return list(self._engine.events)

    async def _following(self, on: bool) -> None:  # noqa: B027 - only planes whose members ship on demand
        """A follower of this process begins (every member sends its events here from now on) or ends."""

    def _announce(self, item: Item) -> None:
        for put in list(self._followers):
            put(item)

    def _hear(self, put: Callable[[Item], None]) -> Callable[[], None]:
        """Hand a follower this process's request events (a hub, whose requests are its workers', hands
        them on as they come instead); returns how to stop."""
        return self._engine.events.subscribe(lambda event: put(Item.request(event)))

    async def _follow_here(self, after: int | None) -> AsyncIterator[list[Item]]:
        """This process's journal as batches of items: the kept events after `after`, then live events,
        notices and control changes. A follower `FOLLOW_QUEUE` items behind is told it lost some instead
        of being handed them, so a stalled client never holds the server's memory."""
        engine = self._engine
        queue: asyncio.Queue[Item] = asyncio.Queue(FOLLOW_QUEUE)
        lost = False

        def put(item: Item) -> None:
            nonlocal lost
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                lost = True

        unsubscribe = self._hear(put)
        unnotice = engine.events.subscribe_notices(lambda n: put(notice_item(n)))
        self._followers.add(put)
        replayed: set[int] = set()
        try:
            await self._following(True)
            yield [Item("ready", 0, {})]
            if after is not None:
                for kept in replayed_after(await self._kept(), after):
                    replayed.update(item.id for item in kept)
                    yield kept
            while True:
                batch = drained(await queue.get(), queue)
                if replayed:  # heard live while the kept ones were gathered: once is enough
                    batch = [item for item in batch if item.id not in replayed]
                if lost:
                    lost = False
                    batch.insert(0, Item("notice", 0, {"level": "warning", "text": LOST}))
                if batch:
                    yield batch
        finally:
            self._followers.discard(put)
            with contextlib.suppress(ValueError):
                unsubscribe()
            with contextlib.suppress(ValueError):
                unnotice()
            await self._following(False)


class SoloPlane(Plane):
    """One process alone: its own journal, its own counters; a change is durable once applied."""

    shared = False

    def __init__(self, member: str | None = None) -> None:
        super().__init__(member)
        self.counters = LocalCounters()

    def publish(self, doc: Document) -> int:
        self.version += 1
        self._announce(Item("controls", 0, {"version": self.version, **doc}))
        return self.version

    def journal(self) -> list[RequestEvent]:
        return list(self._engine.events)

    def clear_journal(self) -> None:
        self._engine.events.clear()

    def incr(self, key: str, by: int = 1, ttl_s: float | None = None) -> int:
        return self.counters.incr(key, by, ttl_s)

    def drop(self, key: str) -> None:
        self.counters.drop(key)

    def reset_counters(self) -> None:
        self.counters.reset()

    async def follow(self, after: int | None = None) -> AsyncIterator[list[Item]]:
        async for batch in self._follow_here(after):
            yield batch
