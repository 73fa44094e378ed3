"""Stateful mode: CRUD that remembers, lists like real APIs, seeded consistent data.

`Stateful` answers the operations that `resources.infer` bound to a resource, reading
and writing a `Store`; every other operation stays with the stateless engine. Responses
are shaped to the spec: a stored record is projected onto the response schema (writeOnly
fields never leak, missing required fields are filled), lists follow the declared shape
(bare array or envelope with totals and page fields).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import random
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import jsonschema_rs
import orjson

from mocktui.engine.contract.compiled import CompiledOperation, CompiledResponse
from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.validate import Violation, coerce, pointer_of, request_schema
from mocktui.engine.data.generate import Ctx, Gen
from mocktui.engine.data.pools import normalise, singular
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.stateful.resources import Binding, Resource, infer, list_items_schema, properties
from mocktui.engine.stores.base import Record, State, Store

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

DEFAULT_SEED = 20
SEED_BATCH = 500
DEFAULT_PAGE = 20
PAGE_PARAMS = {"page", "pagenumber", "pageno"}
SIZE_PARAMS = {"limit", "perpage", "pagesize", "size", "count", "maxresults", "top", "first"}
OFFSET_PARAMS = {"offset", "skip", "start"}
CURSOR_PARAMS = {"cursor", "after", "pagetoken", "nextpagetoken", "continuationtoken"}
AFTER_ID_PARAMS = {"startingafter", "afterid", "since", "sinceid"}
SORT_PARAMS = {"sort", "sortby", "orderby", "order", "sortorder", "direction", "dir"}
SEARCH_PARAMS = {"q", "search", "query", "term", "keyword", "keywords", "filter"}
TOTAL_FIELDS = {"total", "totalcount", "count", "totalitems", "totalresults", "totalelements", "totalrecords"}
PAGES_FIELDS = {"totalpages", "pages", "pagecount", "lastpage"}
MORE_FIELDS = {"hasmore", "hasnext", "hasnextpage", "more"}
NEXT_FIELDS = {"nextcursor", "next", "nextpagetoken", "cursor", "endcursor"}
CREATED_FIELDS = {"createdat", "created", "createdon", "creationdate", "datecreated", "insertedat"}
UPDATED_FIELDS = {"updatedat", "updated", "modifiedat", "modified", "lastmodified", "updatedon"}


class Stateful:
    """Resources of one spec over one store."""

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
        self._shapes: dict[str, tuple[str | None, Any]] = {}  # list operation -> (envelope key, item schema)
        self._field_gens: dict[int, tuple[Any, Gen]] = {}
        for name, resource in self.resources.items():
            self.gens[name] = contract.generator.compile(resource.schema, name)
            self.props[name] = _properties(schemas.deref, resource.schema)
            self.checks[name] = _compile(request_schema(schemas, resource.schema))

    # -- seeding and state -------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        """What was inferred, for `mocktui validate` and the admin API."""
        out = []
        for resource in self.resources.values():
            ops = {b.role: op for op, b in self.bindings.items() if b.resource is resource}
            out.append(
                {
                    "name": resource.name,
                    "id": resource.id_field,
                    "id_kind": resource.id_kind,
                    "parents": {p: parent for p, (parent, _) in resource.parents.items()},
                    "references": resource.refs,
                    "unique": resource.unique,
                    "operations": ops,
                }
            )
        return out

    def seed(self) -> None:
        """Replace the store's contents with freshly generated, consistent records."""
        self.store.clear()
        rng = random.Random(f"{self.contract.seed}:seed")
        for resource in _dependency_order(self.resources):
            count = self.seed_counts.get(resource.name.lower(), self.seed_count)
            first = self.store.next_seqs(resource.name, count) if count else 0
            taken: dict[str, dict[str, int]] = {field: {} for field in resource.unique}
            batch: list[tuple[str, Record]] = []
            for i in range(count):
                for _ in range(3):  # a fresh record usually clears a clash and keeps the field's pattern
                    value = self._generate(resource, rng, examples=i == 0, id=first + i)
                    if value is None or not any(_clashes(value.get(f), seen) for f, seen in taken.items()):
                        break
                if value is None:
                    break
                self._complete(value, resource.schema, rng)  # writeOnly fields too: a seeded user has a password
                self._link(resource, value, rng)
                for field, seen in taken.items():
                    value[field] = _unique_value(value.get(field), seen)
                batch.append((str(value[resource.id_field]), value))
                if len(batch) >= SEED_BATCH:  # small batches: a low peak, so the process stays small
                    self.store.put_many(resource.name, batch)
                    batch = []
            self.store.put_many(resource.name, batch)

    def load(self, state: State) -> None:
        """Replace the store's contents with an exported state."""
        self.store.clear()
        for name, records in state.items():
            resource = self.resources.get(name)
            id_field = resource.id_field if resource else "id"
            for record in records:
                if isinstance(record, dict) and id_field in record:
                    self.store.put(name, str(record[id_field]), record)
                    if resource is not None and resource.id_kind == "int":
                        while self.store.next_seq(name) < int(record[id_field]):
                            pass

    # -- the store's own API: what the admin HTTP API and the TUI call ---------

    def collections(self) -> dict[str, int]:
        counts = self.store.collections()
        return {name: counts.get(name, 0) for name in self.resources} | counts

    def records(self, collection: str, offset: int = 0, limit: int = 100) -> list[Record]:
        return self.store.page(collection, max(offset, 0), max(limit, 0))

    def record(self, collection: str, id: str) -> Record | None:
        return self.store.get(collection, id)

    def save(self, collection: str, record: Record, id: str | None = None) -> tuple[str, list[Violation]]:
        """Create (no id) or replace a record, checked against the resource's schema first."""
        resource = self.resources.get(collection)
        if resource is not None:
            if id is None and resource.id_field not in record:
                record[resource.id_field] = self._new_id(resource, None, random.Random())
            if id is not None:
                old = self.store.get(collection, id)
                record.setdefault(resource.id_field, old.get(resource.id_field, id) if old else id)
            check = self.checks[collection]
            errors = check(record) if check is not None else []
            if errors:
                return "", errors
            key = id if id is not None else str(record[resource.id_field])
        else:
            key = id if id is not None else str(record.get("id", self.store.next_seq(collection)))
        self.store.put(collection, key, record)
        return key, []

    def remove(self, collection: str, id: str) -> bool:
        return self.store.delete(collection, id)

    def export(self) -> State:
        return self.store.dump()

    def _generate(
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
            value[resource.id_field] = self._new_id(resource, value.get(resource.id_field), rng, id)
        return value

    def _new_id(self, resource: Resource, proposed: Any, rng: random.Random, seq: int | None = None) -> Any:
        """An id of the schema's kind; `seq` is a sequence number reserved beforehand (seeding)."""
        if resource.id_kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        number = seq if seq is not None else self.store.next_seq(resource.name)
        if resource.id_kind == "int":
            return number
        if isinstance(proposed, str) and proposed and seq is None and self.store.get(resource.name, proposed) is None:
            return proposed
        return f"{singular(resource.name)[:3]}_{number}"

    def _link(self, resource: Resource, record: Record, rng: random.Random) -> None:
        """References and parent fields point at records that exist."""
        targets = dict(resource.refs)
        targets.update({field: parent for parent, field in resource.parents.values()})
        for field, target in targets.items():
            ids = self._ids(target)
            if not ids:
                continue
            outer, sep, inner = field.partition("[].")
            if sep:  # items[].productId: every line item points at a real product
                for item in record.get(outer) or []:
                    if isinstance(item, dict) and inner in item:
                        item[inner] = rng.choice(ids)
            else:
                record[field] = rng.choice(ids)

    def _ids(self, collection: str) -> list[Any]:
        resource = self.resources.get(collection)
        if resource is None:
            return []
        return [r.get(resource.id_field, i) for i, r in self.store.scan(collection)][:1000]

    def _taken(self, resource: Resource, field: str, value: Any, own_id: str | None) -> bool:
        found = self.store.find(resource.name, field, value)
        return found is not None and found != own_id

    # -- requests ----------------------------------------------------------

    def handle(self, compiled: CompiledOperation, params: dict[str, str], request: MockRequest) -> MockResponse | None:
        binding = self.bindings.get(compiled.op.id)
        if binding is None:
            return None
        resource = binding.resource
        scope = {
            field: self._typed(parent, params[p]) for p, (parent, field) in resource.parents.items() if p in params
        }
        for param, (parent, _) in resource.parents.items():
            if param in params and self._find(self.resources[parent], params[param]) is None:
                return self._missing(compiled, self.resources[parent], param, params[param])
        if binding.role == "list":
            return self._list(compiled, resource, scope, request)
        if binding.role == "create":
            return self._create(compiled, resource, scope, request)
        assert binding.id_param is not None
        raw_id = params.get(binding.id_param, "")
        found = self._find(resource, raw_id)
        if found is None or any(found[1].get(f) != v for f, v in scope.items()):
            return self._missing(compiled, resource, binding.id_param, raw_id)
        key, record = found
        if binding.role == "read":
            return self._reply(compiled, resource, record)
        if binding.role == "delete":
            self.store.delete(resource.name, key)
            return self._reply(compiled, resource, record, deleted=True)
        return self._change(compiled, binding, key, record, scope, request)

    def _find(self, resource: Resource, raw_id: str) -> tuple[str, Record] | None:
        record = self.store.get(resource.name, raw_id)
        if record is not None:
            return raw_id, record
        if resource.id_field in resource.item_params:
            return None
        # The path names the record by another unique field (e.g. /users/{username}).
        for field in resource.unique:
            key = self.store.find(resource.name, field, raw_id)
            if key is not None:
                found = self.store.get(resource.name, key)
                if found is not None:
                    return key, found
        return None

    def _typed(self, collection: str, raw: str) -> Any:
        resource = self.resources.get(collection)
        return int(raw) if resource is not None and resource.id_kind == "int" and raw.lstrip("-").isdigit() else raw

    def _missing(self, compiled: CompiledOperation, resource: Resource, param: str, raw_id: str) -> MockResponse:
        reason = f"no {singular(resource.name)} with {resource.id_field} {raw_id!r}"
        return self.contract.reject(compiled, "missing", [Violation("path", f"/{param}", reason)])

    def _body(self, request: MockRequest) -> Any:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not request.body:
            return {}
        if is_json(ctype) or not ctype:
            try:
                return orjson.loads(request.body)
            except orjson.JSONDecodeError:
                return None
        if ctype == "application/x-www-form-urlencoded":
            return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        return None

    def _create(
        self, compiled: CompiledOperation, resource: Resource, scope: dict[str, Any], request: MockRequest
    ) -> MockResponse:
        body = self._body(request)
        if not isinstance(body, dict):
            return self.contract.reject(compiled, "invalid", [Violation("body", "", "a JSON object is expected")])
        rng = self.contract.rng
        template = self._generate(resource, rng) or {}
        props = self.props[resource.name]
        # The server's own fields (readOnly: createdAt, status...) come from a generated record.
        record: Record = {k: v for k, v in template.items() if k not in body and _read_only(props.get(k))}
        record.update(body)
        record.update(scope)
        record[resource.id_field] = template.get(resource.id_field, self._new_id(resource, None, rng))
        self._complete(record, resource.schema, rng)
        _stamp(record, props, created=True)
        conflict = self._conflict(compiled, resource, record, None)
        if conflict is not None:
            return conflict
        self.store.put(resource.name, str(record[resource.id_field]), record)
        response = self._reply(compiled, resource, record)
        if resource.item_path and 200 <= response.status < 300:
            location = re.sub(r"{[^}]+}", str(record[resource.id_field]), resource.item_path)
            response.headers = [(k, v) for k, v in response.headers if k.lower() != "location"]
            response.headers.append(("location", self.contract.spec.base_path + location))
        return response

    def _change(
        self,
        compiled: CompiledOperation,
        binding: Binding,
        key: str,
        old: Record,
        scope: dict[str, Any],
        request: MockRequest,
    ) -> MockResponse:
        resource = binding.resource
        body = self._body(request)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        props = self.props[resource.name]
        if binding.role == "update" and ctype == "application/json-patch+json":
            try:
                new = _json_patch(old, body)
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                return self.contract.reject(compiled, "invalid", [Violation("body", "", f"JSON Patch failed: {exc}")])
        elif not isinstance(body, dict):
            return self.contract.reject(compiled, "invalid", [Violation("body", "", "a JSON object is expected")])
        elif binding.role == "update":
            new = _merge_patch(old, body)
        else:  # replace: the client's fields, the server's own ones kept
            new = {k: v for k, v in old.items() if _read_only(props.get(k))}
            new.update(body)
            self._complete(new, resource.schema, self.contract.rng)
        new.update(scope)
        new[resource.id_field] = old[resource.id_field]
        for field in props:
            if normalise(field) in CREATED_FIELDS and field in old:
                new[field] = old[field]
        _stamp(new, props, created=False)
        check = self.checks[resource.name]
        errors = check(new) if check is not None else []
        if errors:
            return self.contract.reject(compiled, "invalid", errors)
        conflict = self._conflict(compiled, resource, new, key)
        if conflict is not None:
            return conflict
        self.store.put(resource.name, key, new)
        return self._reply(compiled, resource, new)

    def _complete(self, value: Any, schema: Any, rng: random.Random, depth: int = 0) -> None:
        """Fill what a client left out, all the way down: declared defaults, then required fields
        (a line item's `unitPrice`, a writeOnly `password`) from generated values."""
        deref = self.contract.spec.schemas.deref
        body = deref(schema)
        if depth > 8 or not isinstance(body, dict):
            return
        if isinstance(value, list):
            items = body.get("items")
            for item in value if items is not None else []:
                self._complete(item, items, rng, depth + 1)
            return
        if not isinstance(value, dict):
            return
        raw_props = properties(deref, body)
        for name, sub in raw_props.items():
            sub = deref(sub)
            if name not in value and isinstance(sub, dict) and "default" in sub:
                value[name] = orjson.loads(orjson.dumps(sub["default"]))
        for name in _required(deref, body):
            if name not in value and name in raw_props:
                filled = self.contract.generate(
                    self._gen(raw_props[name], name), Ctx(rng, examples=False, response=False)
                )
                if filled is not None:
                    value[name] = filled
        for name, sub in raw_props.items():
            if isinstance(value.get(name), (dict, list)):
                self._complete(value[name], sub, rng, depth + 1)

    def _gen(self, schema: Any, name: str) -> Gen:
        cached = self._field_gens.get(id(schema))
        if cached is None or cached[0] is not schema:
            cached = (schema, self.contract.generator.compile(schema, name))
            self._field_gens[id(schema)] = cached
        return cached[1]

    def _conflict(
        self, compiled: CompiledOperation, resource: Resource, record: Record, own: str | None
    ) -> MockResponse | None:
        if "409" not in compiled.responses:
            return None
        for field in resource.unique:
            if field in record and self._taken(resource, field, record[field], own):
                reason = f"a {singular(resource.name)} with {field} {record[field]!r} already exists"
                return self.contract.reject(compiled, "conflict", [Violation("body", f"/{field}", reason)])
        return None

    # -- responses -----------------------------------------------------------

    def _reply(
        self, compiled: CompiledOperation, resource: Resource, record: Record, deleted: bool = False
    ) -> MockResponse:
        resp = compiled.default
        if resp is None:
            return MockResponse(204, [], b"", compiled.op.id, ("stateful",))
        media = _json_of(resp)
        headers = self.contract.declared_headers(resp, dynamic=False)
        if media is None or (deleted and resp.status == 204):
            return MockResponse(resp.status, headers, b"", compiled.op.id, ("stateful",))
        value = self._shape_item(resp, media, resource, record)
        headers.append(("content-type", media.content_type))
        return MockResponse(resp.status, headers, orjson.dumps(value), compiled.op.id, ("stateful",))

    def _shape_item(self, resp: CompiledResponse, media: Any, resource: Resource, record: Record) -> Any:
        deref = self.contract.spec.schemas.deref
        schema = deref(media.spec.schema)
        item = self._project(media, resource, record, media.spec.schema)
        if self.contract.is_valid(media, item):
            return item
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        if "data" in props:  # an envelope around the record
            envelope = self._template(media, f"{resource.name}:{record.get(resource.id_field)}")
            if isinstance(envelope, dict):
                envelope["data"] = self._project(media, resource, record, props["data"])
                return envelope
        return item

    def _project(self, media: Any, resource: Resource, record: Record, schema: Any) -> Any:
        """The record as the response schema wants it: no writeOnly fields, required ones present."""
        hidden, allowed, required = self._plan(schema)
        out = {k: v for k, v in record.items() if k not in hidden and (allowed is None or k in allowed)}
        missing = [r for r in required if r not in out]
        if missing:
            rng = random.Random(f"{resource.name}:{record.get(resource.id_field)}")
            filler = self._generate(resource, rng, named=False)
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

    def _template(self, media: Any, key: str) -> Any:
        if media.gen is None:
            return None
        return self.contract.generate(media.gen, Ctx(random.Random(key), examples=False))

    def _list(
        self, compiled: CompiledOperation, resource: Resource, scope: dict[str, Any], request: MockRequest
    ) -> MockResponse:
        resp = compiled.default
        media = _json_of(resp) if resp is not None else None
        if resp is None or media is None:
            return self.contract.respond(compiled, request, {})
        query = parse_qsl(request.query, keep_blank_values=True) if request.query else []
        paging = _Paging(compiled.op.parameters, query)
        props = self.props[resource.name]
        matches = self._matcher(resource, props, query, scope, compiled.op.parameters)
        order = _sorting(query, props)
        if matches is None and order is None and paging.after_id is None:
            total = self.store.count(resource.name)
            records = self.store.page(resource.name, paging.offset, paging.limit)
        else:
            rows = [r for _, r in self.store.scan(resource.name) if matches is None or matches(r)]
            if order is not None:
                rows = order(rows)
            if paging.after_id is not None:
                ids = [str(r.get(resource.id_field)) for r in rows]
                paging.offset = ids.index(paging.after_id) + 1 if paging.after_id in ids else len(rows)
            total = len(rows)
            records = rows[paging.offset : paging.offset + paging.limit]
        if compiled.op.id not in self._shapes:
            shape = list_items_schema(self.contract.spec, media.spec.schema)
            self._shapes[compiled.op.id] = shape if shape is not None else (None, {})
        envelope_key, item_schema = self._shapes[compiled.op.id]
        items = [self._project(media, resource, r, item_schema) for r in records]
        more = paging.offset + len(records) < total
        if envelope_key is None:
            value: Any = items
        else:
            value = self._template(media, f"{resource.name}:list")
            value = value if isinstance(value, dict) else {}
            value[envelope_key] = items
            _fill_meta(value, total, paging, more, resource, records)
        headers = self.contract.declared_headers(resp, dynamic=False)
        declared = {h.lower() for h in resp.spec.headers}
        headers = [(k, v) for k, v in headers if k.lower() not in ("x-total-count", "link")]
        if "x-total-count" in declared:
            headers.append(("X-Total-Count", str(total)))
        if "link" in declared:
            base = self.contract.spec.base_path + compiled.op.path
            headers.append(("Link", paging.links(base, query, total)))
        headers.append(("content-type", media.content_type))
        return MockResponse(resp.status, headers, orjson.dumps(value), compiled.op.id, ("stateful",))

    def _matcher(
        self,
        resource: Resource,
        props: dict[str, Any],
        query: list[tuple[str, str]],
        scope: dict[str, Any],
        declared: list[Any],
    ) -> Callable[[Record], bool] | None:
        """Filters from query parameters that name fields, a full-text search, and the parent scope.

        A parameter declared as an array (`status=pending,paid` or `status=a&status=b`) matches
        any of its values.
        """
        by_key = {normalise(p): p for p in props}
        params = {p.name: p for p in declared if p.location == "query"}
        tests: list[Callable[[Record], bool]] = [_equals(field, value) for field, value in scope.items()]
        grouped: dict[str, list[str]] = {}
        for name, raw in query:
            grouped.setdefault(name, []).append(raw)
        for name, raws in grouped.items():
            key = normalise(name)
            if key in PAGE_PARAMS | SIZE_PARAMS | OFFSET_PARAMS | CURSOR_PARAMS | AFTER_ID_PARAMS | SORT_PARAMS:
                continue
            field = by_key.get(key)
            if field is None and key in SEARCH_PARAMS:
                tests.append(_search(raws[-1]))
                continue
            if field is None:
                continue
            param = params.get(name)
            if param is not None and "array" in _types(self.contract.spec.schemas.deref(param.schema)):
                values = [v for raw in raws for v in raw.split(",")] if param.explode is False else raws
            else:
                values = raws[-1:]
            types = _types(props[field])
            if types in (["string"], []):  # case-insensitive partial, as the seed's json-server
                alternatives = [_contains(field, v) for v in values]
            else:
                alternatives = [_equals(field, coerce(v, types)) for v in values]
            tests.append(alternatives[0] if len(alternatives) == 1 else _any(alternatives))
        if not tests:
            return None
        return lambda record: all(test(record) for test in tests)


def _any(tests: list[Callable[[Record], bool]]) -> Callable[[Record], bool]:
    return lambda record: any(test(record) for test in tests)


def _equals(field: str, wanted: Any) -> Callable[[Record], bool]:
    return lambda record: record.get(field) == wanted or str(record.get(field)) == str(wanted)


def _contains(field: str, raw: str) -> Callable[[Record], bool]:
    needle = raw.casefold()
    return lambda record: isinstance(record.get(field), str) and needle in record[field].casefold()


def _search(raw: str) -> Callable[[Record], bool]:
    term = raw.casefold()
    return lambda record: any(isinstance(v, str) and term in v.casefold() for v in record.values())


class _Paging:
    """Page, size, offset or cursor from whichever parameters the operation declares."""

    def __init__(self, declared: list[Any], query: list[tuple[str, str]]) -> None:
        names = {normalise(p.name): p for p in declared if p.location == "query"}
        values = {normalise(k): v for k, v in query}
        self.page_param = next((names[k] for k in names if k in PAGE_PARAMS), None)
        self.size_param = next((names[k] for k in names if k in SIZE_PARAMS), None)
        self.offset_param = next((names[k] for k in names if k in OFFSET_PARAMS), None)
        self.cursor_param = next((names[k] for k in names if k in CURSOR_PARAMS), None)
        after = next((names[k] for k in names if k in AFTER_ID_PARAMS), None)
        self.limit = _int(values.get(normalise(self.size_param.name)) if self.size_param else None, None)
        if self.limit is None:
            default = (
                self.size_param.schema.get("default")
                if self.size_param and isinstance(self.size_param.schema, dict)
                else None
            )
            self.limit = default if isinstance(default, int) else DEFAULT_PAGE
        self.limit = max(self.limit, 0)
        self.first_page = 1
        if self.page_param is not None and isinstance(self.page_param.schema, dict):
            if self.page_param.schema.get("minimum") == 0 or self.page_param.schema.get("default") == 0:
                self.first_page = 0
        self.page = _int(values.get(normalise(self.page_param.name)) if self.page_param else None, self.first_page)
        self.offset = max(0, (self.page - self.first_page) * self.limit) if self.page_param else 0
        if self.offset_param is not None:
            self.offset = max(0, _int(values.get(normalise(self.offset_param.name)), 0))
        if self.cursor_param is not None and values.get(normalise(self.cursor_param.name)):
            self.offset = _decode_cursor(values[normalise(self.cursor_param.name)])
        self.after_id = values.get(normalise(after.name)) if after is not None else None

    def links(self, base: str, query: list[tuple[str, str]], total: int) -> str:
        keep = [(k, v) for k, v in query if normalise(k) not in PAGE_PARAMS | OFFSET_PARAMS | CURSOR_PARAMS]
        limit = max(self.limit, 1)
        last = max(0, (total - 1) // limit)
        here = self.offset // limit
        targets = {"first": 0, "last": last}
        if here > 0:
            targets["prev"] = here - 1
        if here < last:
            targets["next"] = here + 1
        out = []
        for rel, index in targets.items():
            params = list(keep)
            if self.page_param is not None:
                params.append((self.page_param.name, str(index + self.first_page)))
            elif self.offset_param is not None:
                params.append((self.offset_param.name, str(index * limit)))
            elif self.cursor_param is not None:
                params.append((self.cursor_param.name, _encode_cursor(index * limit)))
            out.append(f'<{base}?{urlencode(params)}>; rel="{rel}"')
        return ", ".join(out)


def _fill_meta(
    value: dict[str, Any], total: int, paging: _Paging, more: bool, resource: Resource, records: list[Record]
) -> None:
    """Totals, page numbers, has-more flags and cursors, wherever the envelope keeps them."""
    limit = max(paging.limit, 1)
    facts: dict[str, Any] = {}
    facts.update(dict.fromkeys(TOTAL_FIELDS, total))
    facts.update(dict.fromkeys(PAGES_FIELDS, math.ceil(total / limit) if total else 0))
    facts.update(dict.fromkeys(MORE_FIELDS, more))
    next_cursor = _encode_cursor(paging.offset + len(records)) if more else None
    facts.update(dict.fromkeys(NEXT_FIELDS, next_cursor))
    facts.update({"page": paging.offset // limit + paging.first_page, "offset": paging.offset})
    facts.update(dict.fromkeys(SIZE_PARAMS - {"count"}, paging.limit))
    for container in [value, *(v for v in value.values() if isinstance(v, dict))]:
        for name in list(container):
            key = normalise(name)
            if key in facts and not isinstance(container[name], (dict, list)):
                fact = facts[key]
                if fact is None and not isinstance(container[name], str):
                    continue
                container[name] = fact if fact is not None else None


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return max(0, int(text.removeprefix("o:")))
    except (ValueError, UnicodeDecodeError):
        return 0


def _sorting(query: list[tuple[str, str]], props: dict[str, Any]) -> Callable[[list[Record]], list[Record]] | None:
    values = {normalise(k): v for k, v in query}
    spec = next((values[k] for k in ("sort", "sortby", "orderby") if values.get(k)), None)
    if spec is None:
        return None
    by_key = {normalise(p): p for p in props}
    descending = values.get("order", values.get("sortorder", values.get("direction", ""))).lower() in (
        "desc",
        "descending",
    )
    keys: list[tuple[str, bool]] = []
    for part in spec.split(","):
        part = part.strip()
        desc = descending
        if part.startswith("-"):
            part, desc = part[1:], True
        elif part.startswith("+"):
            part = part[1:]
        name, _, direction = part.partition(":")
        if direction.lower() in ("desc", "descending"):
            desc = True
        field = by_key.get(normalise(name))
        if field is not None:
            keys.append((field, desc))
    if not keys:
        return None

    def order(rows: list[Record]) -> list[Record]:
        for field, desc in reversed(keys):
            present = [r for r in rows if r.get(field) is not None]
            absent = [r for r in rows if r.get(field) is None]
            present.sort(key=lambda r: _sortnormalise(r[field]), reverse=desc)
            rows = present + absent
        return rows

    return order


def _sortnormalise(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value.casefold())
    return (2, orjson.dumps(value))


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def _json_patch(doc: Record, ops: Any) -> Record:
    """RFC 6902 JSON Patch: add, remove, replace, move, copy, test."""
    if not isinstance(ops, list):
        raise ValueError("a JSON Patch is a list of operations")
    out: Any = orjson.loads(orjson.dumps(doc))
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise ValueError(f"not a patch operation: {op!r}")
        kind, path = op["op"], str(op["path"])
        if kind == "test":
            if _pointer_get(out, path) != op.get("value"):
                raise ValueError(f"test failed at {path}")
        elif kind == "remove":
            _pointer_remove(out, path)
        elif kind in ("add", "replace"):
            if kind == "replace":
                _pointer_get(out, path)
            out = _pointer_set(out, path, op.get("value"), insert=kind == "add")
        elif kind in ("move", "copy"):
            value = _pointer_get(out, str(op["from"]))
            if kind == "move":
                _pointer_remove(out, str(op["from"]))
            out = _pointer_set(out, path, value, insert=True)
        else:
            raise ValueError(f"unknown op {kind!r}")
    if not isinstance(out, dict):
        raise ValueError("the patched document is not an object")
    return out


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"bad pointer {path!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _join(tokens: list[str]) -> str:
    """A JSON pointer from tokens; no tokens is the whole document ("", not "/")."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _pointer_get(doc: Any, path: str) -> Any:
    for token in _tokens(path):
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def _pointer_set(doc: Any, path: str, value: Any, insert: bool) -> Any:
    tokens = _tokens(path)
    if not tokens:
        return value
    parent = _pointer_get(doc, _join(tokens[:-1]))
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if insert:
            parent.insert(index, value)
        else:
            parent[index] = value
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ValueError(f"cannot set inside {path!r}")
    return doc


def _pointer_remove(doc: Any, path: str) -> None:
    tokens = _tokens(path)
    if not tokens:
        raise ValueError("cannot remove the whole document")
    parent = _pointer_get(doc, _join(tokens[:-1]))
    if isinstance(parent, list):
        del parent[int(tokens[-1])]
    else:
        del parent[tokens[-1]]


def _stamp(record: Record, props: dict[str, Any], created: bool) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for field, schema in props.items():
        key = normalise(field)
        if key in UPDATED_FIELDS or (created and key in CREATED_FIELDS):
            if isinstance(schema, dict) and schema.get("type") == "integer":
                record[field] = int(dt.datetime.now(dt.UTC).timestamp())
            elif isinstance(schema, dict) and schema.get("format") == "date-time":
                record[field] = now


def _json_of(resp: CompiledResponse | None) -> Any:
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


def _read_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("readOnly") is True


def _write_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("writeOnly") is True


def _types(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    t = schema.get("type")
    return [x for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def _int(raw: str | None, default: Any) -> Any:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def _compile(bundle: Any) -> Callable[[Any], list[Violation]] | None:

    try:
        validator = jsonschema_rs.validator_for(bundle, validate_formats=True)
    except (ValueError, TypeError, jsonschema_rs.ValidationError):
        return None

    def check(value: Any) -> list[Violation]:
        return [Violation("body", pointer_of(e.instance_path), e.message[:300]) for e in validator.iter_errors(value)]

    return check


def _clashes(value: Any, seen: dict[str, int]) -> bool:
    return isinstance(value, str) and value.casefold() in seen


def _unique_value(value: Any, seen: dict[str, int]) -> Any:
    """`value`, or `ada2@example.com`, `ada3@...`: the first not in `seen` (case-insensitively)."""
    if not isinstance(value, str):
        return value
    candidate, base = value, value.casefold()
    n = seen.get(base, 0)
    while candidate.casefold() in seen:
        n += 1
        local, at, domain = value.partition("@")
        candidate = f"{local}{n + 1}{at}{domain}"
    seen[base] = n  # where the next clash with this value starts counting
    seen[candidate.casefold()] = seen.get(candidate.casefold(), 0)
    return candidate


def _dependency_order(resources: dict[str, Resource]) -> list[Resource]:
    """Referenced collections first, so that references can point at existing records."""
    done: list[Resource] = []
    seen: set[str] = set()

    def visit(resource: Resource, path: tuple[str, ...]) -> None:
        if resource.name in seen or resource.name in path:
            return
        targets = set(resource.refs.values()) | {parent for parent, _ in resource.parents.values()}
        for target in sorted(targets):
            if target in resources:
                visit(resources[target], (*path, resource.name))
        seen.add(resource.name)
        done.append(resource)

    for resource in resources.values():
        visit(resource, ())
    return done
