"""Run the ASGI app under uvicorn inside an existing event loop.

We bind the socket ourselves (uvicorn calls `sys.exit` on a bind error) and
disable uvicorn's signal capture and logging config, so the same runner
works headless and under the Textual app.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket

import uvicorn

from mocktui.engine.steer.faults import FaultAbort
from mocktui.server.app import ASGIApp


class PortInUse(Exception):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} is already in use on {host}; try --port {port + 1}")
        self.host, self.port = host, port


class BadAddress(Exception):
    """The host cannot be listened on (not an address of this machine, or not an address at all)."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"--host {host}: cannot listen there: {reason}")


class _Server(uvicorn.Server):
    def capture_signals(self):  # type: ignore[no-untyped-def,override,unused-ignore]
        """The host (headless loop or Textual app) owns signals."""
        import contextlib

        return contextlib.nullcontext()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or `PortInUse` (the environment), or `BadAddress` (the input)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP; without it
    # every keep-alive response waits ~40 ms for a delayed ACK (uvloop does not care; asyncio does).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUse(host, port) from None
        raise BadAddress(host, exc.strerror or str(exc)) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _NotChaos(logging.Filter):
    """Drop uvicorn's error report for connections a chaos fault dropped on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, FaultAbort)


logging.getLogger("uvicorn.error").addFilter(_NotChaos())


class ServerRunner:
    """Owns one uvicorn server task; start, wait until ready, stop."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
            server_header=False,
        )
        self.server = _Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def host(self) -> str:
        return str(self.sock.getsockname()[0])

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self.task.done():
                await self.task
                raise RuntimeError("the server stopped during start-up")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
