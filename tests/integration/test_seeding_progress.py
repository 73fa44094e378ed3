"""A big seed says how it goes: progress lines from a real headless process (text and JSON), and a
runtime that seeds once it listens answers 503 with Retry-After until the store is full, then serves it."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import BACKGROUND_FROM, build
from mocktui.server.runner import bind
from mocktui.settings.table import Settings

from ..engine.stateful.support import BASE, SHOP
from .processes import MockProcess

PER_COLLECTION = 25_000  # 75,000 records: a few seconds, so there is something to report


def banner_at(lines: list[str], word: str) -> int:
    return next(i for i, line in enumerate(lines) if word in line)


def test_headless_prints_seeding_progress_before_it_listens(tmp_path: Path) -> None:
    args = [str(SHOP), "--stateful", "--seed", str(PER_COLLECTION), "--faker-seed", "2"]
    text = MockProcess(args, tmp_path / "text.log")
    as_json = MockProcess([*args, "--log-format", "json"], tmp_path / "json.log")
    try:
        text.wait_ready(60)
        as_json.wait_ready(60)
        order = httpx.get(f"{text.url}{BASE}/orders/{PER_COLLECTION}", timeout=5).json()
        assert httpx.get(f"{text.url}{BASE}/users/{order['userId']}", timeout=5).status_code == 200
    finally:
        text.stop()
        as_json.stop()
    lines = text.log.read_text().splitlines()
    progress = [line for line in lines if line.startswith("mocktui: seeding ")]
    assert progress, "\n".join(lines)
    assert all(line.endswith(f"/{PER_COLLECTION:,}...") for line in progress), progress
    seeded = banner_at(lines, "mocktui: seeded 75,000 records in ")
    assert lines.index(progress[-1]) < seeded < banner_at(lines, "mocktui: serving 'Shop'")
    events = [json.loads(line) for line in as_json.log.read_text().splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert "seeding" in kinds and kinds.index("seeded") < kinds.index("listening"), kinds
    step = next(e for e in events if e["event"] == "seeding")
    assert step["level"] == "info" and step["collection"] in ("users", "products", "orders")
    assert 0 <= step["done"] <= step["total"] == PER_COLLECTION
    assert next(e for e in events if e["event"] == "seeded")["records"] == 3 * PER_COLLECTION


def test_small_seed_prints_no_progress(tmp_path: Path) -> None:
    mock = MockProcess([str(SHOP), "--stateful", "--seed", "50"], tmp_path / "small.log")
    try:
        mock.wait_ready()
    finally:
        mock.stop()
    assert "seeding" not in mock.log.read_text() and "seeded" not in mock.log.read_text()


async def test_a_runtime_seeding_on_start_answers_503_until_the_store_is_full() -> None:
    per = 8_000
    assert 3 * per >= BACKGROUND_FROM
    settings = Settings(spec=str(SHOP), stateful=True, seed=per, faker_seed=4)
    sock = bind("127.0.0.1", 0)
    runtime = build(load_spec(str(SHOP)), settings, sock)
    assert runtime.seeding is not None and runtime.engine.state is not None
    assert not runtime.engine.state.store.collections()  # nothing seeded before start
    try:
        await runtime.start()
        async with httpx.AsyncClient(base_url=runtime.url, timeout=10) as client:
            waiting = await client.get(f"{BASE}/users/1")
            assert waiting.status_code == 503 and waiting.headers["retry-after"] == "1"
            assert waiting.headers["content-type"] == "application/problem+json"
            assert "the store is being seeded (" in waiting.json()["detail"]
            assert (await client.get("/__mocktui/health")).status_code == 200
            assert (await client.post("/__mocktui/store/reset")).status_code == 503  # would race the seeding
            assert (await client.get("/__mocktui/controls")).status_code == 200
            deadline = time.monotonic() + 60
            while runtime.seeding.busy and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert not runtime.seeding.busy and runtime.seeding.error is None
            assert runtime.seeding.seeded == runtime.seeding.records == 3 * per
            assert (await client.get(f"{BASE}/orders/{per}")).status_code == 200
            assert runtime.engine.state.store.collections() == {"users": per, "products": per, "orders": per}
        statuses = [e.status for e in runtime.engine.events]
        assert statuses[0] == 503 and statuses[-1] == 200
        assert any("seeded 24,000 records" in n.text for n in runtime.engine.events.notices)
    finally:
        await runtime.stop()
        runtime.close()
        sock.close()


async def test_stopping_during_a_seed_stops_the_seeding_thread() -> None:
    settings = Settings(spec=str(SHOP), stateful=True, seed=100_000, faker_seed=4)
    sock = bind("127.0.0.1", 0)
    runtime = build(load_spec(str(SHOP)), settings, sock)
    assert runtime.seeding is not None
    try:
        await runtime.start()
        while runtime.seeding.seeded == 0:
            await asyncio.sleep(0.02)
        started = time.monotonic()
        await runtime.stop()
        assert time.monotonic() - started < 5
        assert runtime.seeding.cancelled and runtime.seeding.seeded < runtime.seeding.records
        assert runtime.engine.state is not None and not runtime.engine.state.store.collections()  # no half seed kept
    finally:
        runtime.close()
        sock.close()
