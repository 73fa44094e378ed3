"""Webhooks of a mock that is several processes (`--workers 2`), and the mocktui.yaml triggers: real
processes, a real receiver, real sockets on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from mocktui.service import RECENT_DELIVERIES

from ..helpers import until
from ..receiver import Receiver, serving
from .processes import MockProcess, mock_process
from .test_webhooks import STATEFUL_SPEC

FRESH = httpx.Limits(max_keepalive_connections=0)  # a new connection per request: the kernel spreads them
SUBSCRIPTIONS = "/__mocktui/webhooks/petCreated/subscriptions"


def workers_mock(tmp_path: Path, config: str = "") -> tuple[list[str], Path]:
    spec = tmp_path / "pets.yaml"
    spec.write_text(STATEFUL_SPEC)
    (tmp_path / "mocktui.yaml").write_text(config)
    return [str(spec), "--workers", "2", "--store", f"sqlite:{tmp_path / 'pets.db'}", "--seed", "0"], spec


def both_workers(mock: MockProcess, client: httpx.Client, send: Callable[[], httpx.Response]) -> int:
    """Send on fresh connections until both workers have answered one (the kernel picks): how many were sent."""
    workers = {m["worker"] for m in mock.wait_members(2)}
    for sent in range(1, 401):
        assert send().status_code < 300
        answered = {e["worker"] for e in client.get("/__mocktui/events", params={"limit": 1000}).json()}
        if workers <= answered:
            return sent
        time.sleep(0.005)
    raise AssertionError("one worker answered every request")


def test_a_subscription_made_on_one_worker_fires_once_for_a_post_on_either(tmp_path: Path) -> None:
    receiver = Receiver()
    args, _ = workers_mock(tmp_path)
    with serving(receiver) as target, mock_process(args, tmp_path) as mock:
        with httpx.Client(base_url=mock.url, timeout=10, limits=FRESH) as client:
            mock.wait_members(2)
            assert client.post(SUBSCRIPTIONS, json={"url": f"{target}/hooks"}).status_code == 201
            # The plane applies it everywhere within 50 ms (test_cluster.py holds that); on a loaded machine
            # wait until six reads on fresh connections (either worker) all list it.
            until(lambda: all(client.get(SUBSCRIPTIONS).json() for _ in range(6)))
            sent = both_workers(mock, client, lambda: client.post("/pets", json={"name": "Rex"}))
            until(lambda: len(receiver.got) >= sent)
            time.sleep(0.3)  # a second delivery of any of them would have arrived by now
            assert len(receiver.got) == sent
            names = [orjson.loads(g["body"])["name"] for g in receiver.got]
            assert names == ["Rex"] * sent

            def outcomes() -> list[str]:
                listed = {h["name"]: h for h in client.get("/__mocktui/webhooks").json()}["petCreated"]["deliveries"]
                return [d["outcome"] for d in listed]

            shown = min(sent, RECENT_DELIVERIES)  # the listing keeps each hook's latest attempts
            until(lambda: len(outcomes()) == shown)  # each attempt reaches the cluster's journal after its answer
            for _ in range(6):  # whichever worker answers, it lists both workers' deliveries
                assert outcomes() == ["delivered"] * shown


def test_the_sink_lists_what_any_worker_received_and_misbehaves_on_every_worker(tmp_path: Path) -> None:
    args, _ = workers_mock(tmp_path)
    with mock_process(args, tmp_path) as mock, httpx.Client(base_url=mock.url, timeout=10, limits=FRESH) as client:
        sent = both_workers(mock, client, lambda: client.post("/__mocktui/sink/shared", json={"n": 1}))
        for _ in range(10):  # each read may land on either worker: every one lists all of them
            assert len(client.get("/__mocktui/sink/shared").json()) == sent
        assert client.put("/__mocktui/sink/shared/behaviour", json={"status": 503}).status_code == 200
        time.sleep(0.05)
        assert {client.post("/__mocktui/sink/shared", json={"n": 2}).status_code for _ in range(20)} == {503}


def test_every_fires_once_per_round_across_workers(tmp_path: Path) -> None:
    receiver = Receiver()
    with serving(receiver) as target:
        args, _ = workers_mock(tmp_path, f"webhooks:\n  petCreated: {{url: '{target}/tick', every: 1s}}\n")
        with mock_process(args, tmp_path) as mock:
            mock.wait_members(2)
            started = len(receiver.got)
            time.sleep(3.5)
            ticks = receiver.times[started:]
    assert 3 <= len(ticks) <= 4, len(ticks)  # 2 workers, every second for 3.5 s: once a round, not twice
    assert all(b - a > 0.5 for a, b in zip(ticks, ticks[1:], strict=False))


def test_x_mocktui_webhook_and_mocktui_yaml_map_store_events(tmp_path: Path) -> None:
    """A webhook whose payload is not the record (no automatic mapping) fires on `pets.created` by the
    spec's extension; another by mocktui.yaml's `on:`, held back by its `delay:`."""
    spec = tmp_path / "pets.yaml"
    spec.write_text(STATEFUL_SPEC.replace("webhooks:\n", EXTENDED_WEBHOOKS))
    receiver = Receiver()
    with serving(receiver) as target:
        (tmp_path / "mocktui.yaml").write_text(
            f"webhooks:\n  petCreated: {{url: '{target}/created'}}\n"
            f"  petAudited: {{url: '{target}/audit', on: pets.created, delay: 300ms}}\n"
            f"  petAnnounced: {{url: '{target}/announced'}}\n"
        )
        with mock_process([str(spec), "--stateful", "--seed", "0"], tmp_path) as mock:
            sent = time.perf_counter()
            created = httpx.post(f"{mock.url}/pets", json={"name": "Rex"}, timeout=10).json()
            until(lambda: len(receiver.got) == 3)
    by_path = {g["path"]: (g, t) for g, t in zip(receiver.got, receiver.times, strict=True)}
    assert orjson.loads(by_path["/created"][0]["body"]) == created
    announced = orjson.loads(by_path["/announced"][0]["body"])
    assert announced["id"] == created["id"] and announced["name"] == "Rex"  # coherent with the record
    assert by_path["/audit"][1] - sent >= 0.3


EXTENDED_WEBHOOKS = """webhooks:
  petAnnounced:
    x-mocktui-webhook: {on: pets.created}
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [id, name, headline]
              properties: {id: {type: integer}, name: {type: string}, headline: {type: string}}
      responses: {"200": {description: ok}}
  petAudited:
    post:
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses: {"200": {description: ok}}
"""
