"""The greenlet bridge: synchronous code that awaits on the running event loop (mocktui/engine/stores/bridge.py)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import time

import greenlet
import pytest

from mocktui.engine.stores.bridge import NotBridged, bridged, run_bridged, wait_for


async def _later(value: int, delay: float = 0.001) -> int:
    await asyncio.sleep(delay)
    return value


async def _fails() -> None:
    await asyncio.sleep(0)
    raise KeyError("from the loop")


async def test_result_of_a_plain_call_and_of_several_waits() -> None:
    assert await run_bridged(lambda a, b: a + b, 2, 3) == 5

    def adds() -> int:
        return wait_for(_later(1)) + wait_for(_later(2)) + wait_for(_later(3))

    assert await run_bridged(adds) == 6


async def test_an_awaitable_exception_is_raised_at_wait_for() -> None:
    def catches() -> str:
        try:
            wait_for(_fails())
        except KeyError as exc:
            return f"caught {exc.args[0]}"
        return "not raised"

    assert await run_bridged(catches) == "caught from the loop"

    def lets_it_through() -> None:
        wait_for(_fails())

    with pytest.raises(KeyError, match="from the loop"):
        await run_bridged(lets_it_through)


async def test_an_exception_of_the_function_itself_reaches_the_caller() -> None:
    def before_any_wait() -> None:
        raise ValueError("early")

    def after_a_wait() -> None:
        wait_for(_later(1))
        raise ValueError("late")

    with pytest.raises(ValueError, match="early"):
        await run_bridged(before_any_wait)
    with pytest.raises(ValueError, match="late"):
        await run_bridged(after_a_wait)


async def test_nested_bridged_calls() -> None:
    def inner(n: int) -> int:
        assert bridged()
        return wait_for(_later(n)) * 10

    def outer() -> int:
        first = wait_for(run_bridged(inner, 1))  # a bridged call awaited from bridged code
        return first + wait_for(run_bridged(inner, 2)) + wait_for(_later(3))

    assert await run_bridged(outer) == 33


async def test_wait_for_outside_the_bridge_raises_a_clear_error() -> None:
    assert not bridged()
    coro = _later(1)
    with pytest.raises(NotBridged, match="outside run_bridged"):
        wait_for(coro)
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # closed: no "never awaited" warning
    assert await run_bridged(bridged) is True
    assert not bridged()


def test_wait_for_with_no_event_loop_at_all() -> None:
    with pytest.raises(NotBridged):
        wait_for(_later(1))


async def test_the_loop_serves_other_tasks_while_bridged_code_waits() -> None:
    """Two bridged calls each wait for what the other sets: only an event loop that keeps running
    while one of them waits lets both finish."""
    ping, pong = asyncio.Event(), asyncio.Event()

    def left() -> str:
        ping.set()
        wait_for(pong.wait())
        return "left"

    def right() -> str:
        wait_for(ping.wait())
        pong.set()
        return "right"

    started = time.perf_counter()
    done = await asyncio.wait_for(asyncio.gather(run_bridged(left), run_bridged(right)), 2)
    assert list(done) == ["left", "right"]
    assert time.perf_counter() - started < 0.5


async def test_concurrent_bridged_calls_overlap_their_waits() -> None:
    def slow(n: int) -> int:
        return wait_for(_later(n, delay=0.1))

    started = time.perf_counter()
    results = await asyncio.gather(*(run_bridged(slow, n) for n in range(20)))
    assert results == list(range(20))
    assert time.perf_counter() - started < 1.0  # 20 x 100 ms in parallel, not 2 s in a row


async def test_context_variables_are_the_callers() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("caller")

    def reads() -> str:
        wait_for(asyncio.sleep(0))
        return var.get()

    assert await run_bridged(reads) == "caller"


async def test_cancellation_reaches_the_bridged_code() -> None:
    cleaned: list[str] = []
    entered = asyncio.Event()

    def waits_forever() -> None:
        try:
            entered.set()
            wait_for(asyncio.sleep(3600))
        finally:
            cleaned.append("finally ran")

    task = asyncio.create_task(run_bridged(waits_forever))
    await entered.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["finally ran"]


async def test_a_finished_greenlet_serves_the_next_call() -> None:
    """Starting a greenlet costs ~9 µs, switching to a parked one ~0.5: the bridge reuses them, and a call
    that raised leaves nothing behind for the next one."""

    def which() -> int:
        wait_for(asyncio.sleep(0))
        return id(greenlet.getcurrent())

    def raises() -> None:
        raise RuntimeError("boom")

    first = await run_bridged(which)
    with pytest.raises(RuntimeError, match="boom"):
        await run_bridged(raises)
    assert await run_bridged(which) == first
    assert await run_bridged(lambda: 7) == 7
    both = await asyncio.gather(run_bridged(which), run_bridged(which))
    assert len(set(both)) == 2  # two calls at once: two greenlets
