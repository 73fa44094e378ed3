"""One steering script through the three ways in: the admin API, the control room's local backend
and `mocktui attach`'s remote backend. Each step's result must be the same through all three, and
the expected one: the verbs live once (`MockService`), the adapters only translate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.memory import MemoryStore
from mocktui.runtime import Runtime, assemble
from mocktui.server.runner import bind
from mocktui.ui.backend import BackendError
from mocktui.ui.local import LocalBackend
from mocktui.ui.remote import RemoteBackend

from ..helpers import SPECS

REFUSED = "refused"
Step = Callable[[], Awaitable[Any]]


class Way:
    """One way in, reduced to the answers a user sees: an override, the controls, or a refusal."""

    async def controls(self) -> dict[str, Any]:
        raise NotImplementedError

    async def patch_controls(self, changes: dict[str, Any]) -> Any:
        raise NotImplementedError

    async def put(self, op: str, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    async def patch(self, op: str, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    async def create(self, collection: str, record: dict[str, Any]) -> Any:
        raise NotImplementedError


class Admin(Way):
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _answer(self, response: httpx.Response, op: str | None = None) -> Any:
        if response.status_code >= 400:
            return REFUSED
        if op is None:
            return response.json()
        return (await self.controls())["overrides"].get(op, {})

    async def controls(self) -> dict[str, Any]:
        body: dict[str, Any] = (await self.client.get("/__mocktui/controls")).json()
        return body

    async def patch_controls(self, changes: dict[str, Any]) -> Any:
        return await self._answer(await self.client.patch("/__mocktui/controls", json=changes))

    async def put(self, op: str, body: dict[str, Any]) -> Any:
        return await self._answer(await self.client.put(f"/__mocktui/overrides/{op}", json=body), op)

    async def patch(self, op: str, body: dict[str, Any]) -> Any:
        return await self._answer(await self.client.patch(f"/__mocktui/overrides/{op}", json=body), op)

    async def create(self, collection: str, record: dict[str, Any]) -> Any:
        response = await self.client.post(f"/__mocktui/store/{collection}", json=record)
        return REFUSED if response.status_code >= 400 else sorted(response.json())


class Backend(Way):
    """The control room's view, local or remote: the same protocol, so the same adapter."""

    def __init__(self, backend: LocalBackend | RemoteBackend) -> None:
        self.backend = backend

    async def _try(self, step: Awaitable[dict[str, Any]], op: str | None = None) -> Any:
        try:
            snapshot = await step
        except BackendError:
            return REFUSED
        return snapshot if op is None else snapshot["overrides"].get(op, {})

    async def controls(self) -> dict[str, Any]:
        return await self.backend.controls()

    async def patch_controls(self, changes: dict[str, Any]) -> Any:
        return await self._try(self.backend.update_controls(changes))

    async def put(self, op: str, body: dict[str, Any]) -> Any:
        return await self._try(self.backend.put_override(op, body), op)

    async def patch(self, op: str, body: dict[str, Any]) -> Any:
        return await self._try(self.backend.patch_override(op, body), op)

    async def create(self, collection: str, record: dict[str, Any]) -> Any:
        key, errors = await self.backend.save_record(collection, record)
        if errors:
            return REFUSED
        saved = await self.backend.record(collection, key)
        return sorted(saved or {})


@asynccontextmanager
async def running() -> AsyncIterator[Runtime]:
    engine = MockEngine.build(
        load_spec(str(SPECS / "shop.yaml")), controls=Controls(stateful=True), faker_seed=3, store=MemoryStore()
    )
    assert engine.state is not None
    engine.state.seed()
    sock = bind("127.0.0.1", 0)
    runtime = assemble(engine, sock)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()
        sock.close()


@asynccontextmanager
async def way(kind: str) -> AsyncIterator[Way]:
    async with running() as runtime:
        if kind == "admin":
            async with httpx.AsyncClient(base_url=runtime.url) as client:
                yield Admin(client)
        elif kind == "local":
            yield Backend(LocalBackend(runtime))
        else:
            remote = RemoteBackend(runtime.url)
            await remote.start()
            try:
                yield Backend(remote)
            finally:
                await remote.stop()


USER = {"firstName": "Grace", "lastName": "Hopper", "email": "grace@example.com"}


async def script(w: Way) -> list[Any]:
    """The steering a demo or a QA session does; each step's answer, in order."""
    return [
        await w.put("getUser", {"status": 404, "dynamic": True}),
        await w.patch("getUser", {"dynamic": False}),  # merges: the status stays
        await w.put("getUser", {"status": 400}),  # replaces: dynamic goes
        await w.patch("getUser", {"status": None, "delay": {"max_ms": 50}}),  # null: back to the global value
        await w.patch("getUser", {"status": 99}),  # refused, nothing changes
        await w.put("getUser", {"disabled": 418}),  # refused, nothing changes
        await w.put("nope", {"status": 404}),  # no such operation
        (await w.controls())["overrides"],
        await w.put("getUser", {}),  # clears
        (await w.patch_controls({"offline": True, "delay": {"max_ms": 7}}))["delay"],
        await w.patch_controls({"delay": {"min_ms": -1}}),  # refused whole
        (await w.controls())["offline"],
        await w.create("users", USER),
        await w.create("users", {"email": 5}),
    ]


@pytest.mark.parametrize("kind", ["admin", "local", "remote"])
async def test_each_way_in_steers_the_same(kind: str) -> None:
    async with way(kind) as w:
        answers = await script(w)
    assert answers[:8] == [
        {"status": 404, "dynamic": True},
        {"status": 404, "dynamic": False},
        {"status": 400},
        {"delay": {"min_ms": 0.0, "max_ms": 50.0, "distribution": "uniform"}},
        REFUSED,
        REFUSED,
        REFUSED,
        {"getUser": {"delay": {"min_ms": 0.0, "max_ms": 50.0, "distribution": "uniform"}}},
    ]
    assert answers[8] == {}
    assert answers[9] == {"min_ms": 0.0, "max_ms": 7.0, "distribution": "uniform"}
    assert answers[10] == REFUSED and answers[11] is True
    assert {"id", "firstName", "lastName", "email"} <= set(answers[12])  # stored, with an id made for it
    assert answers[13] == REFUSED


async def test_the_three_ways_agree_step_by_step() -> None:
    results = {}
    for kind in ("admin", "local", "remote"):
        async with way(kind) as w:
            results[kind] = await script(w)
    assert results["admin"] == results["local"] == results["remote"]
