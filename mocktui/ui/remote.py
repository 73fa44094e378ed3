"""Provides `RemoteBackend`: the control room over a mock elsewhere, through its admin API.

The admin API is HTTP over the same `MockService` a local control room calls, so every verb means
the same; events are polled from the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mocktui.engine.events import RequestEvent
from mocktui.engine.outbox import NO_BODY
from mocktui.ui.backend import (
    BackendError,
    BackendInfo,
    Listener,
    NoticeListener,
    Record,
    StoreInfo,
    merged_controls,
    merged_entries,
    merged_sessions,
    merged_store,
    operation_info,
    split_route,
    store_info,
    violation_lines,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("mocktui.ui")


class RemoteBackend:
    """A mock elsewhere, through its admin API. Events, notices and control changes are pushed to it
    (`/__mocktui/events/stream`, Server-Sent Events); a broken stream is resumed after the last event seen."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        token: str | None = None,
        retry_s: float = 0.25,
        history: int = 1000,
    ) -> None:
        """`token`: the admin API's token when the mock listens beyond loopback (sent as a bearer token)."""
        self.url = url.rstrip("/")
        self.token = token
        self.retry_s = retry_s
        self.history_size = history
        self._client = client
        self._own_client = client is None
        self._info = BackendInfo(url=self.url, title="", version="", base_path="", remote=True)
        self._listeners: list[Listener] = []
        self._notice_listeners: list[NoticeListener] = []
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

    def _first(self) -> dict[str, str]:
        """The query naming the first spec, for the verbs the control room asks of one (its store, sessions...)."""
        return {"spec": self._info.specs[0]} if self._info.specs else {}

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        if self._info.specs and not path.startswith(("/events", "/drift", "/specs")) and "params" not in kwargs:
            kwargs["params"] = self._first()
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
        specs = await self._json("GET", "/specs")
        if len(specs) > 1:  # several specs in one instance: each addressed with ?spec=NAME
            self._info.specs = [str(s["name"]) for s in specs]
            self._info.title = f"{len(specs)} specs: {', '.join(self._info.specs)}"
            self._info.operations = []
            for item in specs:
                listed = await self._json("GET", "/operations", params={"spec": item["name"]})
                base = str(item.get("base_path", ""))
                self._info.operations += [operation_info(op, str(item["name"]), base) for op in listed]
        else:
            spec = await self._json("GET", "/spec")
            operations = await self._json("GET", "/operations")
            self._info.title = str(spec.get("title", ""))
            self._info.version = str(spec.get("version", ""))
            self._info.base_path = str(spec.get("base_path", ""))
            self._info.operations = [operation_info(op) for op in operations]
        self._controls = await self._all_controls()
        events = await self._json("GET", "/events", params={"limit": self.history_size})
        self._backlog = [RequestEvent.from_dict(e) for e in events]
        if self._backlog:
            self._last_id = self._backlog[-1].id
        self._task = asyncio.create_task(self._follow(), name="mocktui-attach-stream")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _follow(self) -> None:
        """Read the stream; when it breaks (the mock restarted, the network dropped), say so once and
        reconnect with backoff, resuming after the last event seen."""
        import httpx

        pause = self.retry_s
        while True:
            try:
                await self._read_stream()
            except (httpx.HTTPError, BackendError) as exc:
                reason = str(exc) if isinstance(exc, BackendError) else f"{self.url}: {type(exc).__name__}: {exc}"
                if self._problem is None:
                    log.warning("lost the mock at %s: %s", self.url, reason)
                self._problem = reason
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def _read_stream(self) -> None:
        import httpx

        headers = {"last-event-id": str(self._last_id)} if self._last_id else {}
        timeout = httpx.Timeout(5.0, read=None)  # a quiet mock sends nothing for a long time
        async with self.client.stream("GET", "/__mocktui/events/stream", headers=headers, timeout=timeout) as response:
            if response.status_code in (401, 403):
                raise BackendError(f"{self.url}: the admin API needs a token (mocktui attach URL --token TOKEN)")
            if response.status_code >= 400:
                raise BackendError(f"{self.url}: the event stream answered {response.status_code}")
            if self._problem is not None:
                log.warning("reached the mock at %s again", self.url)
                self._problem = None
            async for kind, data in sse_messages(response.aiter_lines()):
                self._deliver(kind, data)

    def _deliver(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "message":
            event = RequestEvent.from_dict(data)
            self._last_id = event.id
            for listener in list(self._listeners):
                listener(event)
        elif kind == "notice":
            for notice in list(self._notice_listeners):
                notice(str(data.get("level", "info")), str(data.get("text", "")))
        elif kind == "controls" and not self._info.specs:  # several specs: the stream carries the first's only
            self._controls = data.get("controls", self._controls)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def history(self) -> list[RequestEvent]:
        backlog, self._backlog = self._backlog, []
        return backlog

    def subscribe_notices(self, listener: NoticeListener) -> Callable[[], None]:
        self._notice_listeners.append(listener)
        return lambda: self._notice_listeners.remove(listener)

    async def _all_controls(self) -> dict[str, Any]:
        """The controls; of several specs, merged (the first's, with every spec's overrides by route)."""
        if not self._info.specs:
            snapshot: dict[str, Any] = await self._json("GET", "/controls")
            return snapshot
        return merged_controls(
            {name: await self._json("GET", "/controls", params={"spec": name}) for name in self._info.specs}
        )

    async def controls(self) -> dict[str, Any]:
        if not self._controls or self._info.specs:  # several specs: no stream of their changes, so asked
            self._controls = await self._all_controls()
        return self._controls

    async def update_controls(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The live settings changed: of every spec the mock serves (the control room steers them as one)."""
        if not self._info.specs:
            self._controls = await self._json("PATCH", "/controls", json=changes)
            return self._controls
        for name in self._info.specs:
            await self._json("PATCH", "/controls", json=changes, params={"spec": name})
        self._controls = await self._all_controls()
        return self._controls

    async def put_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        spec, op = split_route(operation, self._info.specs)
        params = {"spec": spec} if spec else {}
        await self._json("PUT", f"/overrides/{quote(op, safe='')}", json=override or {}, params=params)
        self._controls = await self._all_controls()
        return self._controls

    async def patch_override(self, operation: str, changes: dict[str, Any]) -> dict[str, Any]:
        spec, op = split_route(operation, self._info.specs)
        params = {"spec": spec} if spec else {}
        await self._json("PATCH", f"/overrides/{quote(op, safe='')}", json=changes, params=params)
        self._controls = await self._all_controls()
        return self._controls

    def _scoped(self, key: str) -> tuple[dict[str, str], str]:
        """The query naming the spec of a `spec:name` key (a route, collection or hook), and the name there."""
        spec, name = split_route(key, self._info.specs)
        return ({"spec": spec} if spec else {}), name

    async def _store(self, params: dict[str, str]) -> StoreInfo | None:
        response = await self._call("GET", "/store", params=params)
        if response.status_code == 409:
            return None
        if response.status_code >= 400:
            raise BackendError(f"GET /__mocktui/store: {response.status_code} {_detail(response)}")
        return store_info(response.json())

    async def store(self) -> StoreInfo | None:
        if self._info.specs:  # several specs: every one's collections, as `spec:collection`
            return merged_store({name: await self._store({"spec": name}) for name in self._info.specs})
        return await self._store({})

    async def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        params, name = self._scoped(collection)
        records: list[Record] = await self._json(
            "GET", f"/store/{quote(name, safe='')}", params={"offset": offset, "limit": limit, **params}
        )
        return records

    async def record(self, collection: str, id: str) -> Record | None:
        params, name = self._scoped(collection)
        response = await self._call("GET", f"/store/{quote(name, safe='')}/{quote(id, safe='')}", params=params)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise BackendError(f"{response.status_code} {_detail(response)}")
        record: Record = response.json()
        return record

    async def save_record(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[str]]:
        import httpx

        params, name = self._scoped(collection)
        path = f"/store/{quote(name, safe='')}"
        if id is not None:
            path += f"/{quote(id, safe='')}"
        try:
            method = "PUT" if id else "POST"
            response = await self.client.request(method, f"/__mocktui{path}", json=record, params=params)
        except httpx.HTTPError as exc:
            raise BackendError(f"{self.url}: {exc}") from None
        if response.status_code in (409, 422):  # a duplicate unique field, or the schema's violations
            return "", violation_lines(response.json().get("detail"))
        if response.status_code >= 400:
            raise BackendError(f"{response.status_code} {_detail(response)}")
        saved = response.json()
        if id is not None:
            return id, []
        store = await self.store()
        id_field = store.id_fields.get(collection, "id") if store else "id"
        return str(saved.get(id_field, "")), []

    async def delete_record(self, collection: str, id: str) -> bool:
        params, name = self._scoped(collection)
        response = await self._call("DELETE", f"/store/{quote(name, safe='')}/{quote(id, safe='')}", params=params)
        return response.status_code < 300

    async def reset_store(self, spec: str | None = None) -> None:
        if not self._info.specs:
            await self._json("POST", "/store/reset")
        for name in [spec] if spec in self._info.specs else self._info.specs:
            await self._json("POST", "/store/reset", params={"spec": name})

    async def sessions(self) -> list[dict[str, Any]]:
        if self._info.specs:
            return merged_sessions({name: await self._json("GET", "/sessions", params={"spec": name})
                                    for name in self._info.specs})  # fmt: skip
        sessions: list[dict[str, Any]] = await self._json("GET", "/sessions")
        return sessions

    async def drift(self) -> list[dict[str, Any]]:
        drift: list[dict[str, Any]] = await self._json("GET", "/drift")
        return drift

    async def export(self, kind: str, ids: Sequence[int] | None = None) -> tuple[str, bytes]:
        if ids is None:
            response = await self._call("GET", f"/export/{kind}", params={})
        else:
            response = await self._call("POST", f"/export/{kind}", params={}, json={"ids": list(ids)})
        if response.status_code >= 400:
            raise BackendError(f"export {kind}: {response.status_code} {_detail(response)}")
        disposition = response.headers.get("content-disposition", "")
        name = disposition.split('filename="', 1)[-1].rstrip('"') if "filename=" in disposition else f"mocktui.{kind}"
        return name, response.content

    async def webhooks(self) -> list[dict[str, Any]]:
        if self._info.specs:  # several specs: every one's hooks, as `spec:name`
            hooks = merged_entries({name: await self._json("GET", "/webhooks", params={"spec": name})
                                    for name in self._info.specs}, "name")  # fmt: skip
        else:
            hooks = await self._json("GET", "/webhooks")
        for hook in hooks:
            hook.setdefault("payload", None)  # the admin API does not say what an unedited firing sends
        return hooks

    async def fire_webhook(self, name: str, body: Any = NO_BODY, url: str | None = None) -> dict[str, Any]:
        firing: dict[str, Any] = {} if body is NO_BODY else {"body": body}
        if url:
            firing["url"] = url
        params, hook = self._scoped(name)
        path = f"/webhooks/{quote(hook, safe='.')}"
        fired: dict[str, Any] = await self._json("POST", path, json=firing, params=params)
        return fired


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        return response.text[:200]
    return detail if isinstance(detail, str) else str(detail)


async def sse_messages(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event type, JSON data) for each message of a Server-Sent Events stream."""
    kind, data = "message", list[str]()
    async for line in lines:
        if not line:
            if data:
                yield kind, json.loads("\n".join(data))
            kind, data = "message", []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line.startswith("event:"):
            kind = line[6:].strip()
