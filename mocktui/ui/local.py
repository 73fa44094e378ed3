"""Provides `LocalBackend`: the control room over a `Runtime` in this process.

The runtime's server runs as a task in the app's event loop; every change goes through the
runtime's `MockService`, the verbs the admin API serves too, so the control room and
`curl /__mocktui/...` cannot mean different things.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from typing import Any

from mocktui.engine.events import EventQuery, RequestEvent
from mocktui.engine.export.formats import Export
from mocktui.engine.outbox import NO_BODY
from mocktui.runtime import Runtime
from mocktui.service import MockService, ServiceError
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


class LocalBackend:
    """A runtime in this process: served by uvicorn in the current event loop."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.service = runtime.service
        self.by_spec = {m.name: m.service for m in runtime.mounts}  # several specs: each one's verbs (else empty)
        self.token = runtime.token
        self._spec: object = None
        self._payloads: dict[str | None, tuple[object, dict[str, Any]]] = {}  # spec -> (catalogue, hook -> payload)
        self._info = self._describe()

    def _specs(self) -> object:
        return tuple(s.engine.spec for s in self.by_spec.values()) or self.runtime.engine.spec

    def _describe(self) -> BackendInfo:
        self._spec = self._specs()
        spec = self.service.spec()
        if self.by_spec:
            return BackendInfo(
                url=self.runtime.url,
                title=f"{len(self.by_spec)} specs: {', '.join(self.by_spec)}",
                version="",
                base_path="",
                operations=[operation_info(op, name, service.engine.spec.base_path)
                            for name, service in self.by_spec.items() for op in service.operations()],
                specs=list(self.by_spec),
            )  # fmt: skip
        return BackendInfo(
            url=self.runtime.url,
            title=spec["title"],
            version=spec["version"],
            base_path=spec["base_path"],
            operations=[operation_info(op) for op in self.service.operations()],
        )

    @property
    def info(self) -> BackendInfo:
        if self._specs() != self._spec:  # a reload swapped a spec in
            self._info = self._describe()
        return self._info

    def _service(self, key: str) -> tuple[MockService, str]:
        """The service a route's verbs go to, and the operation id there."""
        spec, operation = split_route(key, list(self.by_spec))
        return (self.by_spec[spec] if spec is not None else self.service), operation

    def _controls(self) -> dict[str, Any]:
        if not self.by_spec:
            return self.service.controls()
        return merged_controls({name: service.controls() for name, service in self.by_spec.items()})

    @property
    def problem(self) -> str | None:
        started = self.runtime.runner.task is not None
        return "the server stopped" if started and not self.runtime.running else None

    async def start(self) -> None:
        await self.runtime.start()

    async def stop(self) -> None:
        await self.runtime.stop()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self.runtime.engine.events.subscribe(listener)

    def history(self) -> list[RequestEvent]:
        return list(self.runtime.engine.events)

    def subscribe_notices(self, listener: NoticeListener) -> Callable[[], None]:
        return self.runtime.engine.events.subscribe_notices(lambda notice: listener(notice.level, notice.text))

    async def controls(self) -> dict[str, Any]:
        return self._controls()

    async def update_controls(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The live settings changed: of every spec the mock serves (the control room steers them as one)."""
        for service in list(self.by_spec.values()) or [self.service]:
            _call(service.patch_controls, changes)
        return self._controls()

    async def put_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        service, op = self._service(operation)
        _call(service.put_override, op, override)
        return self._controls()

    async def patch_override(self, operation: str, changes: dict[str, Any]) -> dict[str, Any]:
        service, op = self._service(operation)
        _call(service.patch_override, op, changes)
        return self._controls()

    async def store(self) -> StoreInfo | None:
        if self.by_spec:  # several specs: every one's collections, as `spec:collection`
            return merged_store({name: _store_of(service) for name, service in self.by_spec.items()})
        return _store_of(self.service)

    async def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        service, name = self._service(collection)
        records: list[Record] = _call(service.records, name, offset, limit)
        return records

    async def record(self, collection: str, id: str) -> Record | None:
        service, name = self._service(collection)
        try:
            return service.record(name, id)
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise BackendError(str(exc)) from None

    async def save_record(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[str]]:
        service, name = self._service(collection)
        try:
            if id is None:
                saved = service.create_record(name, record)
            else:
                saved = service.replace_record(name, id, record)
        except ServiceError as exc:
            if exc.status in (409, 422):  # a duplicate unique field, or the schema's violations
                return "", violation_lines(exc.detail)
            raise BackendError(str(exc)) from None
        if id is not None:
            return id, []
        info = await self.store()
        return str(saved.get(info.id_fields.get(collection, "id") if info else "id", "")), []

    async def delete_record(self, collection: str, id: str) -> bool:
        service, name = self._service(collection)
        try:
            service.delete_record(name, id)
        except ServiceError:
            return False
        return True

    async def reset_store(self, spec: str | None = None) -> None:
        chosen = [self.by_spec[spec]] if spec in self.by_spec else list(self.by_spec.values())
        for service in chosen or [self.service]:
            _call(service.reset_store)

    async def sessions(self) -> list[dict[str, Any]]:
        if self.by_spec:
            return merged_sessions({name: _call(service.sessions) for name, service in self.by_spec.items()})
        sessions: list[dict[str, Any]] = _call(self.service.sessions)
        return sessions

    async def drift(self) -> list[dict[str, Any]]:
        drift: list[dict[str, Any]] = _call(self.service.drift)
        return drift

    async def webhooks(self) -> list[dict[str, Any]]:
        if self.by_spec:  # several specs: every one's hooks, as `spec:name`
            hooks = merged_entries({name: _call(service.webhooks) for name, service in self.by_spec.items()}, "name")
            deliverers = {m.name: m.webhooks for m in self.runtime.mounts}
            for hook in hooks:
                name = str(hook["name"]).partition(":")[2]
                hook["payload"] = self._payload(name, deliverers[hook["spec"]], hook["spec"])
            return hooks
        hooks = list(_call(self.service.webhooks))
        for hook in hooks:
            hook["payload"] = self._payload(str(hook["name"]), self.runtime.webhooks)
        return hooks

    def _payload(self, name: str, deliverer: Any, spec: str | None = None) -> Any:
        """The deliverer's own payload for `name`, made once per compiled spec (a reload makes them again);
        `deliverer`: the runtime's (or the spec's, of several), typed loosely as the UI does not import the server."""
        if deliverer is None:  # the workers deliver: this process has no generators
            return None
        catalogue = deliverer.catalogue
        if self._payloads.get(spec, (None,))[0] is not catalogue:
            self._payloads[spec] = (catalogue, {})
        made = self._payloads[spec][1]
        if name not in made:
            hook = catalogue.hooks.get(name)
            raw = hook.payload(random.Random(name)) if hook is not None else b""
            try:
                made[name] = json.loads(raw) if raw else None
            except ValueError:
                made[name] = raw.decode("utf-8", "replace")
        return made[name]

    async def fire_webhook(self, name: str, body: Any = NO_BODY, url: str | None = None) -> dict[str, Any]:
        service, hook = self._service(name)
        fired: dict[str, Any] = _call(service.fire_webhook, hook, body, url)
        return fired

    async def export(self, kind: str, ids: Sequence[int] | None = None) -> tuple[str, bytes]:
        chosen = set(ids) if ids is not None else None
        made: Export = _call(self.service.export, kind, EventQuery(), self.runtime.url, 0, chosen)
        return made.filename, made.content


def _store_of(service: MockService) -> StoreInfo | None:
    try:
        return store_info(service.store())
    except ServiceError:  # stateless
        return None


def _call(verb: Callable[..., Any], *args: Any) -> Any:
    try:
        return verb(*args)
    except ServiceError as exc:
        raise BackendError(str(exc)) from None
