"""State kept beside an engine that the engine itself never needs (its change log, its webhook outbox).

The request path does not know of them, so they are not `MockEngine` attributes; the service, the
control plane and the exports reach them through `changes_of(engine)` / `outbox_of(engine)`, made on
first use and dropped with the engine.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Beside(Generic[T]):
    """`beside(engine)`: that engine's `T`, made by `make()` the first time it is asked for."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._kept: weakref.WeakKeyDictionary[object, T] = weakref.WeakKeyDictionary()

    def __call__(self, engine: object) -> T:
        found = self._kept.get(engine)
        if found is None:
            found = self._kept[engine] = self._make()
        return found
