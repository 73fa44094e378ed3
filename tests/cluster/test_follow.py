"""Followed events are made JSON once: the bytes a worker sends are the bytes a stream client gets."""

from __future__ import annotations

import asyncio

import orjson

from mocktui.cluster.follow import BATCH_MAX, Item, drained, from_line, to_line
from mocktui.engine.events import RequestEvent


def event() -> RequestEvent:
    return RequestEvent(
        time=1_800_000_000.5, client="127.0.0.1", method="POST", path="/pets", query="a=1", status=201,
        latency_ms=1.235, request_body=b'{"name": "Rex \\"the dog\\""}', response_body=b"line one\nline two",
        request_headers=[("content-type", "application/json")], id=4242, worker="host/1",
    )  # fmt: skip


def across(item: Item) -> Item:
    """`item` through the hub's socket: written as a line, read back from the lines of a read."""
    line = to_line(item)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one line, whatever the JSON holds
    return from_line(line[:-1])


def test_a_request_item_is_the_events_json_made_once_and_decoded_only_when_read() -> None:
    source = event()
    item = Item.request(source)
    assert item.event is source  # this process's own event: never decoded again
    raw = item.raw
    assert raw == orjson.dumps(source.to_dict()) and item.raw is raw
    passed = across(item)  # across the hub's socket
    assert (passed.kind, passed.id) == ("request", 4242)
    assert passed.raw == raw  # the same bytes, not re-encoded
    assert passed.data == orjson.loads(raw)
    assert passed.event == source  # decoded when asked: the same event


def test_an_item_from_json_keeps_the_bytes_it_was_given() -> None:
    raw = b'{"id":7,"path":"/a b","note":"spaces, \\"quotes\\" and \\n"}'
    item = Item("request", 7, raw=raw)
    assert item.raw is raw
    assert item.data["path"] == "/a b"
    assert across(item).raw == raw


def test_a_notice_is_made_json_from_its_data() -> None:
    item = Item("notice", 0, {"level": "warning", "text": "x"})
    assert orjson.loads(across(item).raw) == {"level": "warning", "text": "x"}


def test_a_batch_takes_what_waits_up_to_its_bound() -> None:
    async def run() -> tuple[int, int, int]:
        queue: asyncio.Queue[Item] = asyncio.Queue()
        for n in range(BATCH_MAX + 10):
            queue.put_nowait(Item("request", n + 1, {}))
        first = drained(await queue.get(), queue)
        second = drained(await queue.get(), queue)
        return len(first), len(second), queue.qsize()

    assert asyncio.run(run()) == (BATCH_MAX, 10, 0)
