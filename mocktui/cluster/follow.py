"""What a follower of the journal hears, encoded once.

A request event is made JSON once, in the process that answered the request; its bytes then pass
through the hub (or the Redis Stream) and into every SSE client untouched. Only code that reads an
event (a filter, the control room's log, a recorder) decodes it, and only when it does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import orjson

from mocktui.engine.events import Notice, RequestEvent

BATCH_MAX = 500  # items handed on in one piece (one write to a socket): a lagging follower still gets them in bounds


class Item:
    """One thing a follower of the journal hears: a request event, a notice, or a control change.

    `data` (a dict) and `raw` (its JSON) are each made from the other on first use and then kept."""

    __slots__ = ("_data", "_event", "_raw", "id", "kind")

    def __init__(self, kind: str, id: int, data: dict[str, Any] | None = None, *, raw: bytes | None = None) -> None:
        self.kind = kind  # request | notice | controls | ready (following has begun: every later event will be heard)
        self.id = id  # the request event's id (resumable with Last-Event-ID); 0 for the others
        self._data = data
        self._raw = raw
        self._event: RequestEvent | None = None

    @classmethod
    def request(cls, event: RequestEvent) -> Item:
        """A request event of this process: made a dict and JSON only if a follower needs them."""
        item = cls("request", event.id)
        item._event = event
        return item

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            if self._raw is not None:
                self._data = orjson.loads(self._raw)
            else:
                self._data = self._event.to_dict() if self._event is not None else {}
        return self._data

    @property
    def raw(self) -> bytes:
        """The JSON of `data`: what the SSE stream's `data:` line carries."""
        if self._raw is None:
            self._raw = orjson.dumps(self.data)
        return self._raw

    @property
    def event(self) -> RequestEvent:
        """A request item as the event (for a filter, a log): decoded once, when asked."""
        if self._event is None:
            self._event = RequestEvent.from_dict(self.data)
        return self._event

    def __repr__(self) -> str:
        return f"Item({self.kind!r}, {self.id})"


def notice_item(notice: Notice) -> Item:
    return Item("notice", 0, {"time": notice.time, "level": notice.level, "text": notice.text})


def replayed_after(events: Iterable[RequestEvent], after: int) -> list[list[Item]]:
    """The kept events after `after` (a resumed follower's catch-up), in batches of `BATCH_MAX`."""
    kept = [Item.request(event) for event in events if event.id > after]
    return [kept[start : start + BATCH_MAX] for start in range(0, len(kept), BATCH_MAX)]


def drained(first: Item, queue: asyncio.Queue[Item]) -> list[Item]:
    """`first` and whatever else is already waiting (up to `BATCH_MAX`): one batch, one write."""
    batch = [first]
    while len(batch) < BATCH_MAX and not queue.empty():
        batch.append(queue.get_nowait())
    return batch


def to_line(item: Item) -> bytes:
    """An item on the hub's socket to a follower: `kind id json`, the JSON as it came."""
    return b"%s %d %s\n" % (item.kind.encode(), item.id, item.raw)


def from_line(line: bytes) -> Item:
    kind, id, raw = line.split(b" ", 2)
    return Item(kind.decode(), int(id), raw=raw)
