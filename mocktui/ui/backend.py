"""Provides what the control room talks to: a `Backend`, local (an engine in this process) or remote.

`LocalBackend` runs the mock (uvicorn serving `MockApp`) as a task in the caller's event loop and
calls the engine directly. `RemoteBackend` attaches to a mock running elsewhere through its admin
API (`/__mocktui/...`); the admin API has no push endpoint, so it polls the event journal.
Both expose the same async methods, so the app never knows which one it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from mocktui.engine.steer.controls import ControlError, Controls
from mocktui.engine.events import RequestEvent

if TYPE_CHECKING:
    import httpx

    from mocktui.engine.pipeline import MockEngine
    from mocktui.engine.stateful.crud import Stateful
    from mocktui.server.runner import ServerRunner

Listener = Callable[[RequestEvent], None]
NoticeListener = Callable[[str, str], None]  # (level: info | warning | error, text)
Record = dict[str, Any]
WRITE_ROLES = ("create", "replace", "update", "delete")
log = logging.getLogger("mocktui.ui")


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

    async def replace_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        """Make `override` the operation's whole override (None or {} clears it); returns all controls."""
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


def check_override(operation: str, override: dict[str, Any]) -> None:
    """Raise `BackendError` when `override` is not a valid override (checked on a scratch Controls)."""
    try:
        Controls().override(operation, override)
    except ControlError as exc:
        raise BackendError(str(exc)) from None


class LocalBackend:
    """An engine in this process, served by uvicorn in the current event loop on a pre-bound socket."""

    def __init__(
        self,
        engine: MockEngine,
        sock: socket.socket,
        *,
        token: str | None = None,
        reload: str | None = None,
    ) -> None:
        """`token` guards the admin API (as `build_admin` takes it); `reload` is the spec path to watch."""
        self.engine = engine
        self.sock = sock
        self.token = token
        self.reload = reload
        self.runner: ServerRunner | None = None
        self._watcher: asyncio.Task[None] | None = None
        host, port = sock.getsockname()[:2]
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        netloc = f"[{host}]" if ":" in host else host
        self._url = f"http://{netloc}:{port}"
        self._spec: Any = None
        self._info = self._describe()

    def _describe(self) -> BackendInfo:
        spec = self._spec = self.engine.spec
        return BackendInfo(
            url=self._url,
            title=spec.title,
            version=spec.api_version,
            base_path=spec.base_path,
            operations=[_operation_info(compiled) for compiled in self.engine.operations.values()],
        )

    @property
    def info(self) -> BackendInfo:
        if self.engine.spec is not self._spec:  # hot reload swapped the spec in
            self._info = self._describe()
        return self._info

    @property
    def problem(self) -> str | None:
        task = self.runner.task if self.runner else None
        if task is not None and task.done():
            return "the server stopped"
        return None

    async def start(self) -> None:
        from mocktui.server.admin import build_admin
        from mocktui.server.app import MockApp
        from mocktui.server.runner import ServerRunner

        self.runner = ServerRunner(MockApp(self.engine, build_admin(self.engine, self.token)), self.sock)
        await self.runner.start()
        if self.reload:
            from mocktui.server.reload import Reloader

            self._watcher = asyncio.create_task(Reloader(self.engine, self.reload).run(), name="mocktui-reload")

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self.runner is not None and self.runner.task is not None:
            await self.runner.stop()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self.engine.events.subscribe(listener)

    def history(self) -> list[RequestEvent]:
        return list(self.engine.events)

    def subscribe_notices(self, listener: NoticeListener) -> Callable[[], None]:
        events: Any = self.engine.events
        if not hasattr(events, "subscribe_notices"):
            return lambda: None
        return events.subscribe_notices(lambda notice: listener(notice.level, notice.text))  # type: ignore[no-any-return]

    async def controls(self) -> dict[str, Any]:
        return self.engine.controls.snapshot()

    async def update_controls(self, changes: dict[str, Any]) -> dict[str, Any]:
        try:
            self.engine.controls.update(changes)
        except ControlError as exc:
            raise BackendError(str(exc)) from None
        return self.engine.controls.snapshot()

    async def replace_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        if operation not in self.engine.operations:
            raise BackendError(f"no operation {operation!r}")
        if override:
            check_override(operation, override)
        controls = self.engine.controls
        controls.override(operation, None)
        if override:
            controls.override(operation, override)  # checked above: both steps run with no request between
        return controls.snapshot()

    async def store(self) -> StoreInfo | None:
        state = self.engine.state
        if state is None:
            return None
        return StoreInfo(
            kind=state.store.kind,
            stateful=self.engine.controls.stateful,
            collections=state.collections(),
            id_fields={name: resource.id_field for name, resource in state.resources.items()},
            writers={op: b.resource.name for op, b in state.bindings.items() if b.role in WRITE_ROLES},
        )

    def _state(self) -> Stateful:
        if self.engine.state is None:
            raise BackendError("no store: start the mock with --stateful (or --persist / --store)")
        return self.engine.state

    async def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        return self._state().records(collection, offset, limit)

    async def record(self, collection: str, id: str) -> Record | None:
        return self._state().record(collection, id)

    async def save_record(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[str]]:
        key, violations = self._state().save(collection, dict(record), id)
        return str(key), [f"{v.pointer or '/'}: {v.reason}" for v in violations]

    async def delete_record(self, collection: str, id: str) -> bool:
        return self._state().remove(collection, id)

    async def reset_store(self) -> None:
        self._state().seed()


def _operation_info(compiled: Any) -> OperationInfo:
    op = compiled.op
    examples: list[str] = []
    for resp in compiled.responses.values():
        for media in resp.spec.content.values():
            examples.extend(name for name in media.examples if name not in examples)
    return OperationInfo(op.id, op.method, op.path, op.summary, tuple(compiled.responses), tuple(examples))


def event_from_dict(data: dict[str, Any]) -> RequestEvent:
    """A `RequestEvent` from the admin API's JSON (`RequestEvent.to_dict`)."""
    return RequestEvent(
        time=float(data.get("time", 0)),
        client=str(data.get("client", "")),
        method=str(data.get("method", "")),
        path=str(data.get("path", "")),
        query=str(data.get("query", "")),
        status=int(data.get("status", 0)),
        latency_ms=float(data.get("latency_ms", 0)),
        operation=data.get("operation"),
        request_headers=[(str(k), str(v)) for k, v in data.get("request_headers", [])],
        request_body=str(data.get("request_body", "")).encode(),
        response_headers=[(str(k), str(v)) for k, v in data.get("response_headers", [])],
        response_body=str(data.get("response_body", "")).encode(),
        tags=tuple(data.get("tags", ())),
        notes=tuple(data.get("notes", ())),
        id=int(data.get("id", 0)),
    )


class RemoteBackend:
    """A mock elsewhere, through its admin API. Events and controls are polled (no push endpoint)."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        token: str | None = None,
        poll_s: float = 0.25,
        batch: int = 1000,
        history: int = 1000,
    ) -> None:
        """`token`: the admin API's token when the mock listens beyond loopback (sent as a bearer token)."""
        self.url = url.rstrip("/")
        self.token = token
        self.poll_s = poll_s
        self.batch = batch
        self.history_size = history
        self._client = client
        self._own_client = client is None
        self._info = BackendInfo(url=self.url, title="", version="", base_path="", remote=True)
        self._listeners: list[Listener] = []
        self._backlog: list[RequestEvent] = []
        self._last_id = 0
        self._controls: dict[str, Any] = {}
        self._problem: str | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def info(self) -> BackendInfo:
        return self._info

    @property
    def problem(self) -> str | None:
        return self._problem

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
            self._client = httpx.AsyncClient(base_url=self.url, timeout=5.0, headers=headers)
        return self._client

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = await self.client.request(method, f"/__mocktui{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise BackendError(f"{self.url}: {exc.__class__.__name__}: {exc}") from None
        if response.status_code == 422:
            raise BackendError(_detail(response))
        if response.status_code in (401, 403):
            raise BackendError(f"{self.url}: the admin API needs a token (mocktui attach URL --token TOKEN)")
        return response

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._call(method, path, **kwargs)
        if response.status_code >= 400:
            raise BackendError(f"{method} /__mocktui{path}: {response.status_code} {_detail(response)}")
        return response.json() if response.content else None

    async def start(self) -> None:
        spec = await self._json("GET", "/spec")
        operations = await self._json("GET", "/operations")
        self._info.title = str(spec.get("title", ""))
        self._info.version = str(spec.get("version", ""))
        self._info.base_path = str(spec.get("base_path", ""))
        self._info.operations = [
            OperationInfo(
                str(op["id"]),
                str(op["method"]),
                str(op["path"]),
                str(op.get("summary") or ""),
                tuple(str(k) for k in op.get("responses", ())),
                tuple(str(k) for k in op.get("examples", ())),  # not in the admin API yet
            )
            for op in operations
        ]
        self._controls = await self._json("GET", "/controls")
        events = await self._json("GET", "/events", params={"limit": self.history_size})
        self._backlog = [event_from_dict(e) for e in events]
        if self._backlog:
            self._last_id = self._backlog[-1].id
        self._task = asyncio.create_task(self._poll(), name="mocktui-attach-poll")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _poll(self) -> None:
        rounds = 0
        while True:
            await asyncio.sleep(self.poll_s)
            rounds += 1
            try:
                await self.poll_events()
                if rounds % 4 == 0:
                    self._controls = await self._json("GET", "/controls")
            except BackendError as exc:
                if self._problem is None:
                    log.warning("lost the mock at %s: %s", self.url, exc)
                self._problem = str(exc)
                continue
            if self._problem is not None:
                log.warning("reached the mock at %s again", self.url)
                self._problem = None

    async def poll_events(self) -> int:
        """Fetch the events newer than the last one seen and hand them to the listeners."""
        items = await self._json("GET", "/events", params={"limit": self.batch})
        if not items:
            return 0
        if int(items[-1].get("id", 0)) < self._last_id:  # the mock restarted: ids start again
            self._last_id = 0
        fresh = [event_from_dict(e) for e in items if int(e.get("id", 0)) > self._last_id]
        if fresh:
            self._last_id = fresh[-1].id
        for event in fresh:
            for listener in self._listeners:
                listener(event)
        return len(fresh)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def history(self) -> list[RequestEvent]:
        backlog, self._backlog = self._backlog, []
        return backlog

    def subscribe_notices(self, listener: NoticeListener) -> Callable[[], None]:
        return lambda: None  # the admin API has no notices endpoint

    async def controls(self) -> dict[str, Any]:
        if not self._controls:
            self._controls = await self._json("GET", "/controls")
        return self._controls

    async def update_controls(self, changes: dict[str, Any]) -> dict[str, Any]:
        self._controls = await self._json("PATCH", "/controls", json=changes)
        return self._controls

    async def replace_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        if override:
            check_override(operation, override)
        op = quote(operation, safe="")
        await self._call("DELETE", f"/overrides/{op}")
        if override:
            await self._json("PUT", f"/overrides/{op}", json=override)
        self._controls = await self._json("GET", "/controls")
        return self._controls

    async def store(self) -> StoreInfo | None:
        response = await self._call("GET", "/store")
        if response.status_code == 409:
            return None
        if response.status_code >= 400:
            raise BackendError(f"GET /__mocktui/store: {response.status_code} {_detail(response)}")
        data = response.json()
        resources = data.get("resources") or []
        return StoreInfo(
            kind=str(data.get("kind", "")),
            stateful=bool(data.get("stateful", True)),
            collections={str(k): int(v) for k, v in (data.get("collections") or {}).items()},
            id_fields={str(r["name"]): str(r.get("id", "id")) for r in resources},
            writers={
                str(op): str(r["name"])
                for r in resources
                for role, op in (r.get("operations") or {}).items()
                if role in WRITE_ROLES
            },
        )

    async def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        records: list[Record] = await self._json(
            "GET", f"/store/{quote(collection, safe='')}", params={"offset": offset, "limit": limit}
        )
        return records

    async def record(self, collection: str, id: str) -> Record | None:
        response = await self._call("GET", f"/store/{quote(collection, safe='')}/{quote(id, safe='')}")
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise BackendError(f"{response.status_code} {_detail(response)}")
        record: Record = response.json()
        return record

    async def save_record(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[str]]:
        import httpx

        path = f"/store/{quote(collection, safe='')}"
        if id is not None:
            path += f"/{quote(id, safe='')}"
        try:
            response = await self.client.request("PUT" if id else "POST", f"/__mocktui{path}", json=record)
        except httpx.HTTPError as exc:
            raise BackendError(f"{self.url}: {exc}") from None
        if response.status_code == 422:
            detail = response.json().get("detail")
            if isinstance(detail, list):
                return "", [f"{d.get('pointer') or '/'}: {d.get('reason', d)}" for d in detail if isinstance(d, dict)]
            return "", [str(detail)]
        if response.status_code >= 400:
            raise BackendError(f"{response.status_code} {_detail(response)}")
        saved = response.json()
        if id is not None:
            return id, []
        store = await self.store()
        id_field = store.id_fields.get(collection, "id") if store else "id"
        return str(saved.get(id_field, "")), []

    async def delete_record(self, collection: str, id: str) -> bool:
        response = await self._call("DELETE", f"/store/{quote(collection, safe='')}/{quote(id, safe='')}")
        return response.status_code < 300

    async def reset_store(self) -> None:
        await self._json("POST", "/store/reset")


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text[:200]
    return detail if isinstance(detail, str) else str(detail)
