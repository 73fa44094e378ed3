"""The supervisor's hub, in process, with a raw worker connection on its Unix socket: what it tells workers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from mocktui.cluster.hub import WATCH_S, HubServer
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec

from ..helpers import SPECS


async def told(hub: HubServer, path: Path) -> list[dict[str, object]]:
    """What a worker that joins hears while the control room listens to this process's journal."""
    engine = MockEngine.build(load_spec(str(SPECS / "shop.yaml")))
    await hub.start(engine)
    reader, writer = await asyncio.open_unix_connection(str(path))
    try:
        writer.write(orjson.dumps({"op": "hello", "name": "w1", "pid": 1, "host": "h"}) + b"\n")
        heard = [orjson.loads(await reader.readline())]
        unsubscribe = engine.events.subscribe(lambda _event: None)  # the control room's log
        try:
            await asyncio.sleep(WATCH_S * 4)
            while True:
                try:
                    heard.append(orjson.loads(await asyncio.wait_for(reader.readline(), 0.1)))
                except TimeoutError:
                    return heard
        finally:
            unsubscribe()
    finally:
        writer.close()
        await hub.stop()


@pytest.mark.parametrize("journals", [True, False])
async def test_workers_ship_events_only_to_the_plane_that_carries_the_journal(tmp_path: Path, journals: bool) -> None:
    hub = HubServer(str(tmp_path / "hub.sock"))
    hub.journals = journals  # several specs: only the first spec's hub carries the one journal
    heard = await told(hub, tmp_path / "hub.sock")
    assert heard[0]["op"] == "doc" and heard[0]["ship"] is False  # nobody listened when it joined
    ships = [message for message in heard if message["op"] == "ship"]
    assert ships == ([{"op": "ship", "on": True}] if journals else [])
