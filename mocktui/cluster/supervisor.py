"""`--workers N`: N worker processes on one listening socket, and another started when one dies.

Workers are spawned, not forked: the parent may be the control room (Textual's threads and
terminal do not survive a fork) and a worker started later, to replace a dead one, must come
up clean. Each gets the listening socket's descriptor, the resolved settings and where its
control plane is (the hub's Unix socket, or the cluster's Redis) in one environment variable,
read by `python -m mocktui.worker`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

from mocktui.settings.table import Settings

ENV = "MOCKTUI_WORKER"
WATCH_S = 0.05  # how often dead workers are looked for
STOP_S = 5.0  # a worker gets this long to finish its requests before SIGKILL
RESPAWN_LIMIT = 5  # deaths within RESPAWN_WINDOW_S that stop the respawning (a worker that cannot start)
RESPAWN_WINDOW_S = 10.0

Say = Callable[[str, str], None]  # (level, text)


class Supervisor:
    """Starts, watches and stops the worker processes of one mock."""

    def __init__(
        self,
        settings: Settings,
        sock: socket.socket,
        count: int,
        *,
        hubs: Sequence[str],
        token: str | None,
        say: Say,
        quiet: bool = False,
    ) -> None:
        """`hubs`: the sockets of the supervisor's hubs, one per spec (none when a Redis holds the plane)."""
        self.count = count
        self.sock = sock
        self.say = say
        self.quiet = quiet  # the control room owns the terminal: workers print nothing
        worker_settings = dataclasses.replace(settings, workers=1, headless=True, record=None)  # one recorder: here
        self._payload = {
            "settings": base64.b64encode(pickle.dumps(worker_settings)).decode(),
            "fd": sock.fileno(),
            "hubs": list(hubs),
            "token": token,
        }
        self.workers: list[subprocess.Popen[bytes]] = []
        self.restarts = 0
        self._deaths: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        env = {**os.environ, ENV: json.dumps({**self._payload, "index": index})}
        out = subprocess.DEVNULL if self.quiet else None
        return subprocess.Popen(
            [sys.executable, "-m", "mocktui.worker"],
            env=env,
            pass_fds=(self.sock.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=self.quiet,  # Ctrl+C in the control room is the app's, not the workers'
        )

    async def start(self) -> None:
        self.workers = [self._spawn(index) for index in range(self.count)]
        self._task = asyncio.create_task(self._watch(), name="mocktui-supervisor")

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self.workers]

    async def _watch(self) -> None:
        while not self._stopping:
            await asyncio.sleep(WATCH_S)
            for index, worker in enumerate(self.workers):
                code = worker.poll()
                if code is None or self._stopping:
                    continue
                now = time.monotonic()
                self._deaths = [t for t in self._deaths if now - t < RESPAWN_WINDOW_S] + [now]
                if len(self._deaths) > RESPAWN_LIMIT:
                    self.say("error", f"workers keep dying (last: pid {worker.pid}, exit {code}); not restarting")
                    self._stopping = True
                    return
                self.workers[index] = self._spawn(index)
                self.restarts += 1
                self.say("warning", f"worker {worker.pid} died (exit {code}); started {self.workers[index].pid}")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_S
        while time.monotonic() < deadline and any(w.poll() is None for w in self.workers):
            await asyncio.sleep(0.05)
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()


def worker_payload() -> dict[str, object] | None:
    """What the supervisor handed this process, when it is a worker."""
    raw = os.environ.pop(ENV, None)
    return json.loads(raw) if raw else None


def worker_settings(payload: dict[str, object]) -> Settings:
    settings = pickle.loads(base64.b64decode(str(payload["settings"])))  # noqa: S301 - our own parent wrote it
    if not isinstance(settings, Settings):
        raise TypeError("the supervisor's settings are not Settings")
    return settings
