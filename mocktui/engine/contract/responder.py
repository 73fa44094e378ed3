"""The contract stage: from a request to the answer the spec declares for it.

`Responder` compiles a `Spec` once (routes into a trie, every response schema into a generator)
and answers synchronously. Static answers are generated once and cached as encoded bytes, so the
default mode costs a dict lookup per request. Answers that follow their request (a path's id, the
sent body, a page size: see `shaping`) are kept per input in a bounded cache, seeded by those
inputs so a path answers the same record every time. The stateful and scenario stages answer through it
(`respond`, `reject`, `declared_headers`), so every answer keeps to the same contract; the
pipeline's own answers (rate limited, offline, a disabled route) take the declared shape too (`own_answer`).
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qsl

import jsonschema_rs
import orjson

from mocktui.engine.contract.compiled import (
    FRAMING_HEADERS,
    CompiledMedia,
    CompiledOperation,
    CompiledResponse,
    bare_headers,
    compile_operation,
    json_media,
    response_for_code,
)
from mocktui.engine.contract.media import declared_for, encode, is_json, negotiate
from mocktui.engine.contract.refusals import ERROR_TITLES, error_status, reason
from mocktui.engine.contract.router import Router
from mocktui.engine.contract.security import authorised, challenge
from mocktui.engine.contract.shaping import Answers, Call, Plan, Shapes, copied
from mocktui.engine.contract.truth import code_enums, fill
from mocktui.engine.contract.validate import BadRequest, Violation, pointer_of
from mocktui.engine.contract.validators import Validators
from mocktui.engine.data.generate import Ctx, Gen, Generator, TooDeep
from mocktui.engine.data.pools import Pools
from mocktui.engine.http import MockRequest, MockResponse, flag, header_text, header_value, problem
from mocktui.engine.spec.model import Operation, Spec
from mocktui.engine.steer.controls import Controls

# Headers the pipeline adds to its own answers (Retry-After, the rate-limit counters), never generated here.
PIPELINE_HEADERS = frozenset({"retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"})


class Responder:
    """Answers for one spec; reads `controls` (dynamic, security, validation) on every request."""

    def __init__(self, spec: Spec, controls: Controls, faker_seed: int | None = None) -> None:
        self.spec = spec
        self.controls = controls
        self.seed = faker_seed
        self.rng = random.Random(faker_seed)
        self.generator = Generator(spec.schemas.defs, Pools.shared(faker_seed), spec.schemas.bundle)
        self.validators = Validators(spec.schemas)  # shared by identical schemas, within a memory budget
        self.shapes = Shapes(spec, self.generator)
        self.router: Router[CompiledOperation] = Router()
        self.operations: dict[str, CompiledOperation] = {}
        self.own_answers = Answers()  # the pipeline's own answers in declared shapes, by operation, status, detail
        for op in spec.operations:
            compiled = compile_operation(op, spec, self.generator)
            self.operations[op.id] = compiled
            self.router.add(op.path, op.method, compiled)

    def match(self, method: str, path: str) -> tuple[CompiledOperation | None, dict[str, str], list[str]]:
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

    def response_problems(self, response: MockResponse) -> list[str]:
        """Every way `response` breaks its operation's declared responses."""
        compiled = self.operations.get(response.operation or "")
        if compiled is None:
            return []
        resp = response_for_code(compiled.responses, str(response.status))
        if resp is None:
            return [f"status {response.status} is not declared; declared: {', '.join(compiled.responses)}"]
        headers = {name.lower(): value for name, value in response.headers}
        problems = [
            f"required header {h.name!r} is missing"
            for h in resp.spec.headers.values()
            if h.required and h.name.lower() not in headers and h.name.lower() not in FRAMING_HEADERS
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

    def admit(self, compiled: CompiledOperation, request: MockRequest, params: dict[str, str]) -> MockResponse | None:
        """The refusal for a request the contract does not admit (API key, credentials, validation), or None."""
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
        return None

    def reject(self, compiled: CompiledOperation, kind: str, violations: list[Violation]) -> MockResponse:
        """An error answer with a status the operation declares, naming every violation."""
        status, resp = error_status(compiled.responses, kind, violations)
        title, detail = (
            ERROR_TITLES[kind],
            "; ".join(
                f"{v.location} {v.pointer}: {v.reason}" if v.pointer else f"{v.location}: {v.reason}"
                for v in violations
            ),  # fmt: skip
        )
        tags = (kind if kind in ("auth", "missing", "conflict") else "validation",)
        # The reason travels in a header too: a declared error body may have no field to carry it.
        why = ("x-mocktui-problem", header_value(detail))
        said = self._declared(compiled, status, resp, title, detail, violations, kind) if resp is not None else None
        if said is not None:
            headers, body = said
            return MockResponse(status, [*headers, why], body, compiled.op.id, tags)
        response = problem(status, title, detail, errors=[v.to_dict() for v in violations])
        response.headers.append(why)
        response.operation, response.tags = compiled.op.id, tags
        return response

    def own_answer(
        self, compiled: CompiledOperation, status: int, title: str, detail: str, tags: tuple[str, ...]
    ) -> MockResponse | None:
        """The pipeline's own answer (429 rate limited, 503 offline or seeding, a disabled route's 404/503) in
        the shape the operation declares for `status`, saying what happened; None when it declares nothing
        that fits (then the caller answers problem+json). A `default` that is the operation's success answer
        does not fit. Made once per operation, status and detail, then a lookup."""
        resp = response_for_code(compiled.responses, str(status))
        if resp is None or (resp is compiled.default and resp.spec.key == "default"):
            return None
        key = (compiled.op.id, status, detail)
        kept = self.own_answers.get(key)
        if kept is None:
            said = self._declared(compiled, status, resp, title, detail, [], None)
            kept = (b"", [], False)  # kept too: a shape that cannot say it is not tried again per request
            if said is not None:
                headers, body = said
                # Required declared headers, but not those the pipeline sends itself with their true values.
                required = {h.name.lower() for h in resp.spec.headers.values() if h.required} - PIPELINE_HEADERS
                declared = [h for h in self.declared_headers(resp, dynamic=False) if h[0].lower() in required]
                kept = (body, [*headers, *declared, ("x-mocktui-problem", header_value(detail))], True)
            self.own_answers.put(key, kept)
        if not kept[2]:
            return None
        return MockResponse(status, list(kept[1]), kept[0], compiled.op.id, tags)

    def _declared(
        self,
        compiled: CompiledOperation,
        status: int,
        resp: CompiledResponse,
        title: str,
        detail: str,
        violations: list[Violation],
        kind: str | None,
    ) -> tuple[list[tuple[str, str]], bytes] | None:
        """Headers and body of an error in `resp`'s declared form, telling `detail` (and the violations)
        wherever its schema has room; None when a declared JSON shape cannot be made to say it validly."""
        media = json_media(resp)
        if media is not None and media.gen is not None:
            rng = random.Random(f"{self.seed}:{compiled.op.id}:{status}:error")
            value = self.generate(media.gen, Ctx(rng, examples=False))
            self.tell_truth(media, value, status, title, detail, violations, kind)
            if self.is_valid(media, value):
                return [("content-type", media.content_type)], encode(value, media.spec.name)
            return None
        if resp.media:
            # Only non-JSON bodies are declared (text/html, XML): answer in the first of them.
            name, other = next(iter(resp.media.items()))
            text: Any = detail if name.startswith("text/") else {"title": title, "status": status, "detail": detail}
            return [("content-type", other.content_type)], encode(text, name)
        # The spec declares this status without a body: keep to it.
        return bare_headers(resp), b""

    def tell_truth(
        self,
        media: CompiledMedia,
        value: Any,
        status: int,
        title: str,
        detail: str,
        violations: list[Violation] | None = None,
        kind: str | None = None,
    ) -> None:
        """Put the real status, reason and findings into a generated error body, where its schema lets them."""
        if media.code_enums is None:
            media.code_enums = code_enums(media.spec.schema, self.spec.schemas.deref)
        fill(value, lambda v: self.is_valid(media, v), status, title, detail, violations or [], kind, media.code_enums)

    def respond(
        self,
        compiled: CompiledOperation,
        request: MockRequest,
        prefer: dict[str, str],
        params: dict[str, str] | None = None,
    ) -> MockResponse:
        """The declared answer to `request`; `params` are its path parameters (matched again when not given)."""
        op = compiled.op
        resp = compiled.default
        status = resp.status if resp else 200
        if "code" in prefer:
            code = prefer["code"]
            resp = response_for_code(compiled.responses, code)
            if resp is None or not code.isdigit() or not 200 <= int(code) <= 599:
                declared = ", ".join(compiled.responses)
                return problem(
                    400, "Bad Prefer header", f"code={code} is not declared for {op.id}; declared: {declared}"
                )
            status = int(code)
        if resp is None:
            return MockResponse(204, [], b"", op.id)
        if not resp.media and "example" in prefer:  # a body-less answer has no examples to choose from
            detail = f"no example {prefer['example']!r} for {op.id} {resp.spec.key}; known: none (it has no body)"
            return problem(400, "Bad Prefer header", detail)
        if not resp.media:
            return MockResponse(status, self.declared_headers(resp, dynamic=False) + bare_headers(resp), b"", op.id)
        chosen = negotiate(request.headers.get("accept"), list(resp.media))
        if chosen is None and (status >= 400 or "code" in prefer):
            # An error, or a status someone forced, is said in the form the spec declares for it:
            # refusing it with 406 would hide the answer the client or the operator asked for.
            chosen = negotiate(None, list(resp.media))
        if chosen is None:
            return problem(
                406,
                "Not Acceptable",
                f"{op.id} can answer {status} with: {', '.join(resp.media)}",
                available=list(resp.media),
            )
        media = resp.media.get(chosen) or next(m for m in resp.media.values() if "*" in m.spec.name)
        content_type = chosen if "*" not in chosen else media.content_type
        dynamic = flag(prefer.get("dynamic"), self.controls.dynamic)
        plan = self.plan(op, resp, media) if 200 <= status < 300 and "example" not in prefer else None
        shaped: list[tuple[str, str]] = []
        if plan is not None:  # path params, the sent body, links and paging shape this answer
            body, shaped = self._shaped(op, resp, media, chosen, plan, request, params, dynamic)
        elif "example" in prefer:
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
                self.tell_truth(media, value, status, *reason(resp))
            body = encode(value, chosen, self.rng)
        else:
            body = self._static_body(op, resp, media, chosen)
        headers = self.declared_headers(resp, dynamic)
        if shaped:
            names = {name.lower() for name, _ in shaped}
            headers = [h for h in headers if h[0].lower() not in names] + shaped
        headers.append(("content-type", content_type))
        return MockResponse(status, headers, body, op.id)

    def plan(self, op: Operation, resp: CompiledResponse, media: CompiledMedia) -> Plan | None:
        """How this answer follows its request (made on first use, then kept), or None."""
        if not media.planned:
            media.plan = self.shapes.plan(op, resp.spec, media.spec.schema) if media.gen is not None else None
            media.planned = True
        return media.plan

    def _shaped(
        self,
        op: Operation,
        resp: CompiledResponse,
        media: CompiledMedia,
        chosen: str,
        plan: Plan,
        request: MockRequest,
        params: dict[str, str] | None,
        dynamic: bool,
    ) -> tuple[bytes, list[tuple[str, str]]]:
        """The body and headers of an answer that follows its request.

        Static answers are kept encoded by what they follow (the path's ids, the page asked for), so a
        repeated request is a dict lookup; an echo of the sent body is merged over a copy per request.
        """
        if params is None and plan.params:
            params = self.match(request.method, request.path)[1]
        params = params or {}
        sent = plan.echo.read(request.headers, request.body) if plan.echo is not None else None
        if dynamic:
            call = plan.call(request, params)
            value = self.generate(media.gen, Ctx(self.rng, examples=False)) if media.gen is not None else None
            extra = plan.shape(value, call, self.rng, example=False)
        else:
            key = (chosen, plan.key(request, params))
            answer = media.answers.get(key)
            if answer is None:
                answer = self._stable_answer(op, resp, media, chosen, plan, plan.call(request, params))
                media.answers.put(key, answer)
            body, extra, value = answer
            if sent is None:
                return body, list(extra)
            call = plan.call(request, params)
            value = copied(value)
        if sent is not None and plan.echo is not None:
            checker = self._checker(media)  # an echo unchecked could break the contract: none then
            if checker is not None and plan.echo.merge(value, sent, checker):
                extra = plan.finish(value, call)
        return encode(value, chosen, self.rng), extra

    def _stable_answer(
        self, op: Operation, resp: CompiledResponse, media: CompiledMedia, chosen: str, plan: Plan, call: Call
    ) -> tuple[bytes, list[tuple[str, str]], Any]:
        """A static answer for one set of inputs: seeded by them, shaped, and valid or left unshaped."""
        salt = plan.seed(call)
        value, example = self._stable(op, resp, media, salt)
        shaped = copied(value)
        rng = random.Random(f"{self.seed}:{op.id}:{resp.spec.key}:{media.spec.name}:{salt}:shape")
        extra = plan.shape(shaped, call, rng, example, str(self.seed))
        if not self.is_valid(media, shaped) and self.is_valid(media, value):
            shaped, extra = value, []  # shaping broke a constraint we cannot see field by field
        return encode(shaped, chosen, self.rng), extra, shaped

    def declared_headers(self, resp: CompiledResponse, dynamic: bool) -> list[tuple[str, str]]:
        if not resp.headers:
            return []
        if not dynamic and resp.static_headers is not None:
            return list(resp.static_headers)
        rng = self.rng if dynamic else random.Random(f"{self.seed}:{resp.spec.key}:headers")
        ctx = Ctx(rng, examples=not dynamic)
        out = [(name, header_value(header_text(self.generate(gen, ctx)))) for name, gen in resp.headers]
        if not dynamic:
            resp.static_headers = out
        return list(out)

    @staticmethod
    def generate(gen: Gen, ctx: Ctx) -> Any:
        try:
            return gen(ctx)
        except TooDeep:
            return None

    def _static_body(self, op: Operation, resp: CompiledResponse, media: CompiledMedia, chosen: str) -> bytes:
        if media.static is None or media.spec.name != chosen:
            value = self.static_value(op, resp, media)
            body = encode(value, chosen, self.rng)
            if media.spec.name != chosen:
                return body
            media.static = body
        return media.static

    def static_value(self, op: Operation, resp: CompiledResponse, media: CompiledMedia) -> Any:
        """The stable value of a response: a valid spec example, else generated data."""
        return self._stable(op, resp, media)[0]

    def _stable(self, op: Operation, resp: CompiledResponse, media: CompiledMedia, salt: str = "") -> tuple[Any, bool]:
        """A stable value and whether it is a spec example; `salt` (path ids, a page) picks another record."""
        spec = media.spec
        candidates = ([spec.example] if spec.has_example else []) + list(spec.examples.values())
        for example in candidates:
            if self.is_valid(media, example):
                return example, True
        if media.gen is None:
            return (candidates[0], True) if candidates else (None, False)
        first: Any = None
        suffix = f":{salt}" if salt else ""
        for attempt in range(6):
            rng = random.Random(f"{self.seed}:{op.id}:{resp.spec.key}:{spec.name}:{attempt}{suffix}")
            value = self.generate(media.gen, Ctx(rng, examples=attempt < 2))
            if resp.status >= 400:
                self.tell_truth(media, value, resp.status, *reason(resp))
            if self.is_valid(media, value):
                return value, False
            first = value if attempt == 0 else first
        return first, False  # the schema admits no value we can find (a spec defect): stay realistic

    def _validator(self, media: CompiledMedia) -> Any:
        return self.validators(media.spec.schema)

    def _checker(self, media: CompiledMedia) -> Any:
        """The response validator, or None when the schema cannot be compiled into one."""
        try:
            return self._validator(media)
        except (ValueError, TypeError, jsonschema_rs.ValidationError):
            return None

    def is_valid(self, media: CompiledMedia, value: Any) -> bool:
        if media.spec.schema is None:
            return True
        try:
            return bool(self._validator(media).is_valid(value))
        except (ValueError, TypeError, jsonschema_rs.ValidationError):
            return False

    def violations(self, media: CompiledMedia, value: Any) -> list[str]:
        """Schema violations of a body value, one line each, with JSON pointers."""
        try:
            errors = self.body_errors(media, value)
        except (ValueError, TypeError, jsonschema_rs.ValidationError) as exc:
            return [f"body cannot be checked: {exc}"]
        return [f"body {pointer or '/'}: {message}" for pointer, message in errors]

    def body_errors(self, media: CompiledMedia, value: Any, limit: int = 10) -> list[tuple[str, str]]:
        """The first `limit` schema violations of a body value as (JSON pointer, message); raises when the
        schema cannot be compiled (ValueError, TypeError or jsonschema_rs.ValidationError)."""
        errors = self._validator(media).iter_errors(value)
        return [(pointer_of(e.instance_path), e.message[:300]) for _, e in zip(range(limit), errors, strict=False)]
