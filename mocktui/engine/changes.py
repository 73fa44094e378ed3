"""The control changes of a session: which admin call changed the steering, and when.

The journal says what each request got; exports (a pytest file replaying a steered demo) also need
when the controls and overrides changed between those requests. The service notes every change
here as the admin call that makes it; the log travels in the cluster's steering document, so every
process of the mock (and the export it serves) knows the same history. Each entry is the call, not
the controls it left: those follow from the log's `base` (the controls before its oldest entry) and
the calls in order (`states`), with the very `Controls` methods the service used. Bounded: the oldest
change is folded into the base when a new one comes.
"""

from __future__ import annotations

import copy
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from mocktui.engine.beside import Beside
from mocktui.engine.steer.controls import ControlError, Controls

CHANGES_MAX = 1_000  # changes kept (each a few dozen bytes)
CONTROLS = "/__mocktui/controls"
OVERRIDES = "/__mocktui/overrides/"


@dataclass(frozen=True, slots=True)
class Change:
    """One admin call that changed the steering: `method path` with `body` (JSON), at `time` (epoch
    seconds, the journal's clock); `session`: an override made for that client session only."""

    seq: int
    time: float
    method: str  # PATCH | PUT | DELETE
    path: str  # /__mocktui/controls, /__mocktui/overrides/getPet, /__mocktui/scenarios/rules/2
    body: Any = None
    session: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(int(data["seq"]), float(data["time"]), str(data["method"]), str(data["path"]), data.get("body"),
                   data.get("session"))  # fmt: skip

    @property
    def operation(self) -> str | None:
        """The operation an override call is about."""
        return self.path[len(OVERRIDES) :] if self.path.startswith(OVERRIDES) else None


class ChangeLog:
    """The last `CHANGES_MAX` control changes, oldest first, and the controls before them."""

    def __init__(self) -> None:
        self._items: deque[Change] = deque()
        self._seq = 0
        self.base: dict[str, Any] | None = None

    def note(self, method: str, path: str, body: Any, before: dict[str, Any], session: str | None = None) -> Change:
        """Keep one change; `before` is the controls it found (the base, when the log was empty)."""
        if not self._items:
            self.base = before
        elif len(self._items) >= CHANGES_MAX:
            oldest = self._items.popleft()
            self.base = apply(restored(self.base or before), oldest).snapshot()
        self._seq += 1
        change = Change(self._seq, time.time(), method, path, copy.deepcopy(body), session)
        self._items.append(change)
        return change

    def items(self) -> list[Change]:
        return list(self._items)

    def clear(self) -> None:
        self._items.clear()
        self.base = None

    def document(self) -> dict[str, Any]:
        return {"base": self.base, "items": [c.to_dict() for c in self._items]}

    def restore(self, doc: dict[str, Any]) -> None:
        """Become another process's log (from the cluster's document)."""
        self.base = doc.get("base")
        self._items = deque(Change.from_dict(d) for d in doc.get("items", ()))
        self._seq = max((c.seq for c in self._items), default=self._seq)


def restored(snapshot: dict[str, Any] | None) -> Controls:
    controls = Controls()
    if snapshot:
        controls.restore(snapshot)
    return controls


def apply(controls: Controls, change: Change) -> Controls:
    """`controls` after `change` (global steering only: a session's override leaves them as they are)."""
    if change.session is not None:
        return controls
    try:
        if change.path == CONTROLS:
            controls.update(change.body or {})
        elif change.operation is not None:
            body = None if change.method == "DELETE" else change.body
            controls.override(change.operation, body, replace=change.method != "PATCH")
    except ControlError:  # it was checked when made; a later spec may have dropped the operation
        pass
    return controls


def states(base: dict[str, Any] | None, changes: Iterable[Change]) -> Iterator[tuple[Change, Controls]]:
    """Each change with the controls it left, in order."""
    controls = restored(base)
    for change in changes:
        controls = apply(copy.deepcopy(controls), change)
        yield change, controls


changes_of = Beside(ChangeLog)  # the engine's change log, made on first use
