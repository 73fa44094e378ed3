"""Callbacks and webhooks compiled: URL templates, payload generators, and checks of the receiver's answer.

`Catalogue(contract)` compiles every `Hook` of the spec once (like operations: generators, the URL's
runtime expressions parsed and checked against the triggering operation); a delivery then only
picks an example or runs a generator. A payload is coherent with what triggered it: fields named
like fields of the exchange (or the stored record) take their values, when the schema allows them.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from mocktui.engine.contract.compiled import CompiledOperation, compile_operation, response_for_code
from mocktui.engine.contract.media import declared_for, encode, is_json
from mocktui.engine.contract.validate import request_schema
from mocktui.engine.data.context import Ctx
from mocktui.engine.data.pools import normalise
from mocktui.engine.spec.expressions import MISSING, Exchange, ExpressionError, Template, parse_body, parse_template
from mocktui.engine.spec.model import Hook, MediaType

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

ACTIONS = {"created": ("create", "created", "new", "add", "added", "placed"),
           "updated": ("update", "updated", "change", "changed", "modified", "edited"),
           "deleted": ("delete", "deleted", "remove", "removed", "cancel", "cancelled", "canceled")}  # fmt: skip
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


class CompiledHook:
    """One callback or webhook, ready to send."""

    __slots__ = ("hook", "compiled", "url", "problems", "media", "validator", "_contract", "_gen")

    def __init__(self, hook: Hook, contract: Responder) -> None:
        self.hook = hook
        self._contract = contract
        spec = contract.spec
        self.compiled: CompiledOperation = compile_operation(hook.operation, spec, contract.generator)
        self.problems: list[str] = []
        self.url: Template | None = None
        if hook.kind == "callback":
            try:
                self.url = parse_template(hook.url)
            except ExpressionError as exc:
                self.problems.append(f"callback {hook.key}: {exc}")
        body = hook.operation.body
        self.media: MediaType | None = None
        if body is not None and body.content:
            self.media = next((m for n, m in body.content.items() if is_json(n)), next(iter(body.content.values())))
        self.validator: Any = None
        if self.media is not None and self.media.schema is not None:
            try:
                self.validator = jsonschema_rs.validator_for(request_schema(spec.schemas, self.media.schema))
            except (ValueError, TypeError, jsonschema_rs.ValidationError):
                self.validator = None
        gen = None
        if self.media is not None and self.media.schema is not None:
            gen = contract.generator.compile(self.media.schema, entity=hook.name)
        self._gen = gen

    @property
    def method(self) -> str:
        return self.hook.operation.method

    @property
    def content_type(self) -> str | None:
        return self.media.name if self.media is not None else None

    def payload(self, rng: random.Random, values: dict[str, Any] | None = None, body: Any = MISSING) -> bytes:
        """The body to send: `body` as given, else the spec's example, else a generated one; fields named
        like `values` reuse them where the schema allows."""
        media = self.media
        if media is None:
            return b"" if body is MISSING else _encode(body, "application/json", rng)
        if body is MISSING:
            if media.has_example:
                body = media.example
            elif media.examples:
                body = next(iter(media.examples.values()))
            elif self._gen is not None:
                body = self._contract.generate(self._gen, Ctx(rng, examples=False))
            else:
                body = {}
            if values:
                body = self._coherent(body, values)
        return _encode(body, media.name, rng)

    def fits(self, value: Any) -> bool:
        """Whether `value` is a valid body for this hook (a stored record sent as it is)."""
        return self.validator is not None and bool(self.validator.is_valid(value))

    def _coherent(self, body: Any, values: dict[str, Any]) -> Any:
        merged = reuse(body, {normalise(k): v for k, v in values.items()})
        if merged is body or self.validator is None or self.validator.is_valid(merged):
            return merged
        return body

    def drift(self, status: int, headers: dict[str, str], raw: bytes) -> list[str]:
        """How the receiver's answer breaks the hook's declared responses (empty: it fits)."""
        resp = response_for_code(self.compiled.responses, str(status))
        if resp is None:
            return [f"receiver answered {status}; declared: {', '.join(self.compiled.responses) or 'none'}"]
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if not resp.media or not raw or not is_json(ctype):
            return []
        media = declared_for(resp.media, ctype)
        if media is None or media.spec.schema is None:
            return [] if media is not None else [f"receiver answered {ctype}; declared: {', '.join(resp.media)}"]
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return ["receiver's body is not JSON"]
        return [f"receiver {v}" for v in self._contract.violations(media, value)]


class Catalogue:
    """Every hook of a spec, compiled; by key (`newPet`, `createOrder.onPaid`) and by triggering operation."""

    def __init__(self, contract: Responder) -> None:
        self.spec = contract.spec
        self.hooks: dict[str, CompiledHook] = {}
        self.by_owner: dict[str, list[CompiledHook]] = {}
        for hook in contract.spec.hooks:
            if hook.key in self.hooks:  # a second method of one webhook: the first is the one fired by name
                continue
            compiled = CompiledHook(hook, contract)
            self.hooks[hook.key] = compiled
            if hook.kind == "callback":
                self.by_owner.setdefault(hook.owner, []).append(compiled)

    @property
    def problems(self) -> list[str]:
        return [p for h in self.hooks.values() for p in h.problems]

    def webhooks(self) -> list[CompiledHook]:
        return [h for h in self.hooks.values() if h.hook.kind == "webhook"]

    def store_events(
        self, resources: dict[str, Any], mapping: dict[str, list[str]] | None = None
    ) -> dict[str, list[CompiledHook]]:
        """Webhooks by store event ("orders.created"): as `mapping` (name -> events) or the spec's
        `x-mocktui-webhook` say, else a webhook whose body is a resource's record schema, when only one
        resource has that schema (the action from its name: orderCreated, petDeleted; else all three)."""
        deref = self.spec.schemas.deref
        out: dict[str, list[CompiledHook]] = {}
        for hook in self.webhooks():
            events = (mapping or {}).get(hook.hook.name) or hook.hook.on
            if not events and hook.media is not None and hook.media.schema is not None:
                body = deref(hook.media.schema)
                same = [name for name, r in resources.items() if r.schema is not None and deref(r.schema) == body]
                if len(same) == 1:
                    events = [f"{same[0]}.{action}" for action in actions_of(hook.hook.name)]
            for event in events:
                out.setdefault(event, []).append(hook)
        return out


def actions_of(name: str) -> list[str]:
    """The store actions a webhook's name speaks of (newPet: created); all three when it says none."""
    words = {w.lower() for w in _WORDS.findall(name)}
    found = [action for action, said in ACTIONS.items() if words & set(said)]
    return found or list(ACTIONS)


def reuse(body: Any, values: dict[str, Any]) -> Any:
    """`body` with each scalar field whose (normalised) name is in `values` given that value, when of the
    same JSON type; nested objects too. Returns `body` itself when nothing changed."""
    if isinstance(body, list):
        items = [reuse(item, values) for item in body]
        return items if any(a is not b for a, b in zip(items, body, strict=True)) else body
    if not isinstance(body, dict):
        return body
    out: dict[str, Any] | None = None
    for key, value in body.items():
        new = value
        if isinstance(value, (dict, list)):
            new = reuse(value, values)
        else:
            found = values.get(normalise(key), MISSING)
            if found is not MISSING and _same_type(value, found):
                new = found
        if new is not value:
            out = out if out is not None else dict(body)
            out[key] = new
    return out if out is not None else body


def exchange_values(exchange: Exchange) -> dict[str, Any]:
    """The scalar fields the triggering exchange carried (its answer's first), to make a payload agree."""
    out: dict[str, Any] = {}
    for value in (exchange.response_value(), exchange.request_value()):
        _scalars(value, out, 0)
    for name, value in exchange.path.items():
        out.setdefault(name, value)
    return out


def body_values(raw: bytes, content_type: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _scalars(parse_body(raw, content_type), out, 0)
    return out


def _scalars(value: Any, out: dict[str, Any], depth: int) -> None:
    if isinstance(value, dict) and depth < 3:
        for key, inner in value.items():
            if isinstance(inner, (dict, list)):
                _scalars(inner, out, depth + 1)
            elif inner is not None:
                out.setdefault(str(key), inner)
    elif isinstance(value, list) and value and depth < 3:
        _scalars(value[0], out, depth + 1)


def _same_type(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return isinstance(a, float) or not isinstance(b, float)
    return type(a) is type(b)


def _encode(value: Any, media: str, rng: random.Random) -> bytes:
    if isinstance(value, bytes):
        return value
    if is_json(media):
        return orjson.dumps(value)
    if isinstance(value, str):
        return value.encode()
    return encode(value, media.split(";")[0].strip(), rng)
