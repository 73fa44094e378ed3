"""Workers and hosts that agree (real processes, a real Redis): one PATCH reaches every process within 50 ms,
the journal holds every request whichever worker answered it, the event stream pushes all of them, and a
worker killed under load is replaced without losing controls or acknowledged writes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis

from ..engine.stores.test_stores import require_redis
from ..helpers import SPECS
from .processes import Load, MockProcess, mock_process

PETSTORE = str(SPECS / "petstore.yaml")
SHOP = str(SPECS / "shop.yaml")
FRESH = httpx.Limits(max_keepalive_connections=0)  # a new connection per request: the kernel spreads them
SETTLE_S = 0.05  # the plane's promise: a change is obeyed everywhere this long after the call returns


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis URL with a namespace of its own: tests running at once never see each other's keys."""
    require_redis()
    yield f"redis://127.0.0.1:6379/14?namespace=t{uuid.uuid4().hex[:10]}"


def patch(url: str, changes: dict[str, object]) -> None:
    r = httpx.patch(f"{url}/__mocktui/controls", json=changes, timeout=10)
    assert r.status_code == 200, r.text


def stale(urls: list[str], rate: float, requests: int = 40, reads: int = 12) -> list[str]:
    """What disagrees with `error_rate = rate` on fresh connections: mock answers and control reads."""
    wrong = []
    with httpx.Client(timeout=10, limits=FRESH) as client:
        for i in range(requests):
            status = client.get(f"{urls[i % len(urls)]}/pets/1").status_code
            if (status >= 500) != (rate == 100):
                wrong.append(f"request {i}: {status}")
        for i in range(reads):
            seen = client.get(f"{urls[i % len(urls)]}/__mocktui/controls").json()["faults"]["error_rate"]
            if seen != rate:
                wrong.append(f"controls read {i}: error_rate {seen}")
    return wrong


def agree(urls: list[str]) -> None:
    for rate in (100.0, 0.0, 100.0, 0.0):
        patch(urls[len(urls) - 1], {"faults": {"error_rate": rate}})
        time.sleep(SETTLE_S)
        assert stale(urls, rate) == []


def test_four_workers_without_redis_obey_one_patch(tmp_path: Path) -> None:
    with mock_process([PETSTORE, "--workers", "4"], tmp_path) as mock:
        mock.wait_members(4)
        agree([mock.url])


def test_four_workers_on_a_redis_store_obey_one_patch(tmp_path: Path, redis_url: str) -> None:
    with mock_process([PETSTORE, "--workers", "4", "--store", redis_url], tmp_path) as mock:
        mock.wait_members(4)
        agree([mock.url])


def test_two_instances_on_one_redis_obey_one_patch(tmp_path: Path, redis_url: str) -> None:
    with mock_process([PETSTORE, "--cluster", redis_url], tmp_path) as one:
        with mock_process([PETSTORE, "--cluster", redis_url], tmp_path) as two:
            two.wait_members(2)
            agree([one.url, two.url])
            patch(one.url, {"offline": True})
            time.sleep(SETTLE_S)
            assert httpx.get(f"{two.url}/pets/1", timeout=10).status_code == 503
            members = one.members()
            assert {m["pid"] for m in members} == {one.proc.pid, two.proc.pid}


def cluster_args(shared: str, redis_url: str) -> list[str]:
    """Workers that share through the supervisor's hub, or through a Redis plane."""
    return ["--cluster", redis_url] if shared == "redis" else []


def test_a_respawned_worker_does_not_load_the_state_file_again(tmp_path: Path) -> None:
    """The supervisor loads `--state` into the shared store once; a worker that replaces a dead one keeps
    the writes made since (loading the file again would wipe them)."""
    db, state = tmp_path / "shop.db", tmp_path / "state.json"
    ada = {"id": 1, "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}
    state.write_text(json.dumps({"users": [ada]}))
    args = [SHOP, "--workers", "2", "--store", f"sqlite:{db}", "--state", str(state)]
    with mock_process(args, tmp_path) as mock:
        members = mock.wait_members(2)
        user = {"email": "grace@example.com", "firstName": "Grace", "lastName": "Hopper"}
        made = httpx.post(f"{mock.url}/api/v1/users", json=user, timeout=10)
        assert made.status_code == 201, made.text
        for member in members:  # both: whichever answers next is a fresh worker
            os.kill(int(member["pid"]), signal.SIGKILL)
        after = mock.wait_members(2)
        assert not {m["pid"] for m in after} & {m["pid"] for m in members}
        assert httpx.get(f"{mock.url}/api/v1/users/{made.json()['id']}", timeout=10).status_code == 200
        assert httpx.get(f"{mock.url}/api/v1/users/1", timeout=10).json()["email"] == "ada@example.com"


@pytest.mark.parametrize("shared", ["hub", "redis"])
def test_the_journal_holds_every_request_of_every_worker(tmp_path: Path, shared: str, redis_url: str) -> None:
    with mock_process([PETSTORE, "--workers", "4", *cluster_args(shared, redis_url)], tmp_path) as mock:
        mock.wait_members(4)
        with httpx.Client(timeout=10, limits=FRESH) as client:  # fresh connections land on every worker
            for _ in range(200):
                assert client.get(f"{mock.url}/pets/7").status_code == 200
                time.sleep(0.002)  # every worker idle: any may take the next connection
        load = Load(mock.port, "/pets/7", total=800, connections=16).run()
        assert load.statuses == {200: 800} and load.failed == 0
        events = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 5000}, timeout=30).json()
        assert len(events) == 1000
        assert len({e["id"] for e in events}) == 1000
        assert len({e["worker"] for e in events}) >= 2  # the load reached more than one worker
        verdict = httpx.post(f"{mock.url}/__mocktui/verify", json={"path": "/pets/7", "count": 1000}, timeout=30)
        assert verdict.status_code == 200 and verdict.json()["count"] == 1000


@pytest.mark.parametrize("shared", ["hub", "redis"])
def test_the_event_stream_pushes_every_request(tmp_path: Path, shared: str, redis_url: str) -> None:
    """A client of `/events/stream` hears each of 2,000 requests made as fast as the mock answers them
    (the first bytes it gets mean every worker sends its events from then on)."""
    with mock_process([PETSTORE, "--workers", "2", *cluster_args(shared, redis_url)], tmp_path) as mock:
        mock.wait_members(2)
        heard: list[int] = []
        notices: list[str] = []
        ready = threading.Event()

        def listen() -> None:
            with httpx.Client(timeout=httpx.Timeout(10, read=30)) as client:
                with client.stream("GET", f"{mock.url}/__mocktui/events/stream") as response:
                    kind = "message"
                    for line in response.iter_lines():
                        ready.set()
                        if line.startswith("event:"):
                            kind = line[6:].strip()
                        elif line.startswith("data:"):
                            data = json.loads(line[5:])
                            if kind == "message":
                                heard.append(int(data["id"]))
                            elif kind == "controls":
                                notices.append("controls")
                            kind = "message"
                            if notices and len(heard) >= 2000:
                                return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        assert ready.wait(10)
        load = Load(mock.port, "/pets/7", total=2000, connections=16).run()
        assert load.failed == 0
        patch(mock.url, {"delay": {"max_ms": 0}})  # control changes are told on the stream too
        reader.join(30)
        assert notices == ["controls"]
        assert len(heard) == 2000 and len(set(heard)) == 2000
        print(f"stream: 2,000 requests at {load.rate:,.0f} req/s, all heard")  # noqa: T201 - the figure


def stream_ids(url: str, last: int, count: int) -> list[int]:
    """The ids of the first `count` request events `/events/stream` sends after `Last-Event-ID: last`."""
    ids: list[int] = []
    headers, timeout = {"Last-Event-ID": str(last)}, httpx.Timeout(10, read=30)
    with httpx.stream("GET", f"{url}/__mocktui/events/stream", headers=headers, timeout=timeout) as r:
        kind = "message"
        for line in r.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                if kind == "message":
                    ids.append(int(json.loads(line[5:])["id"]))
                    if len(ids) == count:
                        break
                kind = "message"
    return ids


@pytest.mark.parametrize("shared", ["hub", "redis"])
def test_a_read_gathers_every_workers_ring_and_the_stream_resumes_after_an_id(
    tmp_path: Path, shared: str, redis_url: str
) -> None:
    """Nobody follows: each worker keeps its events (with Redis, none reach the stream) and a read merges
    them in time order; DELETE /events empties every ring; `Last-Event-ID` resumes after that event."""
    with mock_process([PETSTORE, "--workers", "2", *cluster_args(shared, redis_url)], tmp_path) as mock:
        mock.wait_members(2)
        Load(mock.port, "/pets/3", total=300, connections=8).run()
        assert httpx.delete(f"{mock.url}/__mocktui/events", timeout=10).status_code == 204
        assert httpx.get(f"{mock.url}/__mocktui/events", timeout=10).json() == []
        with httpx.Client(timeout=10, limits=FRESH) as client:  # one at a time, on fresh connections: both workers
            for _ in range(200):
                assert client.get(f"{mock.url}/pets/7").status_code == 200
                time.sleep(0.002)
        events = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 1000}, timeout=10).json()
        ids = [e["id"] for e in events]
        assert len(ids) == 200 and ids == sorted(set(ids))
        assert [e["time"] for e in events] == sorted(e["time"] for e in events)
        assert len({e["worker"] for e in events}) == 2
        if shared == "redis":  # the stream only carries events while someone follows
            plane = redis.Redis.from_url(redis_url.split("?")[0])
            namespace = redis_url.split("namespace=")[1]
            journals = plane.keys(f"{namespace}:plane:*:journal")
            kinds = [fields[b"k"] for key in journals for _, fields in plane.xrange(key)]
            assert b"request" not in kinds
        assert stream_ids(mock.url, ids[149], 50) == ids[150:]


def test_a_killed_worker_is_replaced_and_loses_nothing(tmp_path: Path) -> None:
    """kill -9 under load: another worker takes its place, controls hold, every acknowledged write is kept."""
    db = tmp_path / "shop.db"
    args = [SHOP, "--workers", "2", "--store", f"sqlite:{db}", "--seed", "3", "--delay", "1"]
    with mock_process(args, tmp_path) as mock:
        members = mock.wait_members(2)
        acknowledged: list[str] = []
        failures: list[str] = []
        stop = threading.Event()

        def write() -> None:
            with httpx.Client(timeout=10) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    user = {"email": f"u{n}@example.com", "firstName": "Kill", "lastName": f"Test{n}"}
                    try:
                        r = client.post(f"{mock.url}/api/v1/users", json=user)
                    except httpx.HTTPError as exc:
                        failures.append(type(exc).__name__)
                        continue
                    if r.status_code == 201:
                        acknowledged.append(r.json()["id"])
                    else:
                        failures.append(str(r.status_code))

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        load = Load(mock.port, "/api/v1/users/1", total=6000, connections=8)
        loader = threading.Thread(target=load.run, daemon=True)
        loader.start()
        time.sleep(0.5)
        victim = int(members[0]["pid"])
        os.kill(victim, signal.SIGKILL)
        loader.join(60)
        stop.set()
        writer.join(30)
        after = mock.wait_members(2)
        assert victim not in {m["pid"] for m in after}
        assert load.failed + len(failures) <= (load.total + len(acknowledged)) * 0.001 + 8  # the in-flight ones
        controls = httpx.get(f"{mock.url}/__mocktui/controls", timeout=10).json()
        assert controls["delay"]["max_ms"] == 1  # what the replacement obeys is what the cluster said
        with httpx.Client(timeout=10) as client:
            missing = [id for id in acknowledged if client.get(f"{mock.url}/api/v1/users/{id}").status_code != 200]
        assert acknowledged and missing == []
        assert "died" in mock.output() or isinstance(mock, MockProcess)


@pytest.mark.parametrize("shared", ["hub", "redis"])
def test_call_1_fires_once_per_cluster_under_200_concurrent_requests(
    tmp_path: Path, shared: str, redis_url: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("- name: the very first read\n  when: {operation: getPet, call: 1}\n  then: {status: 503}\n")
    extra = cluster_args(shared, redis_url)
    with mock_process([PETSTORE, "--workers", "4", "--scenarios", str(rules), *extra], tmp_path) as mock:
        mock.wait_members(4)
        for _ in range(3):  # a busy machine may let one worker accept a whole burst: then it proves nothing
            load = Load(mock.port, "/pets/7", total=200, connections=200).run()  # 200 connections: all at once
            assert load.failed == 0
            assert load.statuses.get(503) == 1, load.statuses
            events = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 500}, timeout=30).json()
            if len({e["worker"] for e in events}) >= 2:  # the 200 were spread over workers, and still one fired
                break
            assert httpx.post(f"{mock.url}/__mocktui/scenarios/reset", timeout=10).status_code == 204
            assert httpx.delete(f"{mock.url}/__mocktui/events", timeout=10).status_code == 204
        else:
            pytest.fail("three bursts of 200 connections each went to one worker")


def test_a_locked_account_is_locked_on_every_worker(tmp_path: Path) -> None:
    """The auth pack's failed logins are counted by the cluster: wrong passwords on any worker lock it on all."""
    spec = str(SPECS / "payments.yaml")
    with mock_process([spec, "--workers", "2", "--scenarios", "auth"], tmp_path) as mock:
        mock.wait_members(2)
        wrong = {"username": "user", "password": "nope"}
        answers: list[httpx.Response] = []
        with httpx.Client(timeout=10, limits=FRESH) as client:  # fresh connections: the kernel picks a worker
            while len(answers) < 8 or len(workers_of(mock.url, "/v1/auth/login")) < 2:  # both must have counted
                assert len(answers) < 400, "the kernel never handed a login to the second worker"
                answers.append(client.post(f"{mock.url}/v1/auth/login", json=wrong))
                time.sleep(0.005)  # both workers idle: either may take the next connection
            right = client.post(f"{mock.url}/v1/auth/login", json={"username": "user", "password": "user123"})
        remaining = [a.json().get("attemptsRemaining") for a in answers if a.status_code == 401]
        assert remaining == [4, 3, 2, 1, 0], remaining  # one count for the cluster, not one per worker
        assert [a.status_code for a in answers[5:]] == [403] * (len(answers) - 5)
        assert right.status_code == 403  # locked everywhere, the right password too


def workers_of(url: str, path: str) -> set[str]:
    events = httpx.get(f"{url}/__mocktui/events", params={"path": path, "limit": 1000}, timeout=10).json()
    return {e["worker"] for e in events}


def test_an_override_made_in_a_session_holds_on_every_worker(tmp_path: Path) -> None:
    with mock_process([PETSTORE, "--workers", "2"], tmp_path) as mock:
        mock.wait_members(2)
        mine = {"X-Mocktui-Session": "qa-1"}
        r = httpx.put(f"{mock.url}/__mocktui/overrides/getPet", json={"status": 404}, headers=mine, timeout=10)
        assert r.status_code == 200, r.text
        time.sleep(SETTLE_S)
        with httpx.Client(timeout=10, limits=FRESH) as client:
            assert {client.get(f"{mock.url}/pets/1", headers=mine).status_code for _ in range(30)} == {404}
            assert {client.get(f"{mock.url}/pets/1").status_code for _ in range(30)} == {200}
        listed = httpx.get(f"{mock.url}/__mocktui/sessions", timeout=10).json()
        assert [(s["id"], s["requests"], s["overrides"]) for s in listed] == [("qa-1", 30, ["getPet"])]
        assert httpx.delete(f"{mock.url}/__mocktui/sessions/qa-1", timeout=10).status_code == 204
        time.sleep(SETTLE_S)
        with httpx.Client(timeout=10, limits=FRESH) as client:
            assert {client.get(f"{mock.url}/pets/1", headers=mine).status_code for _ in range(20)} == {200}


def test_eight_sessions_on_four_workers_stay_apart_twenty_times(tmp_path: Path) -> None:
    """The xdist case: 8 runs at once, each under its own session, CRUD on one 4-worker mock; 20 repetitions."""
    from .test_sessions_isolation import RUNS, SEEDED, run

    args = [SHOP, "--workers", "4", "--store", f"sqlite:{tmp_path / 'shop.db'}", "--seed", str(SEEDED)]
    with mock_process(args, tmp_path) as mock:
        mock.wait_members(4)
        with ThreadPoolExecutor(RUNS) as pool:
            for repetition in range(20):
                names = [f"rep{repetition}-run{n}" for n in range(RUNS)]
                found = pool.map(lambda name: run(mock.url, name), names)
                assert [p for problems in found for p in problems] == [], f"repetition {repetition}"
        shared = httpx.get(f"{mock.url}/api/v1/users", params={"per_page": 100}, timeout=10).json()
        assert [u["id"] for u in shared] == list(range(1, SEEDED + 1))
        workers = {e["worker"] for e in httpx.get(f"{mock.url}/__mocktui/events", timeout=10).json()}
        assert len(workers) >= 2


async def test_attach_hears_as_many_requests_as_the_load_generator_made(tmp_path: Path) -> None:
    """`mocktui attach`'s backend (the event stream) over two workers: its count is the load generator's."""
    import asyncio

    from mocktui.ui.remote import RemoteBackend

    with mock_process([PETSTORE, "--workers", "2"], tmp_path) as mock:
        mock.wait_members(2)
        backend = RemoteBackend(mock.url)
        heard: list[int] = []
        await backend.start()
        backend.subscribe(lambda event: heard.append(event.id))
        try:
            await asyncio.sleep(0.3)  # the stream is open
            load = await asyncio.to_thread(Load(mock.port, "/pets/7", total=2000, connections=16).run)
            for _ in range(200):
                if len(heard) >= 2000:
                    break
                await asyncio.sleep(0.05)
        finally:
            await backend.stop()
        assert sum(load.statuses.values()) == 2000 and len(heard) == 2000 and len(set(heard)) == 2000
        print(f"attach heard 2,000 of 2,000 requests made at {load.rate:,.0f} req/s")  # noqa: T201 - the figure
