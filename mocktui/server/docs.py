"""Interactive docs of the mocked API: Swagger UI 5 and ReDoc at `/__mocktui/api-docs`, the spec at
`/__mocktui/spec.json|yaml`, all offline.

The assets come from fastapi-offline (Swagger UI 5 and ReDoc's standalone bundle, vendored from npm
and kept current there): the swagger-ui-bundle package is Swagger UI 4, which cannot render OpenAPI 3.1.
Per service: `spec_routes` serves one spec's documents under a prefix, `page_routes` the two pages
over a list of (name, docs-spec URL) pairs, so several specs can share one page (its spec picker).
Each document is made once per loaded version of the spec (a reload makes new ones, with new ETags),
off the mock's request path.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastapi_offline
import orjson
import yaml
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from mocktui.engine.spec.bundle import bundle
from mocktui.engine.spec.model import Spec
from mocktui.server.docs_copy import docs_copy
from mocktui.server.docs_pages import DocsSpec, redoc_page, swagger_page
from mocktui.service import MockService

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"  # swagger-ui-bundle.js, swagger-ui.css, redoc...
ASSETS = "/__mocktui/static"
PAGES = "/__mocktui/api-docs"
# Offline for sure: the browser loads nothing from elsewhere (ReDoc's footer asks a CDN for its logo;
# a spec's x-logo may name any host). Inline scripts and styles are the viewers' own; workers are ReDoc's.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)

try:  # the C emitter: a multi-megabyte spec in a fraction of the time
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - libyaml missing
    _Dumper = yaml.SafeDumper


@dataclass(frozen=True)
class Served:
    body: bytes
    media_type: str
    etag: str  # strong: a hash of the body


class SpecDocuments:
    """One spec's documents (as written, bundled, the docs copy), each made on first ask per version."""

    def __init__(self, service: MockService) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._spec: Spec | None = None
        self._made: dict[tuple[str, str], Served] = {}

    def get(self, kind: str, origin: str = "") -> Served:
        """`kind`: json, yaml, json-bundled, yaml-bundled or docs (the docs copy, at `origin`)."""
        engine = self.service.engine
        with self._lock:
            spec = engine.spec
            if spec is not self._spec:
                self._spec, self._made = spec, {}
            key = (kind, origin)
            if key not in self._made:
                if len(self._made) > 16:  # many Host names: keep the memory bounded
                    self._made.clear()
                self._made[key] = self._make(spec, kind, origin)
            return self._made[key]

    def _make(self, spec: Spec, kind: str, origin: str) -> Served:
        loader = spec.schemas.loader
        if kind == "docs":
            return _served(docs_copy(self._bundled(spec), self.service.engine, origin), "json")
        fmt, _, bundled = kind.partition("-")
        return _served(self._bundled(spec) if bundled else loader.load(loader.root), fmt)

    def _bundled(self, spec: Spec) -> Any:
        """Made whenever asked (0.13 s on Stripe's 2.6 MB): a single file's `$id` references need it too."""
        return bundle(spec.schemas.loader)


def _served(document: Any, fmt: str) -> Served:
    if fmt == "yaml":
        text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
        body, media_type = text.encode(), "application/yaml"
    else:
        body, media_type = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS), "application/json"
    return Served(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


def _answer(request: Request, served: Served) -> Response:
    """The document, or 304 when the client has it (If-None-Match); browsers revalidate every time."""
    headers = {"etag": served.etag, "cache-control": "no-cache"}
    given = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in given.split(",")}
    if served.etag in tags or "*" in tags:
        return Response(status_code=304, headers=headers)
    return Response(served.body, media_type=served.media_type, headers=headers)


def _origin(request: Request) -> str:
    """Where the browser reached this mock: "Try it out" calls it there."""
    return str(request.base_url).rstrip("/")


def spec_routes(app: FastAPI, service: MockService, prefix: str = "/__mocktui") -> str:
    """`prefix`/spec.json, /spec.yaml (`?bundled=1`: one self-contained document) and the docs copy;
    answers the docs copy's URL, for `page_routes`."""
    documents = SpecDocuments(service)

    @app.api_route(prefix + "/spec.json", methods=["GET", "HEAD"], include_in_schema=False)
    def spec_json(request: Request, bundled: bool = False) -> Response:
        return _answer(request, documents.get("json-bundled" if bundled else "json"))

    @app.api_route(prefix + "/spec.yaml", methods=["GET", "HEAD"], include_in_schema=False)
    def spec_yaml(request: Request, bundled: bool = False) -> Response:
        return _answer(request, documents.get("yaml-bundled" if bundled else "yaml"))

    @app.get(prefix + "/api-docs/openapi.json", include_in_schema=False)
    def docs_spec(request: Request) -> Response:
        return _answer(request, documents.get("docs", _origin(request)))

    return prefix + "/api-docs/openapi.json"


def page_routes(app: FastAPI, specs: Callable[[], list[DocsSpec]], title: Callable[[], str]) -> None:
    """The Swagger UI page at /__mocktui/api-docs and the ReDoc one at /__mocktui/api-docs/redoc, over
    `specs` (the first is shown first; `?spec=NAME` picks another). Both are asked on every page load,
    so a page follows the titles of the specs served now (a hot reload may change them)."""

    @app.api_route(PAGES, methods=["GET", "HEAD"], include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = swagger_page(title(), specs(), ASSETS, PAGES)
        return HTMLResponse(page, headers={"content-security-policy": CSP})

    @app.api_route(PAGES + "/redoc", methods=["GET", "HEAD"], include_in_schema=False)
    def redoc() -> HTMLResponse:
        return HTMLResponse(redoc_page(title(), specs(), ASSETS, PAGES), headers={"content-security-policy": CSP})


def add_docs(app: FastAPI, service: MockService) -> None:
    """The docs of the one spec `service` mocks."""
    url = spec_routes(app, service)

    def title() -> str:
        return service.engine.spec.title or "mocktui"

    page_routes(app, lambda: [DocsSpec(title(), url, title())], title)
