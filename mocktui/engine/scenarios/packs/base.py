"""What every built-in pack is (`Pack`), and the helpers they share to write truthful bodies."""

from __future__ import annotations

import copy
import random
import string
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.contract.media import is_json
from mocktui.engine.data.generate import Ctx
from mocktui.engine.data.pools import normalise
from mocktui.engine.http import status_of
from mocktui.engine.scenarios.decision import Decision
from mocktui.engine.scenarios.view import RequestView
from mocktui.engine.spec.model import Operation
from mocktui.engine.steer.counters import Counters, LocalCounters

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder


class Pack:
    """A built-in pack: which operations it attaches to, and how it answers them."""

    name = ""
    description = ""

    def __init__(self, contract: Responder) -> None:
        self.contract = contract
        self.hits = 0
        self.counters: Counters = LocalCounters()  # what it remembers (failed logins): the cluster's when set
        self.operations = [op.id for op in contract.spec.operations if self.attaches(op)]
        self._ops = frozenset(self.operations)

    def attaches(self, op: Operation) -> bool:
        raise NotImplementedError

    def decide(self, view: RequestView) -> Decision | None:
        if view.op is None or view.op.id not in self._ops:
            return None
        decision = self.answer(view)
        if decision is not None:
            self.hits += 1
        return decision

    def answer(self, view: RequestView) -> Decision | None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what the pack remembers between requests."""


# -- shared helpers ---------------------------------------------------------------------------


def body_schema(contract: Responder, op: Operation) -> Any:
    """The JSON (or form) request body schema of `op`, dereferenced, or None."""
    if op.body is None:
        return None
    for name, media in op.body.content.items():
        if (is_json(name) or "form" in name) and media.schema is not None:
            return _body(contract, media.schema)
    return None


def _body(contract: Responder, schema: Any) -> Any:
    schema = contract.generator.deref(schema)
    if isinstance(schema, dict) and "allOf" in schema:
        schema = contract.generator.merge_all_of(schema)
    return schema


def schema_fields(contract: Responder, schema: Any, depth: int = 0, parent: str = "") -> Iterator[tuple[str, str]]:
    """(parent, field) pairs of normalised property names, nested objects and branches included."""
    schema = _body(contract, schema)
    if not isinstance(schema, dict) or depth > 4:
        return
    for branch in (schema.get("oneOf") or []) + (schema.get("anyOf") or []):
        yield from schema_fields(contract, branch, depth + 1, parent)
    for name, sub in (schema.get("properties") or {}).items():
        key = normalise(str(name))
        yield parent, key
        yield from schema_fields(contract, sub, depth + 1, key)


def json_media(contract: Responder, op: Operation, status: int) -> Any:
    """The compiled JSON media of the response `op` declares for `status` (exactly, NXX or default)."""
    compiled = contract.operations.get(op.id)
    if compiled is None:
        return None
    code = str(status)
    resp = compiled.responses.get(code) or compiled.responses.get(f"{code[0]}XX") or compiled.responses.get("default")
    if resp is None:
        return None
    for name, media in resp.media.items():
        if is_json(name) and media.gen is not None:
            return media
    return None


def success_status(op: Operation) -> int:
    codes = sorted(status_of(k) for k in op.responses if k[0] == "2")
    return codes[0] if codes else 200


def fit(check: Callable[[Any], bool], value: Any, truths: dict[str, list[Any]]) -> None:
    """Put the facts into `value` wherever a field by that (normalised) name exists and `check` allows.

    Each field takes the first candidate that keeps the value valid; with none (or an empty
    list), the field is dropped if the value stays valid without it, else left as it was.
    """
    for container, key in list(_fields_of(value, 0)):
        norm = normalise(key)
        if norm not in truths or key not in container:
            continue
        before = container[key]
        for candidate in truths[norm]:
            container[key] = copy.deepcopy(candidate)
            if check(value):
                break
        else:
            del container[key]
            if not check(value):
                container[key] = before


def _fields_of(value: Any, depth: int) -> Iterator[tuple[dict[str, Any], str]]:
    if depth > 4:
        return
    if isinstance(value, dict):
        for key in list(value):
            yield value, key
            yield from _fields_of(value[key], depth + 1)
    elif isinstance(value, list):
        for item in value[:20]:
            yield from _fields_of(item, depth + 1)


def answer_body(
    contract: Responder,
    op: Operation,
    status: int,
    truths: dict[str, list[Any]],
    fallback: Any,
    rng: random.Random,
) -> tuple[bytes, str]:
    """A body for `status`: the declared schema's, with the facts fitted in; else `fallback`."""
    media = json_media(contract, op, status)
    if media is not None:
        value = contract.generate(media.gen, Ctx(rng, examples=False))

        def check(v: Any) -> bool:
            return bool(contract.is_valid(media, v))

        if isinstance(value, dict) and check(value):
            fit(check, value, truths)
            return orjson.dumps(value), str(media.content_type)
    return orjson.dumps(fallback), "application/json"


def find_value(body: Any, match: Callable[[str, str, Any], bool], depth: int = 0, parent: str = "") -> list[Any] | None:
    """The path (keys) of the first field for which `match(parent, key, value)` holds."""
    if not isinstance(body, dict) or depth > 4:
        return None
    for key, value in body.items():
        if match(parent, normalise(str(key)), value):
            return [key]
    for key, value in body.items():
        found = find_value(value, match, depth + 1, normalise(str(key)))
        if found is not None:
            return [key, *found]
    return None


def get_in(body: Any, keys: list[Any]) -> Any:
    for key in keys:
        body = body[key]
    return body


def random_id(rng: random.Random, prefix: str, size: int) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(size))
