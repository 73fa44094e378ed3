"""Following the journal: each event made JSON once is still the journal's event, framed as before
(`id: N`, one `data:` line, a blank line), whether one process answers or workers share a hub or a Redis."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import orjson
import pytest

from .processes import Load, mock_process
from .test_cluster import PETSTORE, cluster_args, redis_url  # noqa: F401 - redis_url: the fixture

REQUESTS = 300


def frames(url: str, count: int, ready: threading.Event) -> list[bytes]:
    """The first `count` request frames of `/events/stream`, as sent."""
    found: list[bytes] = []
    buffer = b""
    with httpx.stream("GET", f"{url}/__mocktui/events/stream", timeout=httpx.Timeout(10, read=30)) as response:
        for chunk in response.iter_raw():
            ready.set()
            buffer += chunk
            *done, buffer = buffer.split(b"\n\n")
            found += [frame for frame in done if frame.startswith(b"id: ")]
            if len(found) >= count:
                return found[:count]
    return found


@pytest.mark.parametrize("layout", ["one process", "hub", "redis"])
def test_the_stream_carries_each_journal_event_as_it_was_framed_before(
    tmp_path: Path,
    layout: str,
    redis_url: str,  # noqa: F811 - the fixture
) -> None:
    workers = [] if layout == "one process" else ["--workers", "2", *cluster_args(layout, redis_url)]
    with mock_process([PETSTORE, *workers], tmp_path) as mock:
        if workers:
            mock.wait_members(2)
        heard: list[bytes] = []
        ready = threading.Event()
        reader = threading.Thread(target=lambda: heard.extend(frames(mock.url, REQUESTS, ready)), daemon=True)
        reader.start()
        assert ready.wait(10)
        load = Load(mock.port, "/pets/7", total=REQUESTS, connections=16).run()  # concurrent: events come in batches
        assert load.failed == 0
        reader.join(30)
        journal = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 1000}, timeout=30).json()
        by_id = {event["id"]: event for event in journal}
        assert len(heard) == REQUESTS
        for frame in heard:
            head, data = frame.split(b"\n")  # `id: N` and one `data:` line
            event = orjson.loads(data.removeprefix(b"data: "))
            assert head == b"id: %d" % event["id"]
            assert event == by_id[event["id"]]
