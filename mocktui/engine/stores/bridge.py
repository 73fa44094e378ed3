"""Synchronous code that awaits: the engine stays plain functions, a Redis round trip still yields the loop.

The engine and the `Store` interface are synchronous on purpose (the stateful logic reads as plain
code). A store whose client is asyncio-only (redis.asyncio) would otherwise block the event loop for
every round trip. `run_bridged(fn, *args)` runs `fn` in a greenlet of its own; deep inside it,
`wait_for(awaitable)` switches back to the greenlet that runs the event loop's task, which awaits the
awaitable there (other requests are served meanwhile) and switches back with its result, or throws
its exception into the bridged greenlet. The same idea as SQLAlchemy's asyncio layer
(`greenlet_spawn` and `await_only`), written small.

Starting a fresh greenlet costs ~9 µs on Python 3.11 (it gets a frame stack of its own), switching to
a parked one ~0.5 µs: finished greenlets wait in a per-thread pool for the next call. Code that is never
bridged pays nothing, and `bridged()` lets a store pick its synchronous client then.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, cast

import greenlet

T = TypeVar("T")
POOL_MAX = 256  # parked greenlets kept per thread: the most requests seen bridged at once, up to this


class NotBridged(RuntimeError):
    """`wait_for` outside `run_bridged`: there is no event loop greenlet to switch to."""


_FINISHED = object()  # what a worker switches to its driver with when its call has returned or raised


class _Worker(greenlet.greenlet):  # type: ignore[misc]  # greenlet ships no type information
    """Runs one synchronous call per turn for `driver` (the greenlet awaiting for it), then parks."""

    def __init__(self) -> None:
        super().__init__(self._serve)
        self.driver: Any = None
        self.result: Any = None
        self.error: BaseException | None = None

    def _serve(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        while True:
            try:
                self.result = fn(*args)
            except greenlet.GreenletExit:
                raise  # the greenlet is being collected: let it end
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, who re-raises it
                self.error = exc
            fn = args = None  # type: ignore[assignment]  # hold nothing while parked
            fn, args = self.driver.switch(_FINISHED)


_local = threading.local()  # greenlets belong to the thread that made them: one pool per thread


def bridged() -> bool:
    """True inside `run_bridged`: `wait_for` may be used, and is what keeps the loop free."""
    return isinstance(greenlet.getcurrent(), _Worker)


def wait_for(awaitable: Awaitable[T]) -> T:
    """The awaitable's result, awaited by the event loop while this synchronous code is suspended."""
    current = greenlet.getcurrent()
    if not isinstance(current, _Worker):
        if isinstance(awaitable, Coroutine):
            awaitable.close()  # a coroutine that will never run: no "was never awaited" warning
        raise NotBridged("wait_for() outside run_bridged(): call the synchronous client instead (see bridged())")
    return cast(T, current.driver.switch(awaitable))


async def run_bridged(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, where every `wait_for` inside it awaits here, on the running event loop."""
    pool: list[_Worker] | None = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = []
    worker = pool.pop() if pool else _Worker()
    driver = greenlet.getcurrent()
    worker.driver = worker.parent = driver
    worker.gr_context = driver.gr_context  # the caller's context variables, as if it were a plain call
    step: Any = worker.switch(fn, args)  # runs until its first wait_for, or to its end
    while step is not _FINISHED:
        try:
            value = await step
        except BaseException:  # noqa: BLE001 - every outcome, cancellation included, goes back to the caller
            step = worker.throw(*sys.exc_info())
        else:
            step = worker.switch(value)
    result, error = worker.result, worker.error
    worker.driver = worker.result = worker.error = None
    if len(pool) < POOL_MAX:
        pool.append(worker)
    if error is not None:
        raise error
    return cast(T, result)
