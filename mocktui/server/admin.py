"""The admin API under `/__mocktui/`: HTTP over `MockService`, the verbs the control room uses too."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from mocktui import __version__
from mocktui.cluster.follow import Item
from mocktui.engine.events import EventQuery
from mocktui.engine.export.formats import Export
from mocktui.engine.outbox import NO_BODY
from mocktui.server.docs import ASSETS, ASSETS_DIR, add_docs
from mocktui.service import MockService, ServiceError
from mocktui.settings.parsers import parse_duration


def build_admin(service: MockService, token: str | None = None) -> FastAPI:
    """A FastAPI app over the service's verbs: controls, overrides, journal, scenarios, store.

    With a `token`, every admin call but the health check needs `Authorization: Bearer TOKEN`
    (or `X-Mocktui-Token`): the CLI sets one when the mock listens beyond loopback.
    """
    guard = [Depends(_token_guard(token))] if token else []
    app = FastAPI(
        title="mocktui admin",
        version=__version__,
        description="Steer a running mock: the verbs the control room uses. Request bodies are read as JSON "
        "whatever their Content-Type says, so `curl -d '{...}'` works without `-H 'content-type: ...'`.",
        openapi_url="/__mocktui/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="assets")  # Swagger UI 5 and ReDoc: no CDN
    add_docs(app, service)  # the mocked API's docs: /__mocktui/api-docs, /__mocktui/spec.json|yaml

    @app.get("/__mocktui/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/__mocktui/openapi.json",
            title="mocktui admin",
            swagger_js_url=ASSETS + "/swagger-ui-bundle.js",
            swagger_css_url=ASSETS + "/swagger-ui.css",
            swagger_favicon_url=ASSETS + "/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    api = APIRouter(prefix="/__mocktui", dependencies=guard)

    @app.exception_handler(ServiceError)
    def refused(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.get("/__mocktui", include_in_schema=False)
    @app.get("/__mocktui/", include_in_schema=False)
    def index() -> dict[str, Any]:
        """What the banner's `admin: /__mocktui/` leads to: where everything is."""
        return {
            "mocktui": __version__,
            "spec": service.spec(),
            "docs": "/__mocktui/docs",
            "api_docs": "/__mocktui/api-docs",
            "spec_files": ["/__mocktui/spec.json", "/__mocktui/spec.yaml"],
            "openapi": "/__mocktui/openapi.json",
            "calls": [f"{m} {r.path}" for r in api.routes if isinstance(r, APIRoute) for m in sorted(r.methods or ())],
        }

    @api.get("/spec")
    def spec_summary() -> dict[str, Any]:
        return service.spec()

    @api.get("/operations")
    def operations() -> list[dict[str, Any]]:
        return service.operations()

    @api.get("/specs")
    def specs() -> list[dict[str, Any]]:
        """Every spec this instance serves: one here (several are listed in front of this app, `server/dispatch.py`)."""
        return [service.describe()]

    @api.post("/reload")
    def reload() -> dict[str, Any]:
        """Read the spec, rules and hooks again now (as an edit would)."""
        return {"reloaded": service.reload()}

    @api.get("/events")
    def events(query: Filters, limit: int = 100) -> list[dict[str, Any]]:
        """The journal, newest last: filter by method, path glob, status (404, 5xx), operation, time, session."""
        return [e.to_dict() for e in service.events(query, limit)]

    @api.get("/export/{kind}", response_class=Response)
    def export(kind: str, request: Request, query: Filters, limit: int = 0) -> Response:
        """The spec and the journal (filtered as `/events` is; `limit`: the newest only) as `postman` (a v2.1
        collection), `har` (HAR 1.2), `pytest` (a test file) or `scenario` (a rules file for --scenarios)."""
        return _exported(service.export(kind, query, str(request.base_url), limit))

    @api.post("/export/{kind}", response_class=Response)
    def export_events(kind: str, chosen: Chosen, request: Request) -> Response:
        """As the GET, of the events with these ids (what a filter in the control room shows)."""
        return _exported(service.export(kind, EMPTY, str(request.base_url), ids=set(chosen.ids)))

    @api.get("/events/unmatched")
    def unmatched(limit: int = 100) -> list[dict[str, Any]]:
        """Requests no operation of the spec matched, newest last: what clients call that the spec lacks."""
        return [e.to_dict() for e in service.unmatched(limit)]

    @api.get("/events/stream", response_class=StreamingResponse)
    async def stream(request: Request, query: Filters, after: int | None = None) -> StreamingResponse:
        """Server-Sent Events: one `data:` line per request event (with its `id:`), as it happens, across
        every worker; `event: notice` and `event: controls` lines for what the mock says and how it is
        steered. Resume with `Last-Event-ID` (or `?after=ID`): the kept events after it come first."""
        last = request.headers.get("last-event-id")
        start = after if after is not None else int(last) if last and last.isdigit() else None
        return StreamingResponse(
            _sse(service, start, query),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    @api.get("/drift")
    def drift() -> list[dict[str, Any]]:
        """Where the backend behind `--proxy` broke the spec, by operation: exchanges, findings (each note with
        its count), first and last seen, and the last offending event's id (`/events?...` shows it whole)."""
        return service.drift()

    @api.get("/cluster")
    def cluster() -> dict[str, Any]:
        """The processes serving this mock: workers of this host, instances on others sharing its Redis."""
        members = service.members()
        return {"members": members, "workers": len(members), "hosts": len({m.get("host") for m in members})}

    @api.post("/verify")
    def verify(expect: Expectation) -> JSONResponse:
        """Was it called as expected? 200 when the count matches (`count`, or `at_least`/`at_most`), 417
        otherwise, with the near misses: the closest requests and why each did not match."""
        query = EventQuery(
            expect.method, expect.path, expect.status, expect.operation, expect.since, expect.body, expect.session
        )
        result = service.verify(query, expect.count, at_least=expect.at_least, at_most=expect.at_most)
        return JSONResponse(result, status_code=200 if result["ok"] else 417)

    @api.post("/reset", status_code=204)
    def reset(what: ResetRequest | None = None) -> None:
        """Journal, rate-limit counters, scenario call counts and (when stateful) the store."""
        what = what or ResetRequest()
        service.reset(journal=what.journal, counters=what.counters, state=what.state)

    @api.delete("/events", status_code=204)
    def clear_events() -> None:
        service.clear_events()

    @api.get("/controls")
    def get_controls() -> dict[str, Any]:
        return service.controls()

    @api.patch("/controls")
    def patch_controls(changes: dict[str, Any]) -> dict[str, Any]:
        """Nested changes, e.g. `{"delay": {"max_ms": 300}}`; all or nothing, 422 naming a bad value."""
        return service.patch_controls(changes)

    @api.get("/overrides")
    def get_overrides() -> dict[str, Any]:
        return service.overrides()

    def session(request: Request) -> str | None:
        """The client session an admin call names (`X-Mocktui-Session`): its override is that session's only."""
        return service.session_of(request.headers, request.url.query)

    @api.get("/overrides/{operation}")
    def get_override(operation: str, request: Request) -> dict[str, Any]:
        return service.override(operation, session(request))

    @api.put("/overrides/{operation}")
    def put_override(operation: str, override: dict[str, Any], request: Request) -> dict[str, Any]:
        """Make this the operation's whole override (`{}` clears it); with a session header, for that session."""
        return service.put_override(operation, override, session(request))

    @api.patch("/overrides/{operation}")
    def patch_override(operation: str, changes: dict[str, Any], request: Request) -> dict[str, Any]:
        """Merge into the operation's override; a field set to null goes back to the global controls."""
        return service.patch_override(operation, changes, session(request))

    @api.delete("/overrides/{operation}", status_code=204)
    def delete_override(operation: str, request: Request) -> None:
        service.delete_override(operation, session(request))

    @api.get("/sessions")
    def sessions() -> list[dict[str, Any]]:
        """Client sessions, most recently seen first: requests seen, records written, last seen, overrides."""
        return service.sessions()

    @api.delete("/sessions/{id}", status_code=204)
    def drop_session(id: str) -> None:
        """Forget a session: its records, scenario call counts and overrides."""
        service.drop_session(id)

    @api.get("/scenarios")
    def scenarios() -> dict[str, Any]:
        """Rules, hooks and packs in the order they are consulted, with hit counts."""
        return service.scenarios()

    @api.post("/scenarios/reset", status_code=204)
    def reset_scenarios() -> None:
        """Rule call counts and pack memory (failed logins) back to zero: `call: 1` fires again."""
        service.reset_scenarios()

    @api.put("/scenarios/rules/{rule}")
    def switch_rule(rule: str, change: Switch) -> dict[str, Any]:
        return service.switch_rule(rule, change.enabled)

    @api.put("/scenarios/packs/{pack}")
    def switch_pack(pack: str, change: Switch) -> dict[str, Any]:
        """A built-in pack on or off; answers the controls."""
        return service.switch_pack(pack, change.enabled)

    @api.get("/store")
    def store_summary() -> dict[str, Any]:
        return service.store()

    @api.get("/store/export")
    def export_state() -> dict[str, list[dict[str, Any]]]:
        return service.export_store()

    @api.post("/store/import", status_code=204)
    def import_state(state: dict[str, list[dict[str, Any]]]) -> None:
        service.import_store(state)

    @api.post("/store/reset", status_code=204)
    def reset_state() -> None:
        service.reset_store()

    @api.get("/store/{collection}")
    def list_records(collection: str, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        return service.records(collection, offset, limit)

    @api.post("/store/{collection}", status_code=201)
    def create_record(collection: str, record: dict[str, Any]) -> dict[str, Any]:
        return service.create_record(collection, record)

    @api.get("/store/{collection}/{id}")
    def get_record(collection: str, id: str) -> dict[str, Any]:
        return service.record(collection, id)

    @api.put("/store/{collection}/{id}")
    def replace_record(collection: str, id: str, record: dict[str, Any]) -> dict[str, Any]:
        return service.replace_record(collection, id, record)

    @api.delete("/store/{collection}/{id}", status_code=204)
    def delete_record(collection: str, id: str) -> None:
        service.delete_record(collection, id)

    @api.get("/webhooks")
    def webhooks() -> list[dict[str, Any]]:
        """Every callback and webhook of the spec: subscriptions and recent deliveries."""
        return service.webhooks()

    @api.post("/webhooks/{name}/subscriptions", status_code=201)
    def subscribe(name: str, subscription: Subscription) -> dict[str, Any]:
        return service.subscribe_webhook(name, subscription.url)

    @api.delete("/webhooks/{name}/subscriptions", status_code=204)
    def unsubscribe(name: str, url: str) -> None:
        service.unsubscribe_webhook(name, url)

    @api.post("/webhooks/{name:path}", status_code=202)
    def fire(name: str, firing: Firing | None = None) -> dict[str, Any]:
        """Send it now: `body` replaces the generated payload, `url` the subscriptions (a callback needs
        one), `delay` ("2s", "500ms") holds it back. The callback of an operation is `operationId.name`."""
        firing = firing or Firing()
        try:
            delay = parse_duration(firing.delay)[0] if firing.delay is not None else 0.0
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        body = firing.body if "body" in firing.model_fields_set else NO_BODY
        return service.fire_webhook(name, body, firing.url, delay)

    @app.get("/__mocktui/sink/{name}")
    def sink(name: str) -> list[dict[str, Any]]:
        """What the built-in receiver `name` was sent (no token needed: it is a receiver)."""
        return service.sink(name)

    @app.put("/__mocktui/sink/{name}/behaviour", dependencies=guard)
    def sink_behaviour(name: str, behaviour: SinkBehaviour) -> dict[str, Any]:
        """`{"status": 500}` answers that from now on; `{"hang": true}` never answers."""
        return service.sink_behaviour(name, behaviour.status, behaviour.hang)

    @app.api_route("/__mocktui/sink/{name}", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def receive(name: str, request: Request) -> JSONResponse:
        sink = service.sink_receive(name, request.method, list(request.headers.items()), await request.body())
        for _ in range(600):  # hanging: until the sender gives up (or a minute passed)
            if not sink.hang or await request.is_disconnected():
                break
            await asyncio.sleep(0.1)
        return JSONResponse({"received": True}, status_code=sink.status)

    app.include_router(api)
    return app


class Chosen(BaseModel):
    ids: list[int]


def _exported(made: Export) -> Response:
    disposition = {"content-disposition": f'attachment; filename="{made.filename}"'}
    return Response(made.content, media_type=made.media_type, headers=disposition)


class Subscription(BaseModel):
    url: str


class Firing(BaseModel):
    body: Any = None
    url: str | None = None
    delay: str | float | None = None


class Expectation(BaseModel):
    method: str | None = None
    path: str | None = None  # a glob: /orders*
    status: str | None = None  # 201, 4xx
    operation: str | None = None
    since: float | None = None  # epoch seconds
    body: Any = None  # JSON fields the request body must contain (a subset match)
    session: str | None = None  # only this client session's requests
    count: int | None = None  # exactly this many; none: at least one (or the range below)
    at_least: int | None = None
    at_most: int | None = None


class SinkBehaviour(BaseModel):
    status: int | None = None
    hang: bool | None = None


class Switch(BaseModel):
    enabled: bool


class ResetRequest(BaseModel):
    journal: bool = True
    counters: bool = True
    state: bool = False


def _token_guard(token: str) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        given = request.headers.get("x-mocktui-token") or request.headers.get("authorization", "").removeprefix(
            "Bearer "
        )
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "the admin API needs its token: Authorization: Bearer <token>")

    return check


async def _sse(service: MockService, after: int | None, query: EventQuery) -> AsyncIterator[bytes]:
    """Each batch of items in one chunk (one write to the client); an event's JSON as it was made."""
    everything = query == EMPTY
    async for batch in service.follow(after):
        chunk = b"".join([_sse_item(item) for item in batch if everything or _wanted(item, query)])
        if chunk:
            yield chunk


def _wanted(item: Item, query: EventQuery) -> bool:
    return item.kind != "request" or query.matches(item.event)


def _sse_item(item: Item) -> bytes:
    if item.kind == "request":
        return b"id: %d\ndata: %s\n\n" % (item.id, item.raw)
    if item.kind == "ready":  # the first bytes: a client that sees them misses no later request
        return b"retry: 1000\n\n"
    return b"event: %s\ndata: %s\n\n" % (item.kind.encode(), item.raw)


EMPTY = EventQuery()


def _filters(
    method: str | None = None,
    path: str | None = None,
    status: str | None = None,
    operation: str | None = None,
    since: float | None = None,
    session: str | None = None,
) -> EventQuery:
    """The journal's filters as query parameters: `/events`, `/events/stream` and `/export` read the same."""
    return EventQuery(method, path, status, operation, since, session=session)


Filters = Annotated[EventQuery, Depends(_filters)]
