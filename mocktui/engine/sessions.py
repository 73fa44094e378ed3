"""Client sessions: parallel test runs against one mock that do not see each other.

A request names its session (`X-Mocktui-Session: ID` by default; `--session-from
header:NAME|cookie:NAME|query:NAME`). A session gets its own view of the store (copy-on-write
over the seeded records, `stores/session.py`), its own scenario call counts and rate-limit
windows, and the overrides made with its id; a request without one is served exactly as before.

`Sessions` is this process's registry: the per-session `Stateful` views (made once, kept in a
bounded LRU so a request does not rebuild them), request counts and the sessions' overrides.
The records themselves live in the store, so every worker sharing it agrees on them.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from mocktui.engine.http import MockRequest
from mocktui.engine.stateful.crud import Stateful
from mocktui.engine.steer.controls import Controls, Override
from mocktui.engine.stores.session import SessionStore

DEFAULT_SOURCE = "header:X-Mocktui-Session"
SOURCES = ("header", "cookie", "query")
CAPACITY = 1024  # sessions whose views and counts this process keeps (least recently seen dropped first)
MAX_ID = 200  # characters of a session id that count


@dataclass(frozen=True, slots=True)
class SessionSource:
    """Where a request names its session: a header, a cookie or a query parameter."""

    kind: str
    name: str
    key: str = field(init=False, repr=False, compare=False)  # what is looked up: header names lower-case

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.name.lower() if self.kind == "header" else self.name)

    @classmethod
    def parse(cls, text: str) -> SessionSource:
        """`header:NAME`, `cookie:NAME` or `query:NAME`; raises ValueError naming what is wrong."""
        kind, sep, name = str(text).strip().partition(":")
        kind, name = kind.strip().lower(), name.strip()
        if not sep or kind not in SOURCES or not name:
            raise ValueError(f"expected header:NAME, cookie:NAME or query:NAME, got {text!r}")
        return cls(kind, name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    def read(self, request: MockRequest) -> str | None:
        return self.pick(request.headers, request.query)

    def pick(self, headers: Mapping[str, str], query: str) -> str | None:
        """The session id in these headers (lower-case names, or a case-insensitive mapping) and query."""
        if self.kind == "header":
            return _clean(headers.get(self.key))
        if self.kind == "cookie":
            raw = headers.get("cookie")
            if not raw or self.name not in raw:
                return None
            for part in raw.split(";"):
                key, _, value = part.strip().partition("=")
                if key == self.name:
                    return _clean(value.strip('"'))
            return None
        if not query or self.name not in query:
            return None
        values = [value for key, value in parse_qsl(query, keep_blank_values=True) if key == self.name]
        return _clean(values[-1]) if values else None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()[:MAX_ID]
    return value or None


@dataclass(slots=True)
class Session:
    """What this process knows of one session."""

    id: str
    requests: int = 0
    last_seen: float = 0.0
    base: Stateful | None = None  # the stages' state `state` was made over (a reload makes new ones)
    state: Stateful | None = None  # the session's view of it


class Sessions:
    """The sessions this process served: their store views, request counts and overrides."""

    def __init__(self, source: SessionSource | None = None, capacity: int = CAPACITY) -> None:
        self.source = source or SessionSource.parse(DEFAULT_SOURCE)
        self.capacity = capacity
        self._seen: OrderedDict[str, Session] = OrderedDict()
        self._overrides: dict[str, Controls] = {}  # session -> a Controls holding only its overrides
        self._lock = threading.Lock()

    def read(self, request: MockRequest) -> str | None:
        return self.source.read(request)

    def touch(self, id: str) -> Session:
        """Count a request of session `id`."""
        with self._lock:
            session = self._session(id)
            session.requests += 1
            session.last_seen = time.time()
        return session

    def _session(self, id: str) -> Session:
        session = self._seen.get(id)
        if session is None:
            session = self._seen[id] = Session(id)
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(id)
        return session

    def state(self, id: str, base: Stateful) -> Stateful:
        """The session's view of `base`: its resources over a `SessionStore`, made once per session."""
        with self._lock:
            session = self._session(id)
            if session.base is not base or session.state is None:
                view = copy.copy(base)  # shares the compiled generators, checks and caches
                view.store = SessionStore(base.store, id)
                session.base, session.state = base, view
            return session.state

    def get(self, id: str) -> Session | None:
        return self._seen.get(id)

    def known(self) -> list[Session]:
        """The sessions this process keeps, least recently seen first."""
        with self._lock:
            return list(self._seen.values())

    # -- overrides made with the session's id ------------------------------------------

    def override(self, id: str, operation: str) -> Override | None:
        controls = self._overrides.get(id)
        return controls.overrides.get(operation) if controls is not None else None

    def overrides(self, id: str) -> dict[str, Any]:
        """The session's overrides, as `Controls.snapshot()` gives them."""
        controls = self._overrides.get(id)
        return controls.snapshot()["overrides"] if controls is not None else {}

    def with_overrides(self) -> list[str]:
        return list(self._overrides)

    def set_override(self, id: str, operation: str, changes: dict[str, Any] | None, *, replace: bool) -> None:
        """As `Controls.override`, for requests of session `id` only; raises `ControlError`."""
        controls = self._overrides.get(id) or Controls()
        controls.override(operation, changes, replace=replace)
        if controls.overrides:
            self._overrides[id] = controls
        else:
            self._overrides.pop(id, None)

    def override_document(self) -> dict[str, dict[str, Any]]:
        """Every session's overrides (for the cluster's steering document)."""
        return {id: controls.snapshot()["overrides"] for id, controls in self._overrides.items()}

    def restore_overrides(self, document: dict[str, dict[str, Any]]) -> None:
        """Become `override_document()` of another process (what the cluster says)."""
        fresh: dict[str, Controls] = {}
        for id, overrides in document.items():
            controls = Controls()
            controls.update({"overrides": overrides})
            fresh[id] = controls
        self._overrides = fresh

    def drop(self, id: str) -> bool:
        """Forget the session's view, counts and overrides; True when there was something to forget."""
        with self._lock:
            seen = self._seen.pop(id, None) is not None
            return self._overrides.pop(id, None) is not None or seen
