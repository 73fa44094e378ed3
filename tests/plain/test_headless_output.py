"""What `--headless` prints: the routes at start-up, one line per request, and the same as JSON lines
with `--log-format json` (ISO timestamps); short flags as Prism users type them."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ..paths import ROOT, SPECS
from .test_bad_invocations import free_port


@contextmanager
def headless(*args: str) -> Iterator[tuple[str, list[str]]]:
    """A real `mocktui --headless` process; yields its URL and, after it stops, its stdout lines."""
    port = free_port()
    command = [sys.executable, "-m", "mocktui", str(SPECS / "petstore.yaml"), "--headless", "-p", str(port), *args]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        for _ in range(100):
            try:
                httpx.get(url + "/__mocktui/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url, lines
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
        lines.extend(out.splitlines())


def test_text_lines_list_the_routes_then_each_request() -> None:
    with headless("-d") as (url, lines):
        body = httpx.get(url + "/pets").json()
        again = httpx.get(url + "/pets").json()
    assert body != again  # -d is --dynamic: a fresh body every time
    assert lines[0].startswith("mocktui: serving 'Petstore' (7 operations)")
    assert "  GET     /pets/{petId}  getPet" in lines
    assert any(line.endswith("[listPets]") and " 200 GET /pets " in line for line in lines)


def test_json_lines_with_iso_timestamps() -> None:
    with headless("--log-format", "json") as (url, lines):
        httpx.get(url + "/pets/1")
        httpx.get(url + "/nowhere")
    events = [json.loads(line) for line in lines]
    assert events[0]["event"] == "listening" and events[0]["url"] == url
    assert {"method": "GET", "path": "/pets/{petId}", "id": "getPet"} in events[0]["routes"]
    requests = [e for e in events if e["event"] == "request"]
    assert [(e["path"], e["status"], e["operation"]) for e in requests] == [
        ("/pets/1", 200, "getPet"),
        ("/nowhere", 404, None),
    ]
    stamp = dt.datetime.fromisoformat(requests[0]["time"].replace("Z", "+00:00"))
    assert abs(stamp.timestamp() - time.time()) < 60 and requests[0]["time"].endswith("Z")
