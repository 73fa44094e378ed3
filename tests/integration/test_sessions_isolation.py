"""Parallel test runs against ONE mock process tree, each under its own session id, doing CRUD at the same time:
none sees another's records (the xdist case of issue 12), on a SQLite store and across Redis-sharing workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from ..helpers import SPECS
from .processes import free_port

API = "/api/v1"
RUNS = 8
ROUNDS = 6
SEEDED = 5


@contextmanager
def serving(store: str, *extra: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "mocktui", str(SPECS / "shop.yaml"), "--headless", "--port", str(port),
               "--store", store, "--seed", str(SEEDED), "--log-level", "warning", *extra]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                if httpx.get(f"{url}/__mocktui/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise AssertionError(proc.stderr.read().decode() if proc.stderr else "exited") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def run(url: str, session: str) -> list[str]:
    """One test run's CRUD under its session; returns what went wrong (records of others seen, lost writes)."""
    problems: list[str] = []
    mine: set[int] = set()
    # A fresh connection per request: with several workers, every worker answers some of them.
    with httpx.Client(base_url=url, headers={"X-Mocktui-Session": session, "Connection": "close"}, timeout=20) as http:
        for i in range(ROUNDS):
            made = http.post(f"{API}/users", json={"email": f"{session}-{i}@example.com", "firstName": session,
                                                    "lastName": "Run"})  # fmt: skip
            if made.status_code != 201:
                problems.append(f"{session}: create {made.status_code} {made.text[:200]}")
                continue
            mine.add(made.json()["id"])
            listed = http.get(f"{API}/users", params={"per_page": 100}).json()
            others = [u["email"] for u in listed if u["id"] > SEEDED and u["id"] not in mine]
            if others:
                problems.append(f"{session} saw {others}")
            if {u["id"] for u in listed} < mine:
                problems.append(f"{session} lost {sorted(mine - {u['id'] for u in listed})}")
            if i % 2:
                gone = sorted(mine)[0]
                if http.delete(f"{API}/users/{gone}").status_code != 204:
                    problems.append(f"{session}: delete of its own {gone} failed")
                mine.discard(gone)
        final = http.get(f"{API}/users", params={"per_page": 100}).json()
        if sorted(u["id"] for u in final if u["id"] > SEEDED) != sorted(mine):
            problems.append(f"{session}: ends with {final} instead of {sorted(mine)}")
    return problems


def isolated(url: str) -> None:
    with ThreadPoolExecutor(RUNS) as pool:
        problems = [p for found in pool.map(lambda n: run(url, f"run-{n}"), range(RUNS)) for p in found]
    assert problems == []
    shared = httpx.get(f"{url}{API}/users", params={"per_page": 100}).json()
    assert [u["id"] for u in shared] == list(range(1, SEEDED + 1))  # no session's write reached the shared data
    listed = httpx.get(f"{url}/__mocktui/sessions").json()
    assert sorted(s["id"] for s in listed) == [f"run-{n}" for n in range(RUNS)]


def test_eight_parallel_runs_on_one_sqlite_mock_see_none_of_each_others_records(tmp_path: Path) -> None:
    with serving(f"sqlite:{tmp_path / 'x.db'}") as url:
        isolated(url)


def test_eight_parallel_runs_across_redis_sharing_workers_see_none_of_each_others_records() -> None:
    from ..engine.stores.test_stores import REDIS_URL, require_redis

    require_redis()
    import redis

    url = REDIS_URL.rsplit("/", 1)[0] + "/11"  # a database of its own: flushed here
    redis.Redis.from_url(url).flushdb()
    with serving(url, "--workers", "2") as served:
        isolated(served)
