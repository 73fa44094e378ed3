"""Provides what the control room talks to: the `Backend` protocol and the records it answers with.

`LocalBackend` (`ui/local.py`) runs a `Runtime` in the app's event loop and calls its service;
`RemoteBackend` (`ui/remote.py`) reaches a mock elsewhere through its admin API, which is HTTP
over the same service. The app never knows which one it has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mocktui.engine.events import RequestEvent
from mocktui.engine.outbox import NO_BODY

Listener = Callable[[RequestEvent], None]
NoticeListener = Callable[[str, str], None]  # (level: info | warning | error, text)
Record = dict[str, Any]
WRITE_ROLES = ("create", "replace", "update", "delete")


class BackendError(Exception):
    """A change the mock refused (the message says why) or a mock that cannot be reached."""


@dataclass(frozen=True, slots=True)
class OperationInfo:
    id: str
    method: str
    path: str
    summary: str = ""
    statuses: tuple[str, ...] = ()  # declared response keys: "200", "4XX", "default"
    examples: tuple[str, ...] = ()  # named examples across its responses


@dataclass(slots=True)
class BackendInfo:
    url: str  # where clients reach the mock: scheme, host and port, without the base path
    title: str
    version: str
    base_path: str
    operations: list[OperationInfo] = field(default_factory=list)
    remote: bool = False


@dataclass(slots=True)
class StoreInfo:
    kind: str  # memory | sqlite | redis
    stateful: bool  # whether resources answer from the store right now
    collections: dict[str, int]
    id_fields: dict[str, str]  # collection -> its id field
    writers: dict[str, str]  # operation id -> the collection it changes
    unique: dict[str, tuple[str, ...]] = field(default_factory=dict)  # collection -> its unique fields


class Backend(Protocol):
    """The control room's view of one mock."""

    @property
    def info(self) -> BackendInfo: ...

    @property
    def problem(self) -> str | None:
        """Why the mock cannot be reached right now, or None."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` for each new request event (in the app's loop); returns an unsubscribe function."""
        ...

    def history(self) -> list[RequestEvent]:
        """Events that happened before `subscribe`, oldest first."""
        ...

    def subscribe_notices(self, listener: NoticeListener) -> Callable[[], None]:
        """Call `listener` for what the mock itself reports (a reload, a broken edit)."""
        ...

    async def controls(self) -> dict[str, Any]:
        """The live settings, as `Controls.snapshot()` gives them."""
        ...

    async def update_controls(self, changes: dict[str, Any]) -> dict[str, Any]: ...

    async def put_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        """Make `override` the operation's whole override (None or {} clears it); returns all controls."""
        ...

    async def patch_override(self, operation: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge `changes` into the operation's override; returns all controls."""
        ...

    async def store(self) -> StoreInfo | None:
        """The store, or None when the mock has none (stateless)."""
        ...

    async def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]: ...

    async def record(self, collection: str, id: str) -> Record | None: ...

    async def save_record(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[str]]:
        """Create (no id) or replace a record; returns its id, or the schema violations refusing it."""
        ...

    async def delete_record(self, collection: str, id: str) -> bool: ...

    async def reset_store(self) -> None: ...

    async def sessions(self) -> list[dict[str, Any]]:
        """Client sessions, most recently seen first: id, requests, records, last_seen, overrides."""
        ...

    async def drift(self) -> list[dict[str, Any]]:
        """Where the backend behind `--proxy` broke the spec, by operation (`MockService.drift`)."""
        ...

    async def webhooks(self) -> list[dict[str, Any]]:
        """Every callback and webhook (`MockService.webhooks`): subscriptions and recent deliveries, and
        `payload`, a body like the one an unedited firing sends (None when this side cannot make one)."""
        ...

    async def fire_webhook(self, name: str, body: Any = NO_BODY, url: str | None = None) -> dict[str, Any]:
        """Send it now, to `url` or else its subscribers; `body` replaces the generated payload."""
        ...


def operation_info(op: dict[str, Any]) -> OperationInfo:
    """An operation as the admin API and the service list it."""
    return OperationInfo(
        str(op["id"]),
        str(op["method"]),
        str(op["path"]),
        str(op.get("summary") or ""),
        tuple(str(k) for k in op.get("responses", ())),
        tuple(str(k) for k in op.get("examples", ())),
    )


def store_info(data: dict[str, Any]) -> StoreInfo:
    """The store as the admin API and the service summarise it."""
    resources = data.get("resources") or []
    return StoreInfo(
        kind=str(data.get("kind", "")),
        stateful=bool(data.get("stateful", True)),
        collections={str(k): int(v) for k, v in (data.get("collections") or {}).items()},
        id_fields={str(r["name"]): str(r.get("id", "id")) for r in resources},
        unique={str(r["name"]): tuple(str(f) for f in r.get("unique") or ()) for r in resources},
        writers={
            str(op): str(r["name"])
            for r in resources
            for role, op in (r.get("operations") or {}).items()
            if role in WRITE_ROLES
        },
    )


def violation_lines(detail: Any) -> list[str]:
    """A 422's detail (schema violations, or one message) as lines for the record editor."""
    if isinstance(detail, list):
        return [f"{d.get('pointer') or '/'}: {d.get('reason', d)}" for d in detail if isinstance(d, dict)]
    return [str(detail)]
