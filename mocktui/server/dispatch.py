"""Several specs in one instance: one ASGI app in front of one `MockApp` per spec.

Each spec keeps its own engine (controls, overrides, store, rules, reload); they share one journal,
whose events name their spec. A request goes to the spec mounted at the longest prefix of its path:
a dict lookup per path segment, compiled at start-up (and again when a reload changes a spec's
routes). Specs sharing a prefix share a route trie that names the spec of each route. A spec whose
routes do not match falls back to a shorter prefix (a spec at the root may serve `/v1/other` while
another is mounted at `/v1`); only then is a route matched twice.

The admin API addresses one spec with `?spec=NAME` on its usual routes. With several specs and no
spec named, the journal's verbs cover all of them and a verb that needs one answers 400 naming the
choices. `GET /__mocktui/specs` lists them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import orjson
from fastapi import FastAPI

from mocktui.engine.contract.router import Router
from mocktui.engine.events import EventStream, RequestEvent
from mocktui.engine.http import MockResponse, problem
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.mounts import Mounted, conflicts, mount
from mocktui.engine.spec.structure import load_checked
from mocktui.server.app import ADMIN_PREFIX, ASGIApp, MockApp, Receive, Scope, Send
from mocktui.server.app import _as_json as as_json
from mocktui.server.docs import PAGES, page_routes
from mocktui.server.docs_pages import DocsSpec
from mocktui.server.reload import Reloader
from mocktui.server.webhooks import Deliverer
from mocktui.service import MockService

# Admin routes that need no spec named: the shared journal's verbs, the docs, the built-in receivers.
ALL_SPECS = frozenset({"", "/", "/docs", "/openapi.json", "/events", "/events/unmatched", "/events/stream",
                       "/verify", "/drift", "/cluster"})  # fmt: skip
ALL_SPECS_UNDER = ("/static/", "/sink/")
DOC_PAGES = frozenset({PAGES, PAGES + "/redoc"})  # without ?spec=NAME: one page over every spec


@dataclass(eq=False)
class Mount:
    """One spec of several: its engine, the verbs over it and the app that serves it."""

    name: str
    file: str
    engine: MockEngine
    service: MockService
    app: MockApp
    reloader: Reloader | None = None
    webhooks: Deliverer | None = None
    admin: ASGIApp | None = field(default=None, repr=False)  # its admin API, built on first use

    @property
    def prefix(self) -> str:
        return self.engine.spec.base_path


class MountReloader(Reloader):
    """A spec's reloader among several: the new version is mounted where the old one was, and refused
    (the last good one kept) when it would collide with another spec's routes."""

    def __init__(self, engine: MockEngine, spec_path: str, name: str, prefix: str | None,
                 others: Callable[[], list[Mounted]], swapped: Callable[[], None]) -> None:  # fmt: skip
        super().__init__(engine, spec_path)
        self.name, self.prefix, self.others, self._swapped = name, prefix, others, swapped

    def load(self) -> Spec:
        spec = mount(load_checked(self.spec_path), self.prefix)
        found = conflicts([*self.others(), Mounted(self.name, spec)])
        if found:
            raise SpecError(found)
        return spec

    def swapped(self) -> None:
        self._swapped()


class _Group:
    """The specs mounted at one prefix; `outer`: a shorter prefix holds a spec a miss falls back to."""

    def __init__(self, prefix: str, mounts: list[Mount], outer: bool) -> None:
        self.prefix, self.first, self.outer = prefix, mounts[0], outer
        self.router: Router[Mount] | None = None
        if len(mounts) > 1:
            self.router = Router()
            for item in mounts:
                for op in item.engine.spec.operations:
                    self.router.add(op.path, op.method, item)

    def pick(self, method: str, path: str) -> Mount | None:
        if self.router is None:
            if not self.outer:
                return self.first
            compiled, _, allowed = self.first.engine.match(method, path)
            return self.first if compiled is not None or allowed else None
        found = self.router.match(path[len(self.prefix) :] or "/")
        if found is None:
            return None
        return found.methods.get(method) or next(iter(found.methods.values()))


class Dispatcher:
    """The ASGI app of several specs: the admin API, then the spec mounted at the longest prefix."""

    def __init__(self, mounts: Sequence[Mount], admin: ASGIApp, events: EventStream) -> None:
        self.mounts = list(mounts)
        self.admin = admin
        self.events = events
        self.groups: dict[str, _Group] = {}
        self.compile()

    def compile(self) -> None:
        """The prefix table, from the specs as they are now (start-up, and after each reload)."""
        by_prefix: dict[str, list[Mount]] = {}
        for item in self.mounts:
            by_prefix.setdefault(item.prefix, []).append(item)

        def outer(prefix: str) -> bool:
            return any(p != prefix and (p == "" or prefix.startswith(p + "/")) for p in by_prefix)

        self.groups = {p: _Group(p, items, outer(p)) for p, items in by_prefix.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.mounts[0].app(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith(ADMIN_PREFIX) and (len(path) == len(ADMIN_PREFIX) or path[len(ADMIN_PREFIX)] == "/"):
            await self.admin(scope, receive, send)
            return
        raw = scope.get("raw_path")  # as the engine matches it: an encoded `/` or newline stays in its segment
        found = self.pick(scope["method"], raw.decode("latin-1") if raw else path)
        if found is None:
            await self._nowhere(scope, send)
            return
        await found.app(scope, receive, send)

    def pick(self, method: str, path: str) -> Mount | None:
        """The spec for `path`: the longest mounted prefix whose routes match it, else the longest prefix."""
        fallback: Mount | None = None
        candidate = path
        groups = self.groups
        while True:
            group = groups.get(candidate)
            if group is not None:
                found = group.pick(method, path)
                if found is not None:
                    return found
                fallback = fallback or group.first
            if not candidate:
                return fallback
            candidate = candidate[: candidate.rfind("/")]

    async def _nowhere(self, scope: Scope, send: Send) -> None:
        """A path under no mounted spec: 404 naming where the specs are; journalled as unmatched."""
        started = time.perf_counter()
        path = scope["path"]
        mounted = ", ".join(f"{m.prefix or '/'} ({m.name})" for m in self.mounts)
        response = problem(404, "Not Found", f"no spec is mounted at {path}; mounted: {mounted}")
        client = scope.get("client")
        self.events.publish(
            RequestEvent(
                time=time.time(),
                client=f"{client[0]}:{client[1]}" if client else "",
                method=scope["method"],
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=404,
                latency_ms=(time.perf_counter() - started) * 1000,
                response_headers=response.headers,
                response_body=response.body,
            )  # fmt: skip
        )
        await send_response(send, response)


class AdminDispatch:
    """The admin API of several specs: `?spec=NAME` goes to that spec's; the journal's verbs cover all."""

    def __init__(self, mounts: Sequence[Mount], default: ASGIApp, build: Callable[[MockService], ASGIApp],
                 token: str | None) -> None:  # fmt: skip
        self.mounts = list(mounts)
        self.by_name = {m.name: m for m in self.mounts}
        self.default = default
        self.build = build
        self.token = token
        self.pages = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        page_routes(self.pages, self._docs_specs, lambda: f"mocktui: {len(self.mounts)} specs")

    def _docs_specs(self) -> list[DocsSpec]:
        """The docs pages' picker, with each spec's title as served now (a reload may retitle one)."""
        return [DocsSpec(m.name, f"{PAGES}/openapi.json?spec={m.name}", m.engine.spec.title) for m in self.mounts]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rest = scope["path"][len(ADMIN_PREFIX) :]
        if rest == "/health":
            await send_response(send, self._health())
            return
        name = spec_param(scope.get("query_string", b""))
        if name is None and scope["path"] in DOC_PAGES:
            await self.pages(scope, receive, send)
            return
        if name is None and (rest in ALL_SPECS or rest.startswith(ALL_SPECS_UNDER)):
            await self.default(as_json(scope), receive, send)
            return
        if not self._allowed(scope):
            await send_response(send, _json(401, {"detail": "the admin API needs its token: Authorization: "
                                                             "Bearer <token>"}))  # fmt: skip
            return
        if rest == "/specs":
            await send_response(send, _json(200, [m.service.describe() for m in self.mounts]))
            return
        choices = ", ".join(self.by_name)
        if name is None:
            detail = f"this mock serves several specs: name one with ?spec=NAME ({choices}); see {ADMIN_PREFIX}/specs"
            await send_response(send, _json(400, {"detail": detail, "specs": list(self.by_name)}))
            return
        found = self.by_name.get(name)
        if found is None:
            detail = f"no spec {name!r}; the specs: {choices}"
            await send_response(send, _json(404, {"detail": detail, "specs": list(self.by_name)}))
            return
        if found.admin is None:
            found.admin = self.build(found.service)
        await found.admin(as_json(scope), receive, send)

    def _health(self) -> MockResponse:
        specs = [{"name": m.name, "title": m.engine.spec.title, "operations": len(m.engine.operations)}
                 for m in self.mounts]  # fmt: skip
        total = sum(len(m.engine.operations) for m in self.mounts)
        return _json(200, {"status": "ok", "operations": total, "specs": specs})

    def _allowed(self, scope: Scope) -> bool:
        if self.token is None:
            return True
        headers = dict(scope["headers"])
        given = headers.get(b"x-mocktui-token") or headers.get(b"authorization", b"").removeprefix(b"Bearer ")
        return secrets.compare_digest(given, self.token.encode())


def spec_param(query: bytes) -> str | None:
    """The `spec` an admin call names in its query string, if any."""
    if b"spec=" not in query:
        return None
    values = parse_qs(query.decode("latin-1")).get("spec")
    return values[0] if values else None


def _json(status: int, body: object) -> MockResponse:
    return MockResponse(status, [("content-type", "application/json")], orjson.dumps(body))


async def send_response(send: Send, response: MockResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
