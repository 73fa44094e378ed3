"""Big bodies stream through --proxy both ways without being held whole, and --fail-on-drift fails the
process at shutdown when the backend broke the spec anywhere in the mock (one process or several)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..backend_app import BackendProcess, running
from ..helpers import ROOT
from .processes import MockProcess, mock_process

SPEC = str(ROOT / "tests" / "data" / "backend.yaml")
SIZE = 50 * 1024 * 1024
RSS_BOUND_MB = 20


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    with running(tmp_path_factory.mktemp("backend") / "backend.log") as process:
        yield process


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class PeakRSS:
    """The highest resident set size of a process while the block runs, sampled every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def chunks(size: int, piece: int = 256 * 1024) -> Iterator[bytes]:
    block = bytes(range(256)) * (piece // 256)
    for _ in range(size // piece):
        yield block


def test_fifty_megabytes_stream_through_both_ways_with_bounded_memory(backend: BackendProcess, tmp_path: Path) -> None:
    with mock_process([SPEC, "--proxy", backend.url], tmp_path) as mock:
        for _ in range(3):  # warm: the client session, the pool, the first allocations
            httpx.get(f"{mock.url}/api/download", params={"size": 4 * 1024 * 1024}).raise_for_status()
        before = rss_mb(mock.proc.pid)
        with PeakRSS(mock.proc.pid) as down:
            received = 0
            with httpx.stream("GET", f"{mock.url}/api/download", params={"size": SIZE}, timeout=60) as response:
                assert response.status_code == 200 and response.headers["content-length"] == str(SIZE)
                for part in response.iter_raw():
                    received += len(part)
        assert received == SIZE
        event = last_event(mock)
        assert event["tags"] == ["proxied"] and event["notes"] == ["body not checked: longer than 1024 KiB"]
        assert "response_body" in event["truncated"]
        with PeakRSS(mock.proc.pid) as up:
            response = httpx.post(f"{mock.url}/api/echo", content=chunks(SIZE), timeout=60,
                                  headers={"content-type": "application/octet-stream"})  # fmt: skip
        expected = hashlib.sha256()
        for block in chunks(SIZE):
            expected.update(block)
        assert response.json()["size"] == SIZE and response.json()["sha256"] == expected.hexdigest()
        assert "request_body" in last_event(mock)["truncated"]
        growth = max(down.peak, up.peak) - before
        assert growth <= RSS_BOUND_MB, f"RSS grew {growth:.1f} MB streaming {SIZE >> 20} MB (bound {RSS_BOUND_MB})"


def last_event(mock: MockProcess) -> dict[str, object]:
    events: list[dict[str, object]] = httpx.get(f"{mock.url}/__mocktui/events", params={"limit": 1}).json()
    return events[-1]


@pytest.mark.parametrize("workers", [1, 2])
def test_fail_on_drift_exits_one_when_the_backend_broke_the_spec(
    backend: BackendProcess, tmp_path: Path, workers: int
) -> None:
    args = [SPEC, "--proxy", backend.url, "--fail-on-drift", "--workers", str(workers)]
    with mock_process(args, tmp_path) as mock:
        if workers > 1:
            mock.wait_members(workers)
        for _ in range(6):  # spread over the workers: each worker's drift counts
            with httpx.Client() as fresh:  # a new connection each time
                fresh.get(f"{mock.url}/api/users/1", headers={"X-Deviate": "below-minimum"}).raise_for_status()
        code = mock.stop()
        assert code == 1, mock.output()
        assert "mocktui: drift: 6 findings of the backend against the spec" in mock.output()


def test_fail_on_drift_exits_zero_when_the_backend_kept_to_the_spec(backend: BackendProcess, tmp_path: Path) -> None:
    with mock_process([SPEC, "--proxy", backend.url, "--fail-on-drift"], tmp_path) as mock:
        for path in ("/api/users", "/api/users/2", "/api/status"):
            httpx.get(mock.url + path).raise_for_status()
        assert mock.stop() == 0, mock.output()
        assert "drift" not in mock.output()
