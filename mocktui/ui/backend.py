"""Provides what the control room talks to: the `Backend` protocol and the records it answers with.

`LocalBackend` (`ui/local.py`) runs a `Runtime` in the app's event loop and calls its service;
`RemoteBackend` (`ui/remote.py`) reaches a mock elsewhere through its admin API, which is HTTP
over the same service. The app never knows which one it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    spec: str = ""  # the spec it belongs to, when the mock serves several (its `id` is then `spec:operationId`)


@dataclass(slots=True)
class BackendInfo:
    url: str  # where clients reach the mock: scheme, host and port, without the base path
    title: str
    version: str
    base_path: str
    operations: list[OperationInfo] = field(default_factory=list)
    remote: bool = False
    specs: list[str] = field(default_factory=list)  # several specs in one instance: their names (else empty)


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

    async def reset_store(self, spec: str | None = None) -> None:
        """Reseed the store (of several specs: `spec`'s, or every one's when None)."""
        ...

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

    async def export(self, kind: str, ids: Sequence[int] | None = None) -> tuple[str, bytes]:
        """The journal (the events with these `ids`, else all) as `kind` (postman, har, pytest, scenario):
        a file name and its content (`MockService.export`)."""
        ...


def operation_info(op: dict[str, Any], spec: str = "", base_path: str = "") -> OperationInfo:
    """An operation as the admin API and the service list it; of one spec of several: its id qualified
    (`spec:operationId`) and its path mounted."""
    return OperationInfo(
        route(spec, str(op["id"])),
        str(op["method"]),
        base_path + str(op["path"]),
        str(op.get("summary") or ""),
        tuple(str(k) for k in op.get("responses", ())),
        tuple(str(k) for k in op.get("examples", ())),
        spec,
    )


# -- several specs in one instance: routes are `spec:operationId` --------------------------------


def route(spec: str | None, operation: str) -> str:
    """The control room's key for an operation: its id, qualified by its spec when the mock serves several."""
    return f"{spec}:{operation}" if spec else operation


def route_of(event: RequestEvent) -> str | None:
    """The route an event counts for (None: no operation matched)."""
    if event.operation is None:
        return None
    return f"{event.spec}:{event.operation}" if event.spec else event.operation


def split_route(key: str, specs: Sequence[str]) -> tuple[str | None, str]:
    """(spec, operation id) of a route key; (None, key) when the mock serves one spec."""
    if not specs:
        return None, key
    spec, _, operation = key.partition(":")
    if spec not in specs or not operation:
        raise BackendError(f"no route {key!r}: expected SPEC:OPERATION, SPEC one of {', '.join(specs)}")
    return spec, operation


def merged_controls(snapshots: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The controls of several specs as the control room shows them: the first spec's, with every spec's
    overrides under their routes (`spec:operationId`)."""
    first = dict(next(iter(snapshots.values())))
    first["overrides"] = {
        route(spec, op): override
        for spec, snapshot in snapshots.items()
        for op, override in (snapshot.get("overrides") or {}).items()
    }
    return first


def merged_store(infos: Mapping[str, StoreInfo | None]) -> StoreInfo | None:
    """The stores of several specs as one, the way routes are: collections `spec:name`, writers keyed by
    route (`spec:operationId`), so the panes and the journal's writes address the right spec's records."""
    present = {spec: info for spec, info in infos.items() if info is not None}
    if not present:
        return None
    return StoreInfo(
        kind=next(iter(present.values())).kind,
        stateful=any(info.stateful for info in present.values()),
        collections={route(s, c): n for s, info in present.items() for c, n in info.collections.items()},
        id_fields={route(s, c): f for s, info in present.items() for c, f in info.id_fields.items()},
        writers={route(s, op): route(s, c) for s, info in present.items() for op, c in info.writers.items()},
        unique={route(s, c): u for s, info in present.items() for c, u in info.unique.items()},
    )


def merged_entries(by_spec: Mapping[str, list[dict[str, Any]]], key: str) -> list[dict[str, Any]]:
    """Sessions or webhooks of several specs in one list: each one's `key` qualified (`spec:name`), `spec` added."""
    return [{**entry, key: route(spec, str(entry[key])), "spec": spec} for spec, entries in by_spec.items()
            for entry in entries]  # fmt: skip


def merged_sessions(by_spec: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The sessions of several specs (ids `spec:session`), most recently seen first."""
    merged = merged_entries(by_spec, "id")
    return sorted(merged, key=lambda session: float(session.get("last_seen") or 0), reverse=True)


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
