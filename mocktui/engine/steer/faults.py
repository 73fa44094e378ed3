"""Chaos faults: the one home of each kind's name, help line and how it is acted out on the wire.

Settings (`--chaos reset:2`), controls, per-route overrides and scenario rules (`fault: hang`)
take their kinds from `FAULTS`; the server hands each faulty response to `Fault.act` with a
`Wire` over its connection. A new kind is one `Fault` in `FAULTS` (and its test).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from mocktui.engine.http import MockResponse

HANG_S = 30.0  # a hanging response gives up after this long: bounded, as promised
DRIP_CHUNK = 64  # bytes per drip
DRIP_PAUSE_S = 0.1  # between drips; the whole drip is bounded by DRIP_MAX_S
DRIP_MAX_S = 10.0


class FaultAbort(Exception):
    """Raised after a response started, so that the server drops the connection."""


class Wire(Protocol):
    """One client connection as a fault sees it; the server adapts its transport to this."""

    async def start(self, response: MockResponse) -> None:
        """Send the status line and headers (with the full body's Content-Length)."""

    async def send(self, chunk: bytes, more: bool) -> None:
        """Send part of the body; `more=False` completes the response."""

    def reset(self) -> None:
        """Drop the connection with a TCP reset (RST), where the transport allows it."""


Act = Callable[[Wire, MockResponse], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    help: str
    act: Act


async def _reset(wire: Wire, response: MockResponse) -> None:
    wire.reset()
    raise FaultAbort("reset")


async def _hang(wire: Wire, response: MockResponse) -> None:
    await wire.start(response)
    await asyncio.sleep(HANG_S)
    raise FaultAbort("hang")


async def _truncate(wire: Wire, response: MockResponse) -> None:
    await wire.start(response)
    await wire.send(response.body[: len(response.body) // 2], True)
    raise FaultAbort("truncate")


async def _drip(wire: Wire, response: MockResponse) -> None:
    await wire.start(response)
    body = response.body
    pause = min(DRIP_PAUSE_S, DRIP_MAX_S / max(len(body) / DRIP_CHUNK, 1))
    for i in range(0, len(body), DRIP_CHUNK):
        await wire.send(body[i : i + DRIP_CHUNK], True)
        await asyncio.sleep(pause)
    await wire.send(b"", False)


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault("reset", "the connection is reset (TCP RST) before any byte", _reset),
        Fault("hang", f"headers, then nothing for {HANG_S:g}s, then the connection drops", _hang),
        Fault("truncate", "headers and half the body, then the connection drops", _truncate),
        Fault("drip", f"the body in {DRIP_CHUNK}-byte drips, at most {DRIP_MAX_S:g}s in all", _drip),
    )
}


def fault_kind(text: str) -> str:
    """`text` when it names a fault; a ValueError naming the known kinds otherwise."""
    if text not in FAULTS:
        raise ValueError(f"chaos kinds are {', '.join(FAULTS)}; got {text!r}")
    return text
