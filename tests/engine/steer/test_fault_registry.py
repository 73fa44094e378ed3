"""Each chaos fault is one entry of `FAULTS`: its name is what settings, controls and rules accept,
and its `act` is what the server does on the wire (checked here against a recording wire)."""

from __future__ import annotations

import pytest

from mocktui.engine.http import MockResponse
from mocktui.engine.steer import faults
from mocktui.engine.steer.controls import ControlError, Controls
from mocktui.engine.steer.faults import FAULTS, FaultAbort, fault_kind
from mocktui.settings.parsers import parse_chaos


class Recorder:
    """A wire that writes down what a fault does to it."""

    def __init__(self) -> None:
        self.log: list[tuple[str, object]] = []

    async def start(self, response: MockResponse) -> None:
        self.log.append(("start", response.status))

    async def send(self, chunk: bytes, more: bool) -> None:
        self.log.append(("send", (len(chunk), more)))

    def reset(self) -> None:
        self.log.append(("reset", None))


RESPONSE = MockResponse(200, [("content-type", "application/json")], b"x" * 200)


async def test_reset_drops_before_any_byte() -> None:
    wire = Recorder()
    with pytest.raises(FaultAbort):
        await FAULTS["reset"].act(wire, RESPONSE)
    assert wire.log == [("reset", None)]


async def test_truncate_sends_half_then_drops() -> None:
    wire = Recorder()
    with pytest.raises(FaultAbort):
        await FAULTS["truncate"].act(wire, RESPONSE)
    assert wire.log == [("start", 200), ("send", (100, True))]


async def test_hang_sends_headers_then_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults, "HANG_S", 0.01)
    wire = Recorder()
    with pytest.raises(FaultAbort):
        await FAULTS["hang"].act(wire, RESPONSE)
    assert wire.log == [("start", 200)]


async def test_drip_sends_the_whole_body_in_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults, "DRIP_PAUSE_S", 0.0)
    wire = Recorder()
    await FAULTS["drip"].act(wire, RESPONSE)
    sent = [size for kind, (size, _more) in ((k, v) for k, v in wire.log if k == "send")]  # type: ignore[misc]
    assert wire.log[0] == ("start", 200) and sum(sent) == 200 and max(sent) == faults.DRIP_CHUNK
    assert wire.log[-1] == ("send", (0, False))


def test_every_vocabulary_takes_its_kinds_from_the_registry() -> None:
    assert list(FAULTS) == ["reset", "hang", "truncate", "drip"]
    assert parse_chaos(",".join(f"{name}:1" for name in FAULTS)) == dict.fromkeys(FAULTS, 1.0)
    with pytest.raises(ValueError, match="chaos kinds are reset, hang, truncate, drip"):
        fault_kind("melt")
    controls = Controls()
    controls.update({"faults": {"chaos": {"drip": 5}}})
    with pytest.raises(ControlError, match="kinds reset, hang, truncate, drip"):
        controls.update({"faults": {"chaos": {"melt": 5}}})
