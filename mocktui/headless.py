"""`--headless`: the mock without the control room, for CI, scripts and containers.

One process, or `--workers N` forked processes on one listening socket (each built by the
composition root; a shared store keeps their state and counters together). Request lines go to
stdout at log level info, the mock's notices (reloads, broken edits) always.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import sys
import time

from mocktui.engine.events import RequestEvent
from mocktui.engine.spec.model import Spec
from mocktui.engine.stores.base import StoreError
from mocktui.engine.stores.registry import store_kind
from mocktui.runtime import Runtime, StartError, admin_token, build, build_engine, listen
from mocktui.settings.table import Settings


def run_headless(spec: Spec, settings: Settings) -> int:
    if settings.workers > 1 and not _shared(settings):
        raise StartError("--workers needs a shared store: add --store redis://127.0.0.1:6379/0")
    sock = listen(settings)
    token = admin_token(settings)
    if settings.workers <= 1:
        return serve(build(spec, settings, sock, token=token))
    engine = build_engine(spec, settings)  # seed once, before forking
    if engine.state is not None:
        engine.state.store.close()
    if token:
        print(f"mocktui: admin API token: {token}", flush=True)
    return _fork(spec, settings, sock, token)


def _shared(settings: Settings) -> bool:
    try:
        return store_kind(settings.store or "").shared
    except StoreError as exc:
        raise StartError(f"--store: {exc}") from None


def _fork(spec: Spec, settings: Settings, sock: socket.socket, token: str | None) -> int:
    children = []
    for _ in range(settings.workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own engine and store connection, the shared listening socket
            os._exit(serve(build(spec, settings, sock, token=token, seed=False), banner=False))
        children.append(pid)
    print(f"mocktui: {settings.workers} workers on port {sock.getsockname()[1]}", flush=True)

    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
    return 0


def serve(runtime: Runtime, banner: bool = True) -> int:
    """Run until SIGINT or SIGTERM; request lines and notices on stdout."""
    engine = runtime.engine
    engine.events.subscribe_notices(lambda n: print(f"mocktui: {n.level}: {n.text}", flush=True))
    if runtime.settings.log_level in ("debug", "info"):
        engine.events.subscribe(log_line)
    elif engine.controls.validate_responses:
        engine.events.subscribe(lambda event: log_line(event) if event.notes else None)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start()
        gc.collect()
        gc.freeze()  # start-up's objects (spec, compiled generators) out of the collector's way: shorter pauses
        if banner:
            print(f"mocktui: {runtime.banner()}", flush=True)
            if runtime.token:
                print(f"mocktui: admin API token: {runtime.token}  (Authorization: Bearer {runtime.token})", flush=True)
        await stop.wait()
        await runtime.stop()
        runtime.close()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:  # pragma: no cover - uvloop is a dependency, but optional in spirit
        asyncio.run(main())
    return 0


def log_line(event: RequestEvent) -> None:
    query = f"?{event.query}" if event.query else ""
    operation = f" [{event.operation}]" if event.operation else ""
    sys.stdout.write(
        f"{time.strftime('%H:%M:%S', time.localtime(event.time))} {event.status} {event.method} "
        f"{event.path}{query} {event.latency_ms:.1f}ms{operation}\n"
    )
    for note in event.notes:
        sys.stdout.write(f"  ! response breaks the spec: {note}\n")
    sys.stdout.flush()
