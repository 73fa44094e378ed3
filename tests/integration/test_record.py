"""--record and --replay on real processes: 500 exchanges recorded (mocked ones, with --record-all: the proxy
is P1's and this suite does not need a backend), a kill -9 mid-run that leaves valid HAR, then --replay answering
all 500 as they were first answered, the spec answering what was never recorded, and no secret in the file."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..engine.test_har import har_errors
from ..helpers import SPECS
from .processes import MockProcess, mock_process

SHOP = str(SPECS / "shop.yaml")
BASE = "/api/v1"
SECRETS = {
    "bearer": "sk-bearer-71f3",
    "cookie": "ck-sid-2b9e",
    "key": "ak-hdr-55c1",
    "query": "tk-query-9d0a",
    "deep": "pw-deep-7e42",
    "deeper": "cs-deeper-1a7c",
}
Request = tuple[str, str, dict[str, Any]]


def requests_500() -> list[Request]:
    """Lists, reads, creates, changes, deletes and refused creates, with secrets in headers, query and bodies."""
    out: list[Request] = []
    secret_headers = {
        "authorization": f"Bearer {SECRETS['bearer']}",
        "cookie": f"sid={SECRETS['cookie']}; theme=dark",
        "x-api-key": SECRETS["key"],
    }
    for i in range(100):
        out.append(("GET", f"{BASE}/users", {"params": {"page": str(i % 3 + 1), "per_page": "2"}}))
        out.append(("GET", f"{BASE}/products/{i % 5 + 1}", {"headers": secret_headers}))
        user = {"email": f"user{i}@example.com", "firstName": f"F{i}", "lastName": "L"}
        out.append(("POST", f"{BASE}/users", {"json": user, "params": {"access_token": SECRETS["query"]}}))
        keys = [{"client_secret": SECRETS["deeper"]}]
        refused = {"firstName": "No", "profile": {"password": SECRETS["deep"], "keys": keys}}
        out.append(("POST", f"{BASE}/users", {"json": refused}))  # 422: email missing; the answer echoes no secret
        if i % 2:
            out.append(("PATCH", f"{BASE}/users/{i % 4 + 1}", {"json": {"firstName": f"P{i}"}}))
        else:
            out.append(("GET", f"{BASE}/users/{i % 4 + 1}", {}))
    out[-1] = ("DELETE", f"{BASE}/users/1", {})
    return out


def send(client: httpx.Client, request: Request) -> tuple[int, bytes]:
    method, path, options = request
    response = client.request(method, path, **options)
    return response.status_code, response.content


def entries(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_bytes())
    assert har_errors(document) == []
    found: list[dict[str, Any]] = document["log"]["entries"]
    return found


def test_record_500_kill_9_then_replay_all_of_them(tmp_path: Path) -> None:
    har = tmp_path / "rec.har"
    wanted = requests_500()
    process = MockProcess([SHOP, "--stateful", "--seed", "5", "--record-all", "--record", str(har)], tmp_path / "a.log")
    try:
        process.wait_ready()
        with httpx.Client(base_url=process.url, timeout=10) as client:
            seen = [send(client, request) for request in wanted]
            assert len(har.read_bytes()) > 0 and len(entries(har)) == 500  # every acknowledged exchange, at once
            assert {status for status, _ in seen} >= {200, 201, 204, 422}
            acked = 0
            stop = threading.Event()

            def more() -> None:
                nonlocal acked
                with httpx.Client(base_url=process.url, timeout=5) as extra:
                    page = 0
                    while not stop.is_set():
                        page += 1
                        try:
                            extra.get(f"{BASE}/products", params={"page": str(page), "per_page": "1"})
                        except httpx.HTTPError:
                            return
                        acked += 1

            runner = threading.Thread(target=more)
            runner.start()
            while acked < 50:
                threading.Event().wait(0.005)
            os.killpg(process.proc.pid, signal.SIGKILL)  # mid-run: requests are flowing
            process.proc.wait(5)
            stop.set()
            runner.join(10)
    finally:
        if process.proc.poll() is None:
            process.kill()
    recorded = entries(har)  # still valid HAR after a kill -9
    assert 500 + acked <= len(recorded) <= 500 + acked + 1  # all acknowledged, at most the one in flight
    text = har.read_text()
    assert [name for name, secret in SECRETS.items() if secret in text] == []
    first = recorded[:500]
    assert [(e["request"]["method"], e["response"]["status"]) for e in first] == [
        (m, status) for (m, _, _), (status, _) in zip(wanted, seen, strict=True)
    ]

    with mock_process([SHOP, "--replay", str(har)], tmp_path) as replaying:
        with httpx.Client(base_url=replaying.url, timeout=10) as client:
            again = [send(client, request) for request in wanted]
            mismatched = [i for i, (a, b) in enumerate(zip(seen, again, strict=True)) if a != b]
            assert mismatched == []
            fresh = [client.get(f"{BASE}/users/{n}") for n in range(1000, 1200)]
        assert {r.status_code for r in fresh} == {200}  # the spec's answer, never a wrong 404
        journal = httpx.get(replaying.url + "/__mocktui/events", params={"limit": 200}, timeout=10).json()
        events = journal["events"] if isinstance(journal, dict) else journal
        assert len(events) == 200 and not any("replayed" in e["tags"] for e in events)
        assert all(e["operation"] == "getUser" for e in events)


def test_without_record_all_only_proxied_exchanges_are_recorded(tmp_path: Path) -> None:
    har = tmp_path / "rec.har"
    with mock_process([SHOP, "--record", str(har)], tmp_path) as mock:
        assert httpx.get(f"{mock.url}{BASE}/users/1", timeout=10).status_code == 200
        assert mock.stop() == 0
    assert entries(har) == []


def test_one_recorder_for_all_workers(tmp_path: Path) -> None:
    """--workers 2: the supervisor records what every worker answered, once each, into one valid file."""
    har = tmp_path / "rec.har"
    with mock_process([SHOP, "--workers", "2", "--record-all", "--record", str(har)], tmp_path) as mock:
        mock.wait_members(2)
        with httpx.Client(base_url=mock.url, timeout=10) as client:
            statuses = [client.get(f"{BASE}/products/{n}").status_code for n in range(1, 101)]
        assert statuses == [200] * 100
        assert mock.stop() == 0
    recorded = entries(har)
    assert sorted(e["request"]["url"].rsplit("/", 1)[1] for e in recorded) == sorted(str(n) for n in range(1, 101))
    assert all(e["_mocktui"]["worker"] for e in recorded)


@pytest.mark.parametrize(
    ("content", "reason"),
    [("{oops", "not JSON"), ('{"log": {"entries": [{"request": {}}]}}', "entry 1: request.method missing")],
)
def test_a_bad_replay_file_stops_start_up_with_one_line(tmp_path: Path, content: str, reason: str) -> None:
    import subprocess
    import sys

    from .processes import child_env

    bad = tmp_path / "bad.har"
    bad.write_text(content)
    done = subprocess.run([sys.executable, "-m", "mocktui", SHOP, "--headless", "--replay", str(bad)],
                          cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"mocktui: --replay {bad}: {reason}"), done.stderr
