"""Several specs in one instance across processes (real workers, a real Redis): each spec keeps its own document
and counters on every worker, the one journal holds every spec's requests once, and a killed worker comes back
serving every spec as steered."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..helpers import SPECS
from .processes import mock_process
from .test_cluster import FRESH, SETTLE_S, redis_url  # noqa: F401 - redis_url: a fixture
from .test_several_specs import _cli

PETSTORE = str(SPECS / "petstore.yaml")
USERS = str(SPECS / "users.yaml")
AUTH = {"authorization": "Bearer t"}
PATHS = {"petstore": "/pets", "users": "/users"}  # a list route of each spec (both mounted at /)


def patch(url: str, spec: str, changes: dict[str, Any]) -> None:
    r = httpx.patch(f"{url}/__mocktui/controls", params={"spec": spec}, json=changes, timeout=10)
    assert r.status_code == 200, r.text


def statuses(url: str, spec: str, count: int = 40) -> list[int]:
    """`count` requests to `spec`, each on a fresh connection (the kernel spreads them over the workers)."""
    got = []
    with httpx.Client(timeout=10, limits=FRESH, headers=AUTH) as client:
        for _ in range(count):
            got.append(client.get(url + PATHS[spec]).status_code)
            time.sleep(0.002)  # every worker idle again: any may take the next connection
    return got


def events(url: str, **params: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = httpx.get(f"{url}/__mocktui/events", params={"limit": 5000, **params},
                                            timeout=30).json()  # fmt: skip
    return found


@pytest.mark.parametrize("store", ["stateless", "sqlite"])
def test_a_patch_to_one_spec_reaches_every_worker_and_leaves_the_other_alone(tmp_path: Path, store: str) -> None:
    extra = ["--store", f"sqlite:{tmp_path / 'both.db'}", "--seed", "3"] if store == "sqlite" else []
    with mock_process([PETSTORE, USERS, "--workers", "2", *extra], tmp_path) as mock:
        workers = {m["worker"] for m in mock.wait_members(2)}
        for steered, other, changes in (("users", "petstore", {"faults": {"error_rate": 100}}),
                                        ("petstore", "users", {"offline": True})):  # fmt: skip
            httpx.delete(f"{mock.url}/__mocktui/events", timeout=10)
            patch(mock.url, steered, changes)
            time.sleep(SETTLE_S)
            failed = statuses(mock.url, steered)
            assert all(status >= 500 for status in failed), failed
            assert statuses(mock.url, other) == [200] * 40
            answered = {e["worker"] for e in events(mock.url, spec=steered) if e["status"] >= 500}
            assert answered == workers  # every worker obeyed (the kernel gave each some)
            patch(mock.url, steered, {"faults": {"error_rate": 0}, "offline": False})
        assert statuses(mock.url, "users", 10) == [200] * 10


def test_the_journal_holds_every_request_of_every_spec_once(tmp_path: Path) -> None:
    with mock_process([PETSTORE, USERS, "--workers", "2"], tmp_path) as mock:
        mock.wait_members(2)
        with httpx.Client(timeout=10, limits=FRESH, headers=AUTH) as client:
            for n in range(200):
                assert client.get(mock.url + PATHS["users" if n % 2 else "petstore"]).status_code == 200
                time.sleep(0.002)
        journal = events(mock.url)
        assert len(journal) == 200 and len({e["id"] for e in journal}) == 200
        assert {(e["spec"], e["path"]) for e in journal} == {("petstore", "/pets"), ("users", "/users")}
        assert sum(e["spec"] == "users" for e in journal) == 100
        assert len({e["worker"] for e in journal}) == 2
        users = events(mock.url, spec="users")
        assert len(users) == 100 and {e["path"] for e in users} == {"/users"}
        verdict = httpx.post(f"{mock.url}/__mocktui/verify", json={"path": "/pets", "count": 100}, timeout=30)
        assert verdict.status_code == 200 and verdict.json()["ok"], verdict.text


def test_a_record_written_through_one_worker_is_read_through_the_others(tmp_path: Path) -> None:
    args = [PETSTORE, USERS, "--workers", "2", "--store", f"sqlite:{tmp_path / 'both.db'}", "--seed", "3"]
    with mock_process(args, tmp_path) as mock:
        mock.wait_members(2)
        user = {"email": "grace.hopper.workers@example.org", "firstName": "Grace", "lastName": "Hopper"}
        made = httpx.post(mock.url + "/users", json=user, headers=AUTH, timeout=10)
        assert made.status_code == 201, made.text
        id = made.json()["id"]
        with httpx.Client(timeout=10, limits=FRESH, headers=AUTH) as client:
            for _ in range(30):
                read = client.get(f"{mock.url}/users/{id}")
                assert read.status_code == 200 and read.json()["email"] == user["email"]
                time.sleep(0.002)
        journal = events(mock.url, spec="users")
        writer = next(e["worker"] for e in journal if e["method"] == "POST")
        readers = {e["worker"] for e in journal if e["method"] == "GET"}
        assert readers - {writer}  # another worker read it back
        stored = httpx.get(f"{mock.url}/__mocktui/store/users", params={"spec": "users", "limit": 100}).json()
        assert user["email"] in [u.get("email") for u in stored]
        pets = httpx.get(f"{mock.url}/__mocktui/store/export", params={"spec": "petstore"}).json()
        assert user["email"] not in str(pets)  # each spec's records stay its own


def test_two_instances_on_one_redis_agree_on_each_spec(tmp_path: Path, redis_url: str) -> None:  # noqa: F811
    with mock_process([PETSTORE, USERS, "--cluster", redis_url], tmp_path) as one:
        with mock_process([PETSTORE, USERS, "--cluster", redis_url], tmp_path) as two:
            assert {m["pid"] for m in two.wait_members(2)} == {one.proc.pid, two.proc.pid}
            patch(one.url, "users", {"offline": True})
            time.sleep(SETTLE_S)
            assert statuses(two.url, "users", 10) == [503] * 10
            assert statuses(two.url, "petstore", 10) == [200] * 10
            patch(two.url, "petstore", {"faults": {"error_rate": 100}})
            time.sleep(SETTLE_S)
            assert all(status >= 500 for status in statuses(one.url, "petstore", 10))
            assert statuses(one.url, "users", 10) == [503] * 10
            controls = httpx.get(f"{one.url}/__mocktui/controls", params={"spec": "petstore"}).json()
            assert controls["faults"]["error_rate"] == 100 and controls["offline"] is False
            journal = events(one.url)  # every instance's requests, in one journal
            assert len(journal) == 40 and len({e["worker"] for e in journal}) == 2


def test_a_killed_worker_comes_back_serving_every_spec_as_steered(tmp_path: Path) -> None:
    with mock_process([PETSTORE, USERS, "--workers", "2"], tmp_path) as mock:
        members = mock.wait_members(2)
        patch(mock.url, "users", {"offline": True})
        patch(mock.url, "petstore", {"delay": {"min_ms": 1, "max_ms": 1}})
        victim = int(members[0]["pid"])
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while victim in {m["pid"] for m in mock.members()} or len(mock.members()) != 2:
            assert time.monotonic() < deadline, mock.output()
            time.sleep(0.05)
        httpx.delete(f"{mock.url}/__mocktui/events", timeout=10)
        assert statuses(mock.url, "users") == [503] * 40
        assert statuses(mock.url, "petstore") == [200] * 40
        answered = {e["worker"] for e in events(mock.url)}
        assert answered == {m["worker"] for m in mock.members()}  # the new worker served both specs too
        controls = httpx.get(f"{mock.url}/__mocktui/controls", params={"spec": "petstore"}).json()
        assert controls["delay"]["max_ms"] == 1 and controls["offline"] is False
        assert "died" in mock.output()


def test_the_memory_store_with_workers_is_refused_in_one_line(tmp_path: Path) -> None:
    started = _cli(PETSTORE, USERS, "--workers", "2", "--stateful", "--headless", "--port", "0", cwd=tmp_path)
    assert started.returncode == 2 and "Traceback" not in started.stderr
    assert started.stderr.splitlines() == [
        "mocktui: --workers 2: the memory store lives in one process, so each worker would answer from its own "
        "records; use --store sqlite:FILE (one host) or --store redis://HOST:PORT/DB"
    ]
