"""Real mock processes for integration tests: `python -m mocktui ... --headless` on a free port, in its own
process group (so a test can stop the mock and every worker it spawned)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..helpers import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A minimal environment: no PORT, SEED_*, STATEFUL_MODE... of the caller's leaks into a mock."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


class MockProcess:
    """`python -m mocktui SPEC --headless` on 127.0.0.1 and a free port, in its own process group."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [sys.executable, "-m", "mocktui", *args, "--headless", "--port", str(self.port)]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                [*command, "--log-level", "warning"],
                cwd=log.parent,  # no mocktui.yaml or .env of the project's own
                env=child_env(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"mock exited with {self.proc.returncode}: {self.output()}")
            try:
                if httpx.get(self.url + "/__mocktui/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        pytest.fail(f"mock not ready after {timeout}s: {self.output()}")

    def stop(self) -> int:
        """SIGTERM, as a process manager stops it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"mock did not stop on SIGTERM: {self.output()}")

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this test started: the mock and its workers
        except ProcessLookupError:
            pass
        self.proc.wait(5)

    def export(self) -> dict[str, list[dict[str, Any]]]:
        state: dict[str, list[dict[str, Any]]] = httpx.get(self.url + "/__mocktui/store/export", timeout=10).json()
        return state

    def members(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(self.url + "/__mocktui/cluster", timeout=10).json()["members"]
        return found

    def wait_members(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Until `count` processes serve this mock (workers connect to their plane a moment after spawning)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            members = self.members()
            if len(members) == count:
                return members
            time.sleep(0.05)
        pytest.fail(f"{len(self.members())} of {count} workers after {timeout}s: {self.output()}")


@contextmanager
def mock_process(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[MockProcess]:
    process = MockProcess(args, tmp_path / f"mock-{uuid.uuid4().hex[:8]}.log", env)
    try:
        process.wait_ready()
        yield process
    finally:
        if process.proc.poll() is None:
            process.stop()
        try:
            os.killpg(process.proc.pid, 0)
        except ProcessLookupError:
            pass
        else:
            process.kill()  # a worker outlived its parent


class Load:
    """A bounded load generator on raw keep-alive sockets (httpx tops out far below what a mock serves):
    `total` GETs of `path` over `connections` connections; a connection that breaks is reopened and
    its request counted as failed."""

    def __init__(self, port: int, path: str, total: int, connections: int = 16) -> None:
        self.port, self.total, self.connections = port, total, connections
        self.request = f"GET {path} HTTP/1.1\r\nHost: load\r\n\r\n".encode()
        self.statuses: dict[int, int] = {}
        self.failed = 0
        self.seconds = 0.0
        self._left = total

    @property
    def rate(self) -> float:
        return self.total / self.seconds if self.seconds else 0.0

    def run(self) -> Load:
        import asyncio

        started = time.perf_counter()
        asyncio.run(self._all())
        self.seconds = time.perf_counter() - started
        return self

    async def _all(self) -> None:
        import asyncio

        await asyncio.gather(*(self._one() for _ in range(self.connections)))

    async def _one(self) -> None:
        import asyncio

        reader = writer = None
        while self._left > 0:
            self._left -= 1
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                assert reader is not None
                writer.write(self.request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
                status = int(head.split(b" ", 2)[1])
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                self.statuses[status] = self.statuses.get(status, 0) + 1
            except (TimeoutError, OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                self.failed += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()
