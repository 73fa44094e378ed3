"""Stateful mode from the command line: real processes with --persist, --state, --workers and a shared Redis."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mocktui.engine.stores.redis import RedisStore

from ..engine.stateful.support import BASE, MERGE, SHOP, order_record
from ..engine.stores.test_stores import REDIS_URL, require_redis
from .processes import child_env, free_port, mock_process


@pytest.fixture
def cli_redis() -> Iterator[str]:
    """A Redis URL for the CLI with a namespace of its own (tests run side by side), emptied before and after."""
    require_redis()
    url = f"{REDIS_URL}?namespace=cli{uuid.uuid4().hex[:10]}"
    store = RedisStore(url)
    store.clear()
    try:
        yield url
    finally:
        store.clear()
        store.close()


NEW_USER = {"email": "cli.user@example.com", "firstName": "Cli", "lastName": "User"}


def test_cli_persist_keeps_records_across_a_restart_without_reseeding(tmp_path: Path) -> None:
    args = [str(SHOP), "--persist", str(tmp_path / "state.db"), "--seed", "2"]
    with mock_process(args, tmp_path, env={"SEED_USERS": "3"}) as first:
        before = first.export()
        assert {k: len(v) for k, v in before.items()} == {"users": 3, "products": 2, "orders": 2}
        r = httpx.post(f"{first.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201, r.text
        created = r.json()
        assert first.stop() == 0
    with mock_process(args, tmp_path, env={"SEED_USERS": "7"}) as second:  # a reseed would make 7 users
        after = second.export()
        assert after == before | {"users": [*before["users"], created]}
        assert httpx.get(f"{second.url}{BASE}/users/{created['id']}", timeout=10).json() == created
        again = httpx.post(f"{second.url}{BASE}/users", json=NEW_USER | {"email": "two@example.com"}, timeout=10)
        assert again.status_code == 201 and again.json()["id"] > created["id"]
        assert second.stop() == 0


def test_cli_state_file_loads_exactly_those_records(tmp_path: Path) -> None:
    fixtures = {
        "users": [
            {
                "id": 7,
                "email": "seven@example.com",
                "firstName": "Se",
                "lastName": "Ven",
                "createdAt": "2025-01-01T00:00:00Z",
            },
            {
                "id": 9,
                "email": "nine@example.com",
                "firstName": "Ni",
                "lastName": "Ne",
                "createdAt": "2025-01-02T00:00:00Z",
            },
        ],
        "products": [
            {
                "id": 3,
                "name": "Lamp",
                "sku": "HOM-0003",
                "price": 10.0,
                "currency": "EUR",
                "stock": 4,
                "createdAt": "2025-01-03T00:00:00Z",
            }
        ],
        "orders": [order_record(5, 7, 3)],
    }
    path = tmp_path / "fixtures.json"
    path.write_text(json.dumps(fixtures))
    with mock_process([str(SHOP), "--state", str(path), "--seed", "5"], tmp_path) as mock:
        assert mock.export() == fixtures
        summary = httpx.get(mock.url + "/__mocktui/store", timeout=10).json()
        assert summary["collections"] == {"users": 2, "products": 1, "orders": 1}
        assert httpx.get(f"{mock.url}{BASE}/users", timeout=10).json() == fixtures["users"]
        assert httpx.get(f"{mock.url}{BASE}/users/7/orders", timeout=10).json()["items"] == fixtures["orders"]
        assert httpx.get(f"{mock.url}{BASE}/users/9/orders", timeout=10).json()["items"] == []
        r = httpx.post(f"{mock.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201 and r.json()["id"] > 9
        assert mock.stop() == 0


def test_cli_workers_share_one_redis_state(tmp_path: Path, cli_redis: str) -> None:
    with mock_process([str(SHOP), "--workers", "2", "--store", cli_redis, "--seed", "3"], tmp_path) as mock:
        assert {k: len(v) for k, v in mock.export().items()} == {"users": 3, "products": 3, "orders": 3}
        r = httpx.post(f"{mock.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201, r.text
        created, item = r.json(), mock.url + r.headers["location"]
        for _ in range(30):  # a new connection each time, so both workers answer some
            assert httpx.get(item, timeout=10).json() == created
            assert httpx.get(f"{mock.url}{BASE}/users", timeout=10).headers["x-total-count"] == "4"
        r = httpx.patch(item, json={"lastName": "Changed"}, headers={"content-type": MERGE}, timeout=10)
        assert r.status_code == 200
        assert all(httpx.get(item, timeout=10).json()["lastName"] == "Changed" for _ in range(20))
        assert mock.stop() == 0


def test_cli_workers_with_the_memory_store_exit_2(tmp_path: Path) -> None:
    """Each worker would answer from its own records: refused with the stores that do work."""
    command = [sys.executable, "-m", "mocktui", str(SHOP), "--headless", "--port", str(free_port())]
    result = subprocess.run(
        [*command, "--workers", "2", "--stateful"],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "memory store" in result.stderr and "sqlite:" in result.stderr and "redis://" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_workers_share_one_sqlite_store(tmp_path: Path) -> None:
    """Without Redis, workers of one host share a SQLite file: a record one writes, every one reads."""
    args = [str(SHOP), "--workers", "2", "--store", f"sqlite:{tmp_path / 'w.db'}", "--seed", "3"]
    with mock_process(args, tmp_path) as mock:
        r = httpx.post(f"{mock.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201, r.text
        created, item = r.json(), mock.url + r.headers["location"]
        workers = set()
        for _ in range(60):  # a new connection each time, both workers idle: either may take it
            assert httpx.get(item, timeout=10).json() == created
            time.sleep(0.005)
        for event in httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 40}, timeout=10).json():
            workers.add(event["worker"])
        assert len(workers) == 2, workers


def test_cli_two_processes_share_one_redis_store(tmp_path: Path, cli_redis: str) -> None:
    args = [str(SHOP), "--store", cli_redis, "--seed", "3"]
    with mock_process(args, tmp_path) as a, mock_process(args, tmp_path, env={"SEED_USERS": "9"}) as b:
        assert a.export() == b.export()  # b found a's state and did not reseed it
        assert len(b.export()["users"]) == 3
        r = httpx.post(f"{a.url}{BASE}/users", json=NEW_USER, timeout=10)
        assert r.status_code == 201
        created, path = r.json(), r.headers["location"]
        assert httpx.get(b.url + path, timeout=10).json() == created
        r = httpx.patch(b.url + path, json={"firstName": "Bee"}, headers={"content-type": MERGE}, timeout=10)
        assert r.status_code == 200
        assert httpx.get(a.url + path, timeout=10).json()["firstName"] == "Bee"
        assert httpx.delete(a.url + path, timeout=10).status_code == 204
        assert httpx.get(b.url + path, timeout=10).status_code == 404
        assert b.stop() == 0 and a.stop() == 0


def test_validate_lists_the_inferred_resources(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mocktui", "validate", str(SHOP)],
        cwd=tmp_path,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[1].rstrip(":"): line for line in result.stdout.splitlines() if line.startswith("resource ")}
    assert set(lines) == {"users", "products", "orders"}
    assert "under users" in lines["orders"] and "userId -> users" in lines["orders"]
    assert "items[].productId -> products" in lines["orders"]
    assert "unique email" in lines["users"] and "unique sku" in lines["products"]
    assert "under" not in lines["users"] and "under" not in lines["products"]
