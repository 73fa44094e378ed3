"""The admin API under `/__mocktui/`: the same operations the TUI uses."""

from __future__ import annotations

import fnmatch
import secrets
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from swagger_ui_bundle import swagger_ui_path

from mocktui import __version__
from mocktui.engine.steer.controls import ControlError
from mocktui.engine.events import RequestEvent
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.stateful.crud import Stateful
from mocktui.engine.contract.validate import Violation


def build_admin(engine: MockEngine, token: str | None = None) -> FastAPI:
    """A FastAPI app over the engine's controls, journal and store.

    With a `token`, every admin call but the health check needs `Authorization: Bearer TOKEN`
    (or `X-Mocktui-Token`): the CLI sets one when the mock listens beyond loopback.
    """
    guard = [Depends(_token_guard(token))] if token else []
    app = FastAPI(
        title="mocktui admin",
        version=__version__,
        openapi_url="/__mocktui/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.mount("/__mocktui/static", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/__mocktui/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/__mocktui/openapi.json",
            title="mocktui admin",
            swagger_js_url="/__mocktui/static/swagger-ui-bundle.js",
            swagger_css_url="/__mocktui/static/swagger-ui.css",
            swagger_favicon_url="/__mocktui/static/favicon-32x32.png",
        )

    api = APIRouter(prefix="/__mocktui", dependencies=guard)

    @api.get("/spec")
    def spec_summary() -> dict[str, Any]:
        spec = engine.spec
        return {
            "file": spec.file,
            "title": spec.title,
            "version": spec.api_version,
            "openapi": spec.version,
            "base_path": spec.base_path,
            "operations": len(spec.operations),
        }

    @api.get("/operations")
    def operations() -> list[dict[str, Any]]:
        return [
            {
                "id": op.op.id,
                "method": op.op.method,
                "path": op.op.path,
                "summary": op.op.summary,
                "responses": list(op.responses),
                "examples": sorted(
                    {name for r in op.responses.values() for m in r.media.values() for name in m.spec.examples}
                ),
            }
            for op in engine.operations.values()
        ]

    @api.get("/events")
    def events(
        limit: int = 100,
        method: str | None = None,
        path: str | None = None,
        status: str | None = None,
        operation: str | None = None,
        since: float | None = None,
    ) -> list[dict[str, Any]]:
        """The journal, newest last: filter by method, path glob, status (404, 5xx), operation, time."""
        test = journal_filter(method, path, status, operation, since)
        items = [e for e in engine.events if test(e)]
        return [e.to_dict() for e in (items[-max(limit, 0) :] if limit else [])]

    @api.post("/verify")
    def verify(expect: Expectation) -> JSONResponse:
        """Was it called as expected? 200 when the count matches, 417 with what was seen otherwise."""
        test = journal_filter(expect.method, expect.path, expect.status, expect.operation, expect.since)
        matched = [e for e in engine.events if test(e) and _body_matches(e.request_body, expect.body)]
        ok = len(matched) == expect.count if expect.count is not None else bool(matched)
        body = {"ok": ok, "count": len(matched), "expected": expect.count, "ids": [e.id for e in matched]}
        return JSONResponse(body, status_code=200 if ok else 417)

    @api.post("/reset", status_code=204)
    def reset(what: ResetRequest | None = None) -> None:
        """Journal, rate-limit counters, scenario call counts and (when stateful) the store."""
        what = what or ResetRequest()
        if what.journal:
            engine.events.clear()
        if what.counters:
            engine.reset_counters()
        if what.state and engine.state is not None:
            engine.state.seed()

    @api.delete("/events", status_code=204)
    def clear_events() -> None:
        engine.events.clear()

    @api.get("/controls")
    def get_controls() -> dict[str, Any]:
        return engine.controls.snapshot()

    @api.patch("/controls")
    def patch_controls(changes: dict[str, Any]) -> dict[str, Any]:
        """Nested changes, e.g. `{"delay": {"max_ms": 300}}`; all or nothing, 422 naming a bad value."""
        try:
            engine.controls.update(changes)
        except ControlError as exc:
            raise HTTPException(422, str(exc)) from None
        return engine.controls.snapshot()

    @api.get("/overrides")
    def get_overrides() -> dict[str, Any]:
        overrides: dict[str, Any] = engine.controls.snapshot()["overrides"]
        return overrides

    @api.put("/overrides/{operation}")
    def put_override(operation: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change one operation's override (merged into what it has); `{}` clears it."""
        if operation not in engine.operations:
            raise HTTPException(404, f"no operation {operation!r}; see /__mocktui/operations")
        try:
            engine.controls.override(operation, changes)
        except ControlError as exc:
            raise HTTPException(422, str(exc)) from None
        current: dict[str, Any] = engine.controls.snapshot()["overrides"].get(operation, {})
        return current

    @api.delete("/overrides/{operation}", status_code=204)
    def delete_override(operation: str) -> None:
        engine.controls.override(operation, None)

    @api.get("/scenarios")
    def scenarios() -> dict[str, Any]:
        """Rules, hooks and packs in the order they are consulted, with hit counts."""
        found = engine.scenarios
        if found is None:
            return {"enabled": engine.controls.scenarios, "packs": {}, "items": []}
        packs = {
            name: {"attached": attached, "enabled": found.pack_enabled(name)} for name, attached in found.packs.items()
        }
        return {"enabled": engine.controls.scenarios, "packs": packs, "items": found.describe()}

    @api.put("/scenarios/rules/{rule}")
    def switch_rule(rule: str, change: RuleSwitch) -> dict[str, Any]:
        if engine.scenarios is None or not engine.scenarios.set_enabled(
            int(rule) if rule.isdigit() else rule, change.enabled
        ):
            raise HTTPException(404, f"no rule {rule!r}")
        return {"rule": rule, "enabled": change.enabled}

    @api.get("/store")
    def store_summary() -> dict[str, Any]:
        state = _state()
        return {
            "kind": state.store.kind,
            "stateful": engine.controls.stateful,
            "collections": state.collections(),
            "resources": state.describe(),
        }

    @api.get("/store/export")
    def export_state() -> dict[str, list[dict[str, Any]]]:
        return _state().export()

    @api.post("/store/import", status_code=204)
    def import_state(state: dict[str, list[dict[str, Any]]]) -> None:
        _state().load(state)

    @api.post("/store/reset", status_code=204)
    def reset_state() -> None:
        _state().seed()

    @api.get("/store/{collection}")
    def list_records(collection: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        return _state().records(collection, offset, limit)

    @api.post("/store/{collection}", status_code=201)
    def create_record(collection: str, record: dict[str, Any]) -> dict[str, Any]:
        key, errors = _state().save(collection, record)
        _refuse(errors)
        return _state().record(collection, key) or {}

    @api.get("/store/{collection}/{id}")
    def get_record(collection: str, id: str) -> dict[str, Any]:
        record = _state().record(collection, id)
        if record is None:
            raise HTTPException(404, f"no record {id!r} in {collection!r}")
        return record

    @api.put("/store/{collection}/{id}")
    def replace_record(collection: str, id: str, record: dict[str, Any]) -> dict[str, Any]:
        key, errors = _state().save(collection, record, id)
        _refuse(errors)
        return _state().record(collection, key) or {}

    @api.delete("/store/{collection}/{id}", status_code=204)
    def delete_record(collection: str, id: str) -> None:
        if not _state().remove(collection, id):
            raise HTTPException(404, f"no record {id!r} in {collection!r}")

    def _state() -> Stateful:
        if engine.state is None:
            raise HTTPException(409, "no store: start the mock with --stateful (or --persist / --store)")
        return engine.state

    app.include_router(api)
    return app


class Expectation(BaseModel):
    method: str | None = None
    path: str | None = None  # a glob: /orders*
    status: str | None = None  # 201, 4xx
    operation: str | None = None
    since: float | None = None  # epoch seconds
    body: Any = None  # JSON fields the request body must contain (a subset match)
    count: int | None = None  # exactly this many; none: at least one


class RuleSwitch(BaseModel):
    enabled: bool


class ResetRequest(BaseModel):
    journal: bool = True
    counters: bool = True
    state: bool = False


def journal_filter(
    method: str | None, path: str | None, status: str | None, operation: str | None, since: float | None
) -> Callable[[RequestEvent], bool]:
    """A test for journal events; every given criterion must hold."""

    def test(event: RequestEvent) -> bool:
        if method and event.method != method.upper():
            return False
        if path and not fnmatch.fnmatchcase(event.path, path):
            return False
        if status and not _status_matches(event.status, status):
            return False
        if operation and event.operation != operation:
            return False
        return not (since and event.time < since)

    return test


def _status_matches(value: int, wanted: str) -> bool:
    wanted = wanted.lower()
    if len(wanted) == 3 and wanted.endswith("xx"):
        return str(value)[0] == wanted[0]
    return str(value) == wanted


def _body_matches(raw: bytes, wanted: Any) -> bool:
    if wanted is None:
        return True
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return isinstance(wanted, str) and wanted in raw.decode("utf-8", "replace")
    return _contains(body, wanted)


def _contains(value: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(k in value and _contains(value[k], v) for k, v in wanted.items())
    return bool(value == wanted)


def _token_guard(token: str) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        given = request.headers.get("x-mocktui-token") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "the admin API needs its token: Authorization: Bearer <token>")

    return check


def _refuse(errors: list[Violation]) -> None:
    if errors:
        raise HTTPException(422, [e.to_dict() for e in errors])
