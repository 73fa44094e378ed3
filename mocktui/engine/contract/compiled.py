"""An operation compiled once at start-up: its responses with their generators, validator and security.

The hot path reads these objects; every stage (contract, stateful, scenarios) shares them.
"""

from __future__ import annotations

from mocktui.engine.contract.media import content_type_for, is_json
from mocktui.engine.contract.security import Requirement, compile_requirements
from mocktui.engine.contract.shaping import Answers, Plan
from mocktui.engine.contract.validate import RequestValidator
from mocktui.engine.data.entities import path_entity
from mocktui.engine.data.generate import Gen, Generator
from mocktui.engine.http import status_of
from mocktui.engine.spec.model import MediaType, Operation, Response, Spec

# Headers the HTTP server owns; a spec declaring them must not break framing.
IDEMPOTENCY_KEY = "idempotency-key"  # a header an operation may declare (see contract/idempotency.py)
FRAMING_HEADERS = {
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "trailer",
    "te",
}


class CompiledMedia:
    __slots__ = ("spec", "content_type", "gen", "static", "planned", "plan", "answers", "code_enums")

    def __init__(self, spec: MediaType, gen: Gen | None) -> None:
        self.spec = spec
        self.content_type = content_type_for(spec.name)
        self.gen = gen
        self.static: bytes | None = None
        self.planned = False  # the shaping plan is made on first use: a big spec serves few of its answers
        self.plan: Plan | None = None  # None: the answer follows nothing of its request
        self.answers = Answers()  # encoded answers by what of the request they follow
        self.code_enums: dict[str, list[str]] | None = None  # an error shape's code enums, read on first refusal


class CompiledResponse:
    __slots__ = ("spec", "status", "media", "headers", "static_headers")

    def __init__(
        self, spec: Response, status: int, media: dict[str, CompiledMedia], headers: list[tuple[str, Gen]]
    ) -> None:
        self.spec = spec
        self.status = status
        self.media = media
        self.headers = headers
        self.static_headers: list[tuple[str, str]] | None = None


class CompiledOperation:
    __slots__ = ("op", "responses", "default", "validator", "security", "idempotent")

    def __init__(
        self,
        op: Operation,
        responses: dict[str, CompiledResponse],
        default: CompiledResponse | None,
        validator: RequestValidator,
        security: list[Requirement],
    ) -> None:
        self.op = op
        self.responses = responses
        self.default = default
        self.validator = validator
        self.security = security
        # It declares an Idempotency-Key header: a repeated key gets the first answer again.
        self.idempotent = any(p.location == "header" and p.name.lower() == IDEMPOTENCY_KEY for p in op.parameters)


def compile_operation(op: Operation, spec: Spec, generator: Generator) -> CompiledOperation:
    """Generators for every declared body and header, the request validator, the security requirements."""
    responses: dict[str, CompiledResponse] = {}
    entity = path_entity(op.path)  # what an inline body is a record of: a /pets item's name is a pet's
    for key, resp in op.responses.items():
        media = {
            name: CompiledMedia(mt, generator.compile(mt.schema, entity=entity) if mt.schema is not None else None)
            for name, mt in resp.content.items()
        }
        headers = [
            (h.name, generator.compile(h.schema, h.name))
            for h in resp.headers.values()
            if h.name.lower() not in FRAMING_HEADERS
        ]
        responses[key] = CompiledResponse(resp, status_of(key), media, headers)
    validator = RequestValidator(op, spec.schemas)
    return CompiledOperation(op, responses, default_response(responses), validator, compile_requirements(spec, op))


def json_media(resp: CompiledResponse) -> CompiledMedia | None:
    for name, media in resp.media.items():
        if is_json(name) and media.spec.schema is not None:
            return media
    return None


def default_response(responses: dict[str, CompiledResponse]) -> CompiledResponse | None:
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


def bare_headers(resp: CompiledResponse) -> list[tuple[str, str]]:
    return [("content-type", resp.spec.bare_type)] if resp.spec.bare_type else []


def response_for_code(responses: dict[str, CompiledResponse], code: str) -> CompiledResponse | None:
    if code in responses:
        return responses[code]
    if code.isdigit() and f"{code[0]}XX" in responses:
        return responses[f"{code[0]}XX"]
    return responses.get("default")
