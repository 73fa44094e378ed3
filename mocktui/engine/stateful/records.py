"""The records of one spec's resources over one store: the state and the steps every concern shares.

`Records` is the base of `Stateful` (in `crud`): it infers the resources, compiles their
generators and request checks once, and generates, completes and projects records. The concerns
built on it, listing (`listing`), seeding (`seeding`) and the CRUD operations (`crud`), live in
their own modules and meet in `Stateful`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import orjson

from mocktui.engine.contract.compiled import CompiledResponse
from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.validate import Violation, pointer_of, request_schema
from mocktui.engine.data.coherence import Derived, derived_for
from mocktui.engine.data.generate import Ctx, Gen
from mocktui.engine.data.pools import singular
from mocktui.engine.stateful.resources import Resource, infer, properties
from mocktui.engine.stores.base import Record, Store

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

DEFAULT_SEED = 20


class Records:
    """Resources of one spec over one store: generated, completed and projected records."""

    def __init__(
        self,
        contract: Responder,
        store: Store,
        *,
        seed_count: int = DEFAULT_SEED,
        seed_counts: dict[str, int] | None = None,
    ) -> None:
        self.contract = contract
        self.store = store
        self.seed_count = seed_count
        self.seed_counts = {k.lower(): v for k, v in (seed_counts or {}).items()}
        self.resources, self.bindings = infer(contract.spec)
        schemas = contract.spec.schemas
        self.gens: dict[str, Gen] = {}
        self.props: dict[str, dict[str, Any]] = {}
        self.checks: dict[str, Any] = {}
        self._plans: dict[int, tuple[Any, tuple[frozenset[str], frozenset[str] | None, list[str]]]] = {}
        self.shapes: dict[str, tuple[str | None, Any]] = {}  # listing: operation -> (envelope key, item schema)
        self._field_gens: dict[int, tuple[Any, Gen]] = {}
        self._derived: dict[int, tuple[Any, Derived | None, frozenset[str]]] = {}
        for name, resource in self.resources.items():
            self.gens[name] = contract.generator.compile(resource.schema, name)
            self.props[name] = _properties(schemas.deref, resource.schema)
            self.checks[name] = _compile(request_schema(schemas, resource.schema))

    def generate(
        self, resource: Resource, rng: random.Random, examples: bool = False, id: int | None = None, named: bool = True
    ) -> Record | None:
        """A generated record; `named=False` for filler values, which must not use up an id."""
        try:
            value = self.gens[resource.name](Ctx(rng, examples=examples))
        except Exception:  # noqa: BLE001 - a schema we cannot generate for: no seed rather than no server
            return None
        if not isinstance(value, dict):
            return None
        if named:
            value[resource.id_field] = self.new_id(resource, value.get(resource.id_field), rng, id)
        return value

    def new_id(self, resource: Resource, proposed: Any, rng: random.Random, seq: int | None = None) -> Any:
        """An id of the schema's kind; `seq` is a sequence number reserved beforehand (seeding)."""
        if resource.id_kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        number = seq if seq is not None else self.store.next_seq(resource.name)
        if resource.id_kind == "int":
            return number
        if isinstance(proposed, str) and proposed and seq is None and self.store.get(resource.name, proposed) is None:
            return proposed
        return f"{singular(resource.name)[:3]}_{number}"

    def complete(
        self, value: Any, schema: Any, rng: random.Random, depth: int = 0, filled: set[tuple[int, str]] | None = None
    ) -> None:
        """Fill what a client left out, all the way down: declared defaults, then required fields
        (a line item's `unitPrice`, a writeOnly `password`) from generated values; then totals and
        counts that follow from the lines (`coherence.derived_for`), where the server owns them.

        `filled` collects (object id, field) of every value written here: those, and readOnly fields,
        are the server's to derive; what the client sent is never rewritten."""
        filled = set() if filled is None else filled
        deref = self.contract.spec.schemas.deref
        body = deref(schema)
        if depth > 8 or not isinstance(body, dict):
            return
        if isinstance(value, list):
            items = body.get("items")
            for item in value if items is not None else []:
                self.complete(item, items, rng, depth + 1, filled)
            return
        if not isinstance(value, dict):
            return
        raw_props = properties(deref, body)
        for name, sub in raw_props.items():
            sub = deref(sub)
            if name not in value and isinstance(sub, dict) and "default" in sub:
                value[name] = orjson.loads(orjson.dumps(sub["default"]))
                _mark(value, name, filled)
        for name in _required(deref, body):
            if name not in value and name in raw_props:
                made = self.contract.generate(
                    self._gen(raw_props[name], name), Ctx(rng, examples=False, response=False)
                )
                if made is not None:
                    value[name] = made
                    _mark(value, name, filled)
        for name, sub in raw_props.items():
            if isinstance(value.get(name), (dict, list)):
                self.complete(value[name], sub, rng, depth + 1, filled)
        derived, owned = self._derivation(body, raw_props)
        if derived is not None:
            derived(value, lambda obj, key: (id(obj), key) in filled or (obj is value and key in owned))

    def rederive(self, new: Record, old: Record, schema: Any, sent: set[str]) -> None:
        """After a patch, the totals and counts that follow from the lines follow them again: the server's
        own (readOnly) ones always, and one the patch left alone when it agreed with the old lines (a
        value that was the sum stays the sum); a value the client chose, then or now, stays its own."""
        deref = self.contract.spec.schemas.deref
        body = deref(schema)
        if not isinstance(body, dict):
            return
        derived, owned = self._derivation(body, properties(deref, body))
        if derived is None:
            return
        was: Record = orjson.loads(orjson.dumps(old))
        derived(was, lambda obj, key: obj is was)  # what the old lines made of the top-level values
        followed = {key for key, value in was.items() if key not in sent and old.get(key) == value}
        derived(new, lambda obj, key: obj is new and (key in owned or key in followed))

    def _derivation(self, body: dict[str, Any], raw_props: dict[str, Any]) -> tuple[Derived | None, frozenset[str]]:
        """An object schema's derived totals and counts, and its readOnly fields; worked out once per schema."""
        cached = self._derived.get(id(body))
        if cached is None or cached[0] is not body:
            deref = self.contract.spec.schemas.deref
            owned = frozenset(k for k, v in raw_props.items() if _read_only(deref(v)))
            cached = (body, derived_for(list(raw_props.items()), self.contract.generator), owned)
            self._derived[id(body)] = cached  # the schema is kept: its id stays its own
        return cached[1], cached[2]

    def _gen(self, schema: Any, name: str) -> Gen:
        cached = self._field_gens.get(id(schema))
        if cached is None or cached[0] is not schema:
            cached = (schema, self.contract.generator.compile(schema, name))
            self._field_gens[id(schema)] = cached
        return cached[1]

    def project(self, media: Any, resource: Resource, record: Record, schema: Any) -> Any:
        """The record as the response schema wants it: no writeOnly fields, required ones present."""
        hidden, allowed, required = self._plan(schema)
        out = {k: v for k, v in record.items() if k not in hidden and (allowed is None or k in allowed)}
        missing = [r for r in required if r not in out]
        if missing:
            rng = random.Random(f"{resource.name}:{record.get(resource.id_field)}")
            filler = self.generate(resource, rng, named=False)
            for name in missing:
                if filler is not None and name in filler:
                    out[name] = filler[name]
        return out

    def _plan(self, schema: Any) -> tuple[frozenset[str], frozenset[str] | None, list[str]]:
        """What projecting onto `schema` drops, allows and requires; worked out once per schema."""
        cached = self._plans.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        deref = self.contract.spec.schemas.deref
        props = _properties(deref, schema)
        body = deref(schema)
        closed = isinstance(body, dict) and body.get("additionalProperties") is False
        hidden = frozenset(k for k, v in props.items() if _write_only(v))
        plan = (hidden, frozenset(props) if closed else None, _required(deref, schema))
        self._plans[id(schema)] = (schema, plan)  # the schema is kept: its id stays its own
        return plan

    def template(self, media: Any, key: str) -> Any:
        if media.gen is None:
            return None
        return self.contract.generate(media.gen, Ctx(random.Random(key), examples=False))


def json_of(resp: CompiledResponse | None) -> Any:
    if resp is None:
        return None
    for name, media in resp.media.items():
        if is_json(name) and media.spec.schema is not None:
            return media
    return None


def _properties(deref: Callable[[Any], Any], schema: Any) -> dict[str, Any]:
    """Property schemas with their refs followed (for flags and types)."""
    return {name: deref(sub) for name, sub in properties(deref, schema).items()}


def _required(deref: Callable[[Any], Any], schema: Any, depth: int = 0) -> list[str]:
    body = deref(schema)
    if not isinstance(body, dict) or depth > 8:
        return []
    out = list(body.get("required") or [])
    for part in body.get("allOf") or []:
        out.extend(_required(deref, part, depth + 1))
    return out


def _write_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("writeOnly") is True


def _read_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("readOnly") is True


def _mark(obj: dict[str, Any], name: str, filled: set[tuple[int, str]]) -> None:
    """Note `obj[name]` as written by the server, and everything inside it (a generated list of lines)."""
    filled.add((id(obj), name))
    stack: list[Any] = [obj[name]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            filled.update((id(node), key) for key in node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _compile(bundle: Any) -> Callable[[Any], list[Violation]] | None:

    try:
        validator = jsonschema_rs.validator_for(bundle, validate_formats=True)
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return None

    def check(value: Any) -> list[Violation]:
        return [Violation("body", pointer_of(e.instance_path), e.message[:300]) for e in validator.iter_errors(value)]

    return check
