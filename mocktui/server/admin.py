"""The admin API under `/__mocktui/`: the same operations the TUI uses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException

from mocktui import __version__
from mocktui.engine.mock import MockEngine


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
        for key, value in changes.items():
            if key not in engine.controls.snapshot():
                raise HTTPException(422, f"unknown control {key!r}")
            setattr(engine.controls, key, value)
        return engine.controls.snapshot()

    app.include_router(api)
    return app
