"""What every export reads: the spec, the journal's events (filtered as `/events` filters them) and
the control changes between them, with the controls in force at any moment of the session."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mocktui.engine.changes import Change, states
from mocktui.engine.events import RequestEvent
from mocktui.engine.spec.model import Operation, Spec
from mocktui.engine.steer.controls import Controls

OWN_CLIENTS = ("mocktui", "sink")  # the journal's other events: deliveries the mock sent, what its sink received


def answered(event: RequestEvent) -> bool:
    """Whether `event` is a request a client made and the mock answered (what exports replay)."""
    return event.client not in OWN_CLIENTS


@dataclass
class Session:
    """One export's input. `base_url` is where the mock answered (`http://127.0.0.1:3000`, no base path);
    `sample` makes a schema-valid value (the responder's generator: request bodies and parameters)."""

    spec: Spec
    events: list[RequestEvent]
    changes: list[Change]
    base: dict[str, Any] | None  # the controls before the first change (None: the current ones throughout)
    current: dict[str, Any]  # the controls now
    base_url: str = "http://127.0.0.1:3000"
    version: str = ""
    sample: Callable[..., Any] | None = None
    deliveries: list[RequestEvent] = field(default_factory=list)  # the webhook and callback attempts, in order
    _timeline: list[tuple[float, Controls]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        start = Controls()
        start.restore(self.base if self.base is not None else self.current)
        self._timeline = [(float("-inf"), start)]
        self._timeline += [(change.time, controls) for change, controls in states(self.base, self.changes)]

    def controls_at(self, moment: float) -> Controls:
        """The global controls in force at `moment` (a request answered then)."""
        times = [t for t, _ in self._timeline]
        return self._timeline[bisect.bisect_right(times, moment) - 1][1]

    def changes_between(self, start: float, end: float) -> list[Change]:
        """The changes made after `start` and up to `end`, in order."""
        return [c for c in self.changes if start < c.time <= end]

    @property
    def operations(self) -> dict[str, Operation]:
        return {op.id: op for op in self.spec.operations}
