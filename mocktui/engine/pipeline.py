"""The mock engine: from a request to a contract-correct response.

`MockEngine` compiles a `Spec` once (routes into a trie, every response
schema into a generator) and answers `MockRequest`s synchronously; the web
layer only moves bytes. Static responses are generated once and cached as
encoded bytes, so the default mode costs a dict lookup per request.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import jsonschema_rs
import orjson

from mocktui.engine.steer.behaviour import Behaviour
from mocktui.engine.steer.controls import Controls, Override
from mocktui.engine.events import EventStream
from mocktui.engine.data.generate import Ctx, Gen, Generator, TooDeep
from mocktui.engine.contract.media import content_type_for, declared_for, encode, is_json, negotiate
from mocktui.engine.data.pools import Pools
from mocktui.engine.contract.router import Router
from mocktui.engine.contract.security import Requirement, authorised, challenge, compile_requirements
from mocktui.engine.spec.model import MediaType, Operation, Response, Spec
from mocktui.engine.stores.base import Store
from mocktui.engine.contract.validate import BadRequest, RequestValidator, Violation, pointer_of, response_schema

if TYPE_CHECKING:
    from mocktui.engine.scenarios.runner import Decision, Scenarios
    from mocktui.engine.stateful.crud import Stateful

PROBLEM = "application/problem+json"
# Headers the HTTP server owns; a spec declaring them must not break framing.
_FRAMING_HEADERS = {
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "trailer",
    "te",
}


@dataclass(slots=True)
class MockRequest:
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    client: str = ""


@dataclass(slots=True)
class MockResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    operation: str | None = None
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # where this response breaks the contract (--validate-responses)
    scenario: str | None = None  # the rule or pack case that decided this answer
    delay_ms: float = 0.0  # injected latency, waited out by the web layer before sending
    fault: str | None = None  # injected chaos the web layer acts out: reset | hang | truncate | drip


def problem(status: int, title: str, detail: str, **extra: Any) -> MockResponse:
    """An RFC 9457 problem response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return MockResponse(status, [("content-type", PROBLEM)], orjson.dumps(body))


class _Media:
    __slots__ = ("spec", "content_type", "gen", "validator", "static")

    def __init__(self, spec: MediaType, gen: Gen | None) -> None:
        self.spec = spec
        self.content_type = content_type_for(spec.name)
        self.gen = gen
        self.validator: Any = None
        self.static: bytes | None = None


class _Resp:
    __slots__ = ("spec", "status", "media", "headers", "static_headers")

    def __init__(self, spec: Response, status: int, media: dict[str, _Media], headers: list[tuple[str, Gen]]) -> None:
        self.spec = spec
        self.status = status
        self.media = media
        self.headers = headers
        self.static_headers: list[tuple[str, str]] | None = None


class _Op:
    __slots__ = ("op", "responses", "default", "validator", "security")

    def __init__(
        self,
        op: Operation,
        responses: dict[str, _Resp],
        default: _Resp | None,
        validator: RequestValidator,
        security: list[Requirement],
    ) -> None:
        self.op = op
        self.responses = responses
        self.default = default
        self.validator = validator
        self.security = security


def status_of(key: str, fallback: int = 200) -> int:
    if key.isdigit():
        return int(key)
    if key.endswith("XX"):
        return int(key[0]) * 100
    return fallback


class MockEngine:
    """Answers requests for one spec; `controls` is read on every request."""

    def __init__(
        self,
        spec: Spec,
        *,
        controls: Controls | None = None,
        events: EventStream | None = None,
        faker_seed: int | None = None,
    ) -> None:
        self.spec = spec
        self.controls = controls or Controls()
        self.events = events or EventStream()
        self.seed = faker_seed
        self.rng = random.Random(faker_seed)
        self.generator = Generator(spec.schemas.defs, Pools(faker_seed), spec.schemas.bundle)
        self.state: Stateful | None = None  # set by `attach_store`
        self.behaviour = Behaviour(self.controls)
        self.scenarios: Scenarios | None = None  # rules, hooks and packs; the CLI loads them
        self.router: Router[_Op] = Router()
        self.operations: dict[str, _Op] = {}
        for op in spec.operations:
            compiled = self._compile(op)
            self.operations[op.id] = compiled
            self.router.add(op.path, op.method, compiled)

    def reload(self, spec: Spec) -> None:
        """Serve `spec` from the next request on, keeping controls, journal, store and counters."""
        self.swap(self.prepare(spec))

    def prepare(self, spec: Spec) -> MockEngine:
        """Compile `spec` aside (safe to run in a worker thread while this engine serves)."""
        fresh = MockEngine(spec, controls=self.controls, events=self.events, faker_seed=self.seed)
        if self.state is not None:
            from mocktui.engine.stateful.crud import Stateful

            old = self.state
            fresh.state = Stateful(fresh, old.store, seed_count=old.seed_count, seed_counts=old.seed_counts)
        return fresh

    def swap(self, fresh: MockEngine) -> None:
        """Take over a prepared engine's compiled spec, without yielding to the event loop: a request
        sees the old spec or the new one, never a mix; in-flight requests keep what they hold."""
        self.spec, self.generator, self.router, self.operations = (
            fresh.spec,
            fresh.generator,
            fresh.router,
            fresh.operations,
        )
        if fresh.state is not None:
            fresh.state.engine = self
            self.state = fresh.state

    def attach_store(self, store: Store, **options: Any) -> Stateful:
        """Give the engine a store: the operations of inferred resources become stateful."""
        from mocktui.engine.stateful.crud import Stateful

        self.state = Stateful(self, store, **options)
        if store.kind == "redis":  # processes that share a state share rate-limit counters too
            from mocktui.engine.steer.behaviour import RedisLimiter
            from mocktui.engine.stores.redis import RedisStore

            assert isinstance(store, RedisStore)
            self.behaviour.limiter = RedisLimiter(store.client, store.namespace)
        return self.state

    def reset_counters(self) -> None:
        """Forget per-client and per-rule counts (rate limits; scenario call counts)."""
        self.behaviour.limiter.reset()
        if self.scenarios is not None:
            self.scenarios.reset()

    # -- compilation --------------------------------------------------------

    def _compile(self, op: Operation) -> _Op:
        responses: dict[str, _Resp] = {}
        for key, resp in op.responses.items():
            media = {
                name: _Media(mt, self.generator.compile(mt.schema) if mt.schema is not None else None)
                for name, mt in resp.content.items()
            }
            headers = [
                (h.name, self.generator.compile(h.schema, h.name))
                for h in resp.headers.values()
                if h.name.lower() not in _FRAMING_HEADERS
            ]
            responses[key] = _Resp(resp, status_of(key), media, headers)
        validator = RequestValidator(op, self.spec.schemas)
        return _Op(op, responses, _default_response(responses), validator, compile_requirements(self.spec, op))

    # -- requests -----------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[_Op | None, dict[str, str], list[str]]:
        """The operation for a request, its path params, and the path's methods."""
        base = self.spec.base_path
        candidates = [path]
        if base and (path == base or path.startswith(base + "/")):
            candidates.insert(0, path[len(base) :] or "/")
        for candidate in candidates:
            found = self.router.match(candidate)
            if found is not None:
                return found.methods.get(method), found.params(method), sorted(found.methods)
        return None, {}, []

    def handle(self, request: MockRequest) -> MockResponse:
        response = self._handle(request)
        if self.controls.validate_responses and response.operation is not None:
            notes = self.response_problems(response)
            if notes:
                response.notes = tuple(notes)
                response.tags = (*response.tags, "response-invalid")
        return response

    def response_problems(self, response: MockResponse) -> list[str]:
        """Every way `response` breaks its operation's declared responses."""
        compiled = self.operations.get(response.operation or "")
        if compiled is None:
            return []
        resp = _response_for_code(compiled.responses, str(response.status))
        if resp is None:
            return [f"status {response.status} is not declared; declared: {', '.join(compiled.responses)}"]
        headers = {name.lower(): value for name, value in response.headers}
        problems = [
            f"required header {h.name!r} is missing"
            for h in resp.spec.headers.values()
            if h.required and h.name.lower() not in headers and h.name.lower() not in _FRAMING_HEADERS
        ]
        if not resp.media:
            if response.body:
                problems.append(f"{resp.spec.key} is declared without content, but a body was sent")
            return problems
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        media = declared_for(resp.media, ctype)
        if media is None:
            problems.append(f"Content-Type {ctype or '(none)'!r} is not declared; declared: {', '.join(resp.media)}")
        elif is_json(ctype) and media.spec.schema is not None:
            try:
                value = orjson.loads(response.body)
            except orjson.JSONDecodeError as exc:
                problems.append(f"body is not JSON: {exc}")
            else:
                problems.extend(self.violations(media, value))
        return problems

    def _handle(self, request: MockRequest) -> MockResponse:
        compiled, params, allowed = self.match(request.method, request.path)
        controls = self.controls
        override = controls.overrides.get(compiled.op.id) if compiled is not None and controls.overrides else None
        limit = self.behaviour.limit(override, compiled.op.id if compiled else None, request.client, request.headers)
        if limit is not None and not limit.allowed:
            response = problem(429, "Too Many Requests", f"more than {limit.limit} requests in this window")
            response.tags = ("rate-limited",)
        else:
            response = self._steered(request, compiled, params, allowed, override)
        if limit is not None:
            response.headers.extend(limit.headers())
        if response.operation is not None or compiled is not None or response.delay_ms or response.fault:
            response.delay_ms += self.behaviour.delay_ms(override)
            chaotic = controls.faults.chaos or (override is not None and override.chaos)
            if chaotic and response.fault is None:
                response.fault = self.behaviour.chaos(override)
                if response.fault:
                    response.tags = (*response.tags, f"chaos:{response.fault}")
        return response

    def _steered(
        self,
        request: MockRequest,
        compiled: _Op | None,
        params: dict[str, str],
        allowed: list[str],
        override: Override | None,
    ) -> MockResponse:
        """Offline, disabled routes, injected failures and forced answers, then the contract."""
        controls = self.controls
        if controls.offline:
            response = problem(503, "Service Unavailable", "the mock is offline (toggle it in the TUI or admin API)")
            response.headers.append(("retry-after", "5"))
            response.tags = ("offline",)
            return response
        if compiled is not None and override is not None and override.disabled:
            status = override.disabled
            title = "Not Found" if status == 404 else "Service Unavailable"
            response = problem(status, title, f"{compiled.op.id} is disabled")
            response.operation, response.tags = compiled.op.id, ("override",)
            return response
        if (
            self.scenarios is not None
            and controls.scenarios
            and (not controls.api_key or request.headers.get("x-api-key") == controls.api_key)
        ):
            # Before the contract: a scenario is a deliberate answer (a declined card, a locked account).
            decision = self.scenarios.decide(compiled.op if compiled is not None else None, request, params)
            if decision is not None:
                return self._scenario(decision, request, compiled, params, allowed, override)
        if compiled is not None:
            injected = self.behaviour.injected_status(override)
            if injected is not None:
                return self._failure(compiled, request, injected)
        response = self._contract(request, compiled, params, allowed, override)
        if override is not None and compiled is not None:
            response.tags = (*response.tags, "override")
        return response

    def _scenario(
        self,
        decision: Decision,
        request: MockRequest,
        compiled: _Op | None,
        params: dict[str, str],
        allowed: list[str],
        override: Override | None,
    ) -> MockResponse:
        """A scenario's answer: its own body, a declared status or example, or the normal answer changed."""
        from mocktui.engine.scenarios.runner import respond

        def normal(prefer: dict[str, str]) -> MockResponse:
            if prefer and compiled is not None:
                return self.respond(compiled, request, prefer)
            return self._contract(request, compiled, params, allowed, override)

        response = respond(decision, compiled.op if compiled is not None else None, normal)
        response.delay_ms, response.fault = decision.delay_ms, decision.fault
        response.scenario = decision.rule
        return response

    def _failure(self, compiled: _Op, request: MockRequest, status: int) -> MockResponse:
        """An injected failure, in the shape the operation declares for that status if it does."""
        if _response_for_code(compiled.responses, str(status)) is not None:
            response = self.respond(compiled, request, {"code": str(status)})
        else:
            response = problem(status, HTTPStatus(status).phrase, "injected failure (error rate)")
            response.operation = compiled.op.id
        if status == 503:
            response.headers.append(("retry-after", "2"))
        response.tags = ("fault",)
        return response

    def _contract(
        self,
        request: MockRequest,
        compiled: _Op | None,
        params: dict[str, str],
        allowed: list[str],
        override: Override | None,
    ) -> MockResponse:
        if compiled is None:
            if allowed:
                response = problem(
                    405,
                    "Method Not Allowed",
                    f"{request.method} is not declared for {request.path}",
                    allowed=allowed,
                )
                response.headers.append(("allow", ", ".join(allowed)))
                return response
            return problem(404, "Not Found", f"no operation of the spec matches {request.path}")
        controls = self.controls
        if controls.api_key and request.headers.get("x-api-key") != controls.api_key:
            return self.reject(compiled, "auth", [Violation("header", "/x-api-key", "missing or wrong X-API-Key")])
        if controls.security and compiled.security:
            query = dict(parse_qsl(request.query, keep_blank_values=True)) if request.query else {}
            if not authorised(compiled.security, request.headers, query):
                names = " or ".join(" and ".join(n for n, _ in req) for req in compiled.security)
                response = self.reject(compiled, "auth", [Violation("header", "", f"credentials required: {names}")])
                www = challenge(compiled.security)
                if www and response.status == 401:
                    response.headers.append(("www-authenticate", www))
                return response
        if controls.validate_requests:
            try:
                violations = compiled.validator.validate(params, request.query, request.headers, request.body)
            except BadRequest as exc:
                return self.reject(compiled, exc.kind, exc.violations)
            if violations:
                return self.reject(compiled, "invalid", violations)
        prefer = parse_prefer(request.headers.get("prefer", ""))
        if override is not None:  # forced answers: as if the client had asked with Prefer
            if override.status is not None:
                prefer["code"] = str(override.status)
            if override.example is not None:
                prefer["example"] = override.example
            if override.dynamic is not None:
                prefer["dynamic"] = "true" if override.dynamic else "false"
        if self.state is not None and controls.stateful and "code" not in prefer and "example" not in prefer:
            stored = self.state.handle(compiled, params, request)
            if stored is not None:
                return stored
        return self.respond(compiled, request, prefer)

    def reject(self, compiled: _Op, kind: str, violations: list[Violation]) -> MockResponse:
        """An error answer with a status the operation declares, naming every violation."""
        status, resp = _error_status(compiled.responses, kind, violations)
        title, detail = (
            _ERROR_TITLES[kind],
            "; ".join(f"{v.location} {v.pointer or ''}: {v.reason}" for v in violations),
        )
        tags = (kind if kind in ("auth", "missing", "conflict") else "validation",)
        errors = [v.to_dict() for v in violations]
        # The reason travels in a header too: a declared error body may have no field to carry it.
        why = ("x-mocktui-problem", header_value(detail))
        media = _json_media(resp) if resp is not None else None
        if media is not None and media.gen is not None:
            rng = random.Random(f"{self.seed}:{compiled.op.id}:{status}:error")
            value = self.generate(media.gen, Ctx(rng, examples=False))
            self._tell_truth(media, value, status, title, detail, errors)
            if self.is_valid(media, value):
                headers = [("content-type", media.content_type), why]
                return MockResponse(status, headers, encode(value, media.spec.name), compiled.op.id, tags)
        if resp is not None and resp.media and media is None:
            # Only non-JSON bodies are declared (text/html, XML): answer in the first of them.
            name, other = next(iter(resp.media.items()))
            text: Any = detail if name.startswith("text/") else {"title": title, "status": status, "detail": detail}
            headers = [("content-type", other.content_type), why]
            return MockResponse(status, headers, encode(text, name), compiled.op.id, tags)
        if resp is not None and not resp.media:
            # The spec declares this error without a body: keep to it.
            return MockResponse(status, [*_bare_headers(resp), why], b"", compiled.op.id, tags)
        response = problem(status, title, detail, errors=errors)
        response.headers.append(why)
        response.operation, response.tags = compiled.op.id, tags
        return response

    def _tell_truth(
        self, media: _Media, value: Any, status: int, title: str, detail: str, errors: list[Any] | None = None
    ) -> None:
        """Put the real status and reason into a generated error body, wherever its schema lets them sit."""
        if not isinstance(value, dict):
            return
        real: dict[str, Any] = {key: detail for key in _MESSAGE_FIELDS}
        real.update(type="about:blank", title=title, status=status, code=status, statusCode=status)
        if errors is not None:
            real["errors"] = errors
        for key, truth in real.items():
            if key in value:
                before, value[key] = value[key], truth
                if not self.is_valid(media, value):
                    value[key] = before

    def respond(self, compiled: _Op, request: MockRequest, prefer: dict[str, str]) -> MockResponse:
        op = compiled.op
        resp = compiled.default
        status = resp.status if resp else 200
        if "code" in prefer:
            code = prefer["code"]
            resp = _response_for_code(compiled.responses, code)
            if resp is None or not code.isdigit() or not 200 <= int(code) <= 599:
                declared = ", ".join(compiled.responses)
                return problem(
                    400, "Bad Prefer header", f"code={code} is not declared for {op.id}; declared: {declared}"
                )
            status = int(code)
        if resp is None:
            return MockResponse(204, [], b"", op.id)
        if not resp.media:
            return MockResponse(status, self.declared_headers(resp, dynamic=False) + _bare_headers(resp), b"", op.id)
        chosen = negotiate(request.headers.get("accept"), list(resp.media))
        if chosen is None:
            return problem(
                406,
                "Not Acceptable",
                f"{op.id} can answer {status} with: {', '.join(resp.media)}",
                available=list(resp.media),
            )
        media = resp.media.get(chosen) or next(m for m in resp.media.values() if "*" in m.spec.name)
        content_type = chosen if "*" not in chosen else media.content_type
        dynamic = _flag(prefer.get("dynamic"), self.controls.dynamic)
        if "example" in prefer:
            name = prefer["example"]
            if name not in media.spec.examples:
                known = ", ".join(media.spec.examples) or "none"
                return problem(
                    400, "Bad Prefer header", f"no example {name!r} for {op.id} {resp.spec.key}; known: {known}"
                )
            body = encode(media.spec.examples[name], chosen, self.rng)
        elif dynamic and media.gen is not None:
            value = self.generate(media.gen, Ctx(self.rng, examples=False))
            if status >= 400:
                self._tell_truth(media, value, status, *_reason(resp), [])
            body = encode(value, chosen, self.rng)
        else:
            body = self._static_body(op, resp, media, chosen)
        headers = self.declared_headers(resp, dynamic)
        headers.append(("content-type", content_type))
        return MockResponse(status, headers, body, op.id)

    def declared_headers(self, resp: _Resp, dynamic: bool) -> list[tuple[str, str]]:
        if not resp.headers:
            return []
        if not dynamic and resp.static_headers is not None:
            return list(resp.static_headers)
        rng = self.rng if dynamic else random.Random(f"{self.seed}:{resp.spec.key}:headers")
        ctx = Ctx(rng, examples=not dynamic)
        out = [(name, header_value(_header_text(self.generate(gen, ctx)))) for name, gen in resp.headers]
        if not dynamic:
            resp.static_headers = out
        return list(out)

    @staticmethod
    def generate(gen: Gen, ctx: Ctx) -> Any:
        try:
            return gen(ctx)
        except TooDeep:
            return None

    def _static_body(self, op: Operation, resp: _Resp, media: _Media, chosen: str) -> bytes:
        if media.static is None or media.spec.name != chosen:
            value = self.static_value(op, resp, media)
            body = encode(value, chosen, self.rng)
            if media.spec.name != chosen:
                return body
            media.static = body
        return media.static

    def static_value(self, op: Operation, resp: _Resp, media: _Media) -> Any:
        """The stable value of a response: a valid spec example, else generated data."""
        spec = media.spec
        candidates = ([spec.example] if spec.has_example else []) + list(spec.examples.values())
        for example in candidates:
            if self.is_valid(media, example):
                return example
        if media.gen is None:
            return candidates[0] if candidates else None
        first: Any = None
        for attempt in range(6):
            rng = random.Random(f"{self.seed}:{op.id}:{resp.spec.key}:{spec.name}:{attempt}")
            value = self.generate(media.gen, Ctx(rng, examples=attempt < 2))
            if resp.status >= 400:
                self._tell_truth(media, value, resp.status, *_reason(resp), [])
            if self.is_valid(media, value):
                return value
            first = value if attempt == 0 else first
        return first  # the schema admits no value we can find (a spec defect): stay realistic

    def _validator(self, media: _Media) -> Any:
        if media.validator is None:
            schema = response_schema(self.spec.schemas, media.spec.schema)
            media.validator = jsonschema_rs.validator_for(schema, validate_formats=True)
        return media.validator

    def is_valid(self, media: _Media, value: Any) -> bool:
        if media.spec.schema is None:
            return True
        try:
            return bool(self._validator(media).is_valid(value))
        except (ValueError, TypeError, jsonschema_rs.ValidationError):
            return False

    def violations(self, media: _Media, value: Any) -> list[str]:
        """Schema violations of a body value, one line each, with JSON pointers."""
        try:
            errors = list(self._validator(media).iter_errors(value))
        except (ValueError, TypeError, jsonschema_rs.ValidationError) as exc:
            return [f"body cannot be checked: {exc}"]
        return [f"body {pointer_of(e.instance_path) or '/'}: {e.message[:300]}" for e in errors[:10]]


_ERROR_TITLES = {
    "missing": "Not Found",
    "conflict": "Conflict",
    "invalid": "Request validation failed",
    "malformed": "Malformed request",
    "media": "Unsupported Media Type",
    "auth": "Unauthorized",
}
_ERROR_CHAINS = {  # preferred statuses, first declared wins; the last is used when none is
    "missing": (404, 410),
    "conflict": (409,),
    "invalid": (422, 400),
    "malformed": (400, 422),
    "media": (415, 400, 422),
    "auth": (401, 403),
}
_MESSAGE_FIELDS = ("message", "detail", "error", "error_description", "description", "reason", "msg")


def _reason(resp: _Resp) -> tuple[str, str]:
    """Title and detail for an error response the spec declares: its description says why."""
    try:
        title = HTTPStatus(resp.status).phrase
    except ValueError:
        title = "Error"
    return title, resp.spec.description.strip() or title


def _error_status(responses: dict[str, _Resp], kind: str, violations: list[Violation]) -> tuple[int, _Resp | None]:
    """The status to refuse with: the kind's preferred ones, then whatever the operation declares.

    A path parameter that breaks its schema names no resource, so a declared 404 fits it; failing
    that, any declared client error keeps the mock inside its contract.
    """
    chain = _ERROR_CHAINS[kind]
    for code in chain:
        if str(code) in responses:
            return code, responses[str(code)]
    if "4XX" in responses:
        return chain[0], responses["4XX"]
    if "default" in responses:
        return chain[0], responses["default"]
    if "404" in responses and violations and all(v.location == "path" for v in violations):
        return 404, responses["404"]
    if kind in ("auth", "missing", "conflict"):
        return chain[0], None  # only these statuses say it: 401 to authenticate, 404 gone, 409 taken
    declared = sorted(r.status for r in responses.values() if 400 <= r.status < 500 and r.spec.key.isdigit())
    for code in declared:
        if code not in (401, 403, 404, 406, 429):  # these would say something untrue
            return code, responses[str(code)]
    return chain[0], None


def _json_media(resp: _Resp) -> _Media | None:
    for name, media in resp.media.items():
        if is_json(name) and media.spec.schema is not None:
            return media
    return None


def _default_response(responses: dict[str, _Resp]) -> _Resp | None:
    success = sorted((r for r in responses.values() if 200 <= r.status < 300), key=lambda r: (r.status, r.spec.key))
    if success:
        return success[0]
    if "default" in responses:
        return responses["default"]
    # No success is declared: "not found" is the least untrue answer to a valid request.
    if "404" in responses:
        return responses["404"]
    # Never an informational 1xx: it would switch protocols under the client.
    ordered = sorted((r for r in responses.values() if r.status >= 200), key=lambda r: r.status)
    return ordered[0] if ordered else None


def _bare_headers(resp: _Resp) -> list[tuple[str, str]]:
    return [("content-type", resp.spec.bare_type)] if resp.spec.bare_type else []


def _response_for_code(responses: dict[str, _Resp], code: str) -> _Resp | None:
    if code in responses:
        return responses[code]
    if code.isdigit() and f"{code[0]}XX" in responses:
        return responses[f"{code[0]}XX"]
    return responses.get("default")


def parse_prefer(header: str) -> dict[str, str]:
    """`Prefer: code=404, example=cat, dynamic=true` as a dict (Prism's words)."""
    out: dict[str, str] = {}
    if not header:
        return out
    for token in header.replace(";", ",").split(","):
        key, sep, value = token.strip().partition("=")
        if sep:
            out[key.strip().lower()] = value.strip().strip('"')
    return out


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.lower() in ("true", "1", "yes", "on")


_UNSAFE_IN_HEADERS = re.compile(r"[^\x20-\x7e]")


def header_value(text: str, limit: int = 1000) -> str:
    """Text made safe for an HTTP header: printable ASCII only (a CR or LF would be a crash or worse)."""
    return _UNSAFE_IN_HEADERS.sub("?", text[:limit])


def _header_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_header_text(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={_header_text(v)}" for k, v in value.items())
    if value is None:
        return ""
    return str(value)
