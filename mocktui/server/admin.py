"""The admin API under `/__mocktui/`: the same operations the TUI uses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException

from mocktui import __version__
from mocktui.engine.control import ControlError
from mocktui.engine.mock import MockEngine
from mocktui.engine.stateful import Stateful
from mocktui.engine.validate import Violation


def build_admin(engine: MockEngine) -> FastAPI:
    """A FastAPI app over the engine's controls and event stream."""
    app = FastAPI(
        title="mocktui admin",
        version=__version__,
        openapi_url="/__mocktui/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api = APIRouter(prefix="/__mocktui")

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
            }
            for op in engine.operations.values()
        ]

    @api.get("/events")
    def events(limit: int = 100) -> list[dict[str, Any]]:
        items = list(engine.events)[-max(limit, 0) :] if limit else []
        return [e.to_dict() for e in items]

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


def _refuse(errors: list[Violation]) -> None:
    if errors:
        raise HTTPException(422, [e.to_dict() for e in errors])
