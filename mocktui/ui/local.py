"""Provides `LocalBackend`: the control room over a `Runtime` in this process.

The runtime's server runs as a task in the app's event loop; every change goes through the
runtime's `MockService`, the verbs the admin API serves too, so the control room and
`curl /__mocktui/...` cannot mean different things.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from mocktui.engine.events import RequestEvent
from mocktui.engine.outbox import NO_BODY
from mocktui.runtime import Runtime
from mocktui.service import ServiceError
from mocktui.ui.backend import (
    BackendError,
    BackendInfo,
    Listener,
    NoticeListener,
    Record,
    StoreInfo,
    operation_info,
    store_info,
    violation_lines,
)


class LocalBackend:
    """A runtime in this process: served by uvicorn in the current event loop."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.service = runtime.service
        self.token = runtime.token
        self._spec: object = None
        self._payloads: tuple[object, dict[str, Any]] = (None, {})  # (catalogue, hook -> its unedited payload)
        self._info = self._describe()

    def _describe(self) -> BackendInfo:
        self._spec = self.runtime.engine.spec
        spec = self.service.spec()
        return BackendInfo(
            url=self.runtime.url,
            title=spec["title"],
            version=spec["version"],
            base_path=spec["base_path"],
            operations=[operation_info(op) for op in self.service.operations()],
        )

    @property
    def info(self) -> BackendInfo:
        if self.runtime.engine.spec is not self._spec:  # a reload swapped the spec in
            self._info = self._describe()
        return self._info

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
        return self.service.controls()

    async def update_controls(self, changes: dict[str, Any]) -> dict[str, Any]:
        snapshot: dict[str, Any] = _call(self.service.patch_controls, changes)
        return snapshot

    async def put_override(self, operation: str, override: dict[str, Any] | None) -> dict[str, Any]:
        _call(self.service.put_override, operation, override)
        return self.service.controls()

    async def patch_override(self, operation: str, changes: dict[str, Any]) -> dict[str, Any]:
        _call(self.service.patch_override, operation, changes)
        return self.service.controls()

    async def store(self) -> StoreInfo | None:
        try:
            summary = self.service.store()
        except ServiceError:
            return None
        return store_info(summary)

    async def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        records: list[Record] = _call(self.service.records, collection, offset, limit)
        return records

    async def record(self, collection: str, id: str) -> Record | None:
        try:
            return self.service.record(collection, id)
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise BackendError(str(exc)) from None

    async def save_record(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[str]]:
        try:
            if id is None:
                saved = self.service.create_record(collection, record)
            else:
                saved = self.service.replace_record(collection, id, record)
        except ServiceError as exc:
            if exc.status in (409, 422):  # a duplicate unique field, or the schema's violations
                return "", violation_lines(exc.detail)
            raise BackendError(str(exc)) from None
        if id is not None:
            return id, []
        info = await self.store()
        return str(saved.get(info.id_fields.get(collection, "id") if info else "id", "")), []

    async def delete_record(self, collection: str, id: str) -> bool:
        try:
            self.service.delete_record(collection, id)
        except ServiceError:
            return False
        return True

    async def reset_store(self) -> None:
        _call(self.service.reset_store)

    async def sessions(self) -> list[dict[str, Any]]:
        sessions: list[dict[str, Any]] = _call(self.service.sessions)
        return sessions

    async def drift(self) -> list[dict[str, Any]]:
        drift: list[dict[str, Any]] = _call(self.service.drift)
        return drift

    async def webhooks(self) -> list[dict[str, Any]]:
        hooks: list[dict[str, Any]] = _call(self.service.webhooks)
        for hook in hooks:
            hook["payload"] = self._payload(str(hook["name"]))
        return hooks

    def _payload(self, name: str) -> Any:
        """The deliverer's own payload for `name`, made once per compiled spec (a reload makes them again)."""
        deliverer = self.runtime.webhooks
        if deliverer is None:  # the workers deliver: this process has no generators
            return None
        catalogue = deliverer.catalogue
        if self._payloads[0] is not catalogue:
            self._payloads = (catalogue, {})
        made = self._payloads[1]
        if name not in made:
            hook = catalogue.hooks.get(name)
            raw = hook.payload(random.Random(name)) if hook is not None else b""
            try:
                made[name] = json.loads(raw) if raw else None
            except ValueError:
                made[name] = raw.decode("utf-8", "replace")
        return made[name]

    async def fire_webhook(self, name: str, body: Any = NO_BODY, url: str | None = None) -> dict[str, Any]:
        fired: dict[str, Any] = _call(self.service.fire_webhook, name, body, url)
        return fired


def _call(verb: Callable[..., Any], *args: Any) -> Any:
    try:
        return verb(*args)
    except ServiceError as exc:
        raise BackendError(str(exc)) from None
