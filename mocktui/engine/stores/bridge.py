"""Synchronous code that awaits: the engine stays plain functions, a Redis round trip still yields the loop.

The engine and the `Store` interface are synchronous on purpose (the stateful logic reads as plain
code). A store whose client is asyncio-only (redis.asyncio) would otherwise block the event loop for
every round trip. `run_bridged(fn, *args)` runs `fn` in a greenlet of its own; deep inside it,
`wait_for(awaitable)` switches back to the greenlet that runs the event loop's task, which awaits the
awaitable there (other requests are served meanwhile) and switches back with its result, or throws
its exception into the bridged greenlet. The same idea as SQLAlchemy's asyncio layer
(`greenlet_spawn` and `await_only`), written small. A greenlet switch costs well under a microsecond;
code that is never bridged pays nothing, and `bridged()` lets a store pick its synchronous client then.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, cast

import greenlet

T = TypeVar("T")


class NotBridged(RuntimeError):
    """`wait_for` outside `run_bridged`: there is no event loop greenlet to switch to."""


class _Bridged(greenlet.greenlet):  # type: ignore[misc]  # greenlet ships no type information
    """A greenlet running one synchronous call; `driver` is the event loop task's greenlet awaiting for it."""

    def __init__(self, fn: Callable[..., Any], driver: greenlet.greenlet) -> None:
        super().__init__(fn, driver)
        self.driver = driver
        self.gr_context = driver.gr_context  # the caller's context variables, as if it were a plain call


def bridged() -> bool:
    """True inside `run_bridged`: `wait_for` may be used, and is what keeps the loop free."""
    return isinstance(greenlet.getcurrent(), _Bridged)


def wait_for(awaitable: Awaitable[T]) -> T:
    """The awaitable's result, awaited by the event loop while this synchronous code is suspended."""
    current = greenlet.getcurrent()
    if not isinstance(current, _Bridged):
        if isinstance(awaitable, Coroutine):
            awaitable.close()  # a coroutine that will never run: no "was never awaited" warning
        raise NotBridged("wait_for() outside run_bridged(): call the synchronous client instead (see bridged())")
    return cast(T, current.driver.switch(awaitable))


async def run_bridged(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, where every `wait_for` inside it awaits here, on the running event loop."""
    child = _Bridged(fn, greenlet.getcurrent())
    step: Any = child.switch(*args)  # runs until its first wait_for, or to its end
    while not child.dead:
        try:
            value = await step
        except BaseException:  # noqa: BLE001 - every outcome, cancellation included, goes back to the caller
            step = child.throw(*sys.exc_info())
        else:
            step = child.switch(value)
    return cast(T, step)
