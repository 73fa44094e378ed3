"""Answers coherent with their request: a per-answer plan, decided once, applied to each value.

`GET /pets/42` answers pet 42, `GET /users/7/posts` answers posts of user 7, `POST /pets` answers
the pet that was sent with `Location: /pets/<its id>`, and `GET /pets?limit=3` answers three
pets whose envelope's totals agree. `Shapes.plan` reads off an operation's declared answer which
path parameter goes into which field, where its record or list sits, which fields link to it and
how it pages (see `fields`, `links`, `paging`, `echo`); `Plan.shape` then only sets values. An
answer with nothing to shape has no plan and keeps the static fast path.
"""

from __future__ import annotations

import copy
import random
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mocktui.engine.contract.echo import Echo, build_echo
from mocktui.engine.contract.fields import MISSING, Schemas, accepts, convert, walk
from mocktui.engine.contract.links import (
    Items,
    Link,
    fill,
    fitting,
    id_fields,
    item_id,
    link_fields,
    own_names,
    parent_names,
    segments,
    set_links,
)
from mocktui.engine.contract.paging import Meta, Paging, facts, fill_meta, meta_fields
from mocktui.engine.data.entities import path_entity
from mocktui.engine.data.generate import Ctx, Gen, Generator, TooDeep
from mocktui.engine.data.pools import normalise, singular
from mocktui.engine.http import MockRequest
from mocktui.engine.spec.model import Operation, Response, Spec

UNIVERSE = (25, 250)  # how many items a stateless collection has, when its answer does not say
ANSWERS_KEPT = 512  # encoded answers kept per media type of an operation with path or paging inputs


@dataclass(slots=True)
class Binding:
    """A path parameter into one field, as that field's type."""

    param: str
    field: str
    types: list[str]
    validator: Any


@dataclass(slots=True)
class Call:
    """What of one request an answer depends on; `key` names its cached encoding."""

    params: dict[str, str]
    query: dict[str, str]
    host: str
    key: Any  # hashable: the inputs' values, or the one path param's


@dataclass(slots=True)
class Listed:
    """A page: where its array sits, how to make more items, how it pages and links them."""

    path: tuple[str, ...]
    item: Gen
    unique: bool
    paging: Paging
    metas: list[Meta]
    parents: list[Binding]
    item_path: tuple[str, str] | None  # the item path and its parameter, when the spec can GET an item
    id_fields: list[str]  # item fields holding the id the item path takes
    links: list[Link]
    total_header: str | None  # the declared X-Total-Count header's name


NO_INPUTS = Call({}, {}, "", ())  # the call of an answer that follows nothing of the request but its body


class Plan:
    """How one declared answer follows its request."""

    def __init__(self, op: Operation, base: str) -> None:
        self.op = op
        self.base = base  # the spec's base path
        self.params: tuple[str, ...] = ()
        self.query: tuple[str, ...] = ()  # query parameters the answer follows
        self.position: tuple[str, ...] = ()  # those of them that pick which items (page, offset), not how many
        self.record: tuple[str, ...] = ()
        self.bindings: list[Binding] = []
        self.echo: Echo | None = None
        self.named = False  # the request path is the record's own URL
        self.item: tuple[str, str] | None = None  # else its URL is this item path with this parameter...
        self.id_fields: list[str] = []  # ...taken from the first of these fields the record has
        self.links: list[Link] = []
        self.location: tuple[str, Any] | None = None  # (header name, validator or None)
        self.listed: Listed | None = None
        self.uses_host = False  # links are made absolute with the request's Host where a field wants it
        self.inputs = False  # the answer follows path params, query or Host (else one answer serves all)
        self.single: str | None = None

    @property
    def useful(self) -> bool:
        return bool(self.bindings or self.echo or self.links or self.location or self.listed)

    def settle(self) -> None:
        """Fix what the request-time code reads: which inputs the answer follows."""
        listed = self.listed
        pages = listed is not None and any(m.fact in ("next", "prev") for m in listed.metas)
        self.uses_host = bool(self.links or self.location or (listed and listed.links) or pages)
        self.inputs = bool(self.params or self.query or self.uses_host)
        only = len(self.params) == 1 and not self.query and not self.uses_host
        self.single = self.params[0] if only else None  # `/pets/{id}`: the id alone names the answer

    def key(self, request: MockRequest, params: dict[str, str]) -> Any:
        """What names this request's static answer among the kept ones (cheap: every request asks)."""
        if self.single is not None:
            return params.get(self.single)
        return self.call(request, params).key if self.inputs else ()

    def call(self, request: MockRequest, params: dict[str, str]) -> Call:
        if not self.inputs:
            return NO_INPUTS
        query = dict(parse_qsl(request.query, keep_blank_values=True)) if self.query and request.query else {}
        host = request.headers.get("host", "") if self.uses_host else ""
        if self.single is not None:
            return Call(params, query, host, params.get(self.single))
        key = (*[params.get(p) for p in self.params], *[query.get(q) for q in self.query], host)
        return Call(params, query, host, key)

    def seed(self, call: Call) -> str:
        """The inputs that pick the record or page (path ids, page, offset; not the page size): "" for none."""
        picks = [call.params.get(p) for p in self.params] + [call.query.get(q) for q in self.position]
        return ":".join("" if p is None else p for p in picks) if any(p is not None for p in picks) else ""

    def shape(
        self, value: Any, call: Call, rng: random.Random, example: bool, stable: str | None = None
    ) -> list[tuple[str, str]]:
        """Set what the request decides in `value` (in place); the headers that follow from it.

        `stable` (static answers): a seed for what must not change from page to page, the total.
        """
        if self.listed is not None:
            return self._page(value, call, rng, example, stable)
        return self.finish(value, call)

    def finish(self, value: Any, call: Call) -> list[tuple[str, str]]:
        """The record's path-named fields and links; again after an echo, so they stay the truth."""
        record = walk(value, self.record)
        if not isinstance(record, dict):
            return []
        for binding in self.bindings:
            raw = call.params.get(binding.param)
            if raw is not None:
                typed = convert(raw, binding.types)
                if typed is not MISSING and accepts(binding.validator, typed):
                    record[binding.field] = typed
        url = self._url(call, record)
        if url is None:
            return []
        set_links(record, self.links, url, call.host)
        if self.location is None:
            return []
        name, validator = self.location
        location = fitting(url, call.host, validator) if validator is not None else url
        return [(name, location)] if location is not None else []

    def _url(self, call: Call, record: dict[str, Any]) -> str | None:
        if self.named:
            return self.base + fill(self.op.path, call.params)
        if self.item is not None and self.id_fields:
            ident = item_id(record, self.id_fields)
            return item_url(self.base, self.item, call.params, ident) if ident else None
        return None

    def _page(
        self, value: Any, call: Call, rng: random.Random, example: bool, stable: str | None
    ) -> list[tuple[str, str]]:
        listed = self.listed
        assert listed is not None
        items = walk(value, listed.path)
        if not isinstance(items, list):
            return []
        fresh = rng.random()  # seeds new items: they do not depend on how many are asked for
        if stable is not None:  # nor does the total on any page of a collection (unless a page shows it smaller)
            ids = ":".join(call.params.get(p) or "" for p in self.params)
            universe = random.Random(f"{stable}:{self.op.id}:{ids}:total").randint(*UNIVERSE)
        else:
            universe = UNIVERSE[0] + int(rng.random() * (UNIVERSE[1] - UNIVERSE[0]))
        end = len(items) if example else None  # the spec's example is the whole collection: page it
        page = listed.paging.ask(call.query, rng, end)
        if example:
            items[:] = items[page.offset : page.offset + (page.length if page.length is not None else len(items))]
        elif page.length is not None and page.length != len(items):
            _resize(items, page.length, listed, fresh)
        if not listed.paging.paged:
            end = page.offset + len(items)  # nothing can ask for more: these are all there are
        here = self.base + fill(self.op.path, call.params) if listed.metas else ""
        parents = [(b.field, t) for b in listed.parents if (t := _typed(b, call.params)) is not MISSING]
        if parents or listed.links:
            for item in items:
                if isinstance(item, dict):
                    for name, typed in parents:
                        item[name] = typed
                    ident = item_id(item, listed.id_fields) if listed.item_path is not None else None
                    if ident is not None and listed.item_path is not None:
                        url = item_url(self.base, listed.item_path, call.params, ident)
                        set_links(item, listed.links, url, call.host)
        if not listed.metas and listed.total_header is None:
            return []
        known = _first_total(value, listed.metas) if example else None  # a generated total is a guess
        told = facts(page, len(items), known, universe, end)
        if example and not page.asked:
            del told["size"]  # the example's own page size stands
        if isinstance(value, dict) and listed.metas:
            more = told["more"]
            links = {
                "next": listed.paging.link(here, call.query, page, 1) if more else None,
                "prev": listed.paging.link(here, call.query, page, -1),
            }
            fill_meta(value, listed.metas, told, links, call.host)
        if listed.total_header is not None:
            return [(listed.total_header, str(told["total"]))]
        return []


class Shapes:
    """Plans for one spec's answers, made on first use and kept on the compiled media."""

    def __init__(self, spec: Spec, generator: Generator) -> None:
        self.spec = spec
        self.generator = generator
        self.schemas = Schemas(generator, spec.schemas)
        self.items = Items(spec.operations)

    def plan(self, op: Operation, resp: Response, schema: Any) -> Plan | None:
        """What of `op`'s requests its answer `resp` (of `schema`) follows; None when nothing."""
        plan = Plan(op, self.spec.base_path)
        if schema is None:
            return None
        schemas = self.schemas
        listed = schemas.list_path(schema) if op.method == "GET" else None
        if listed is not None and listed[0] and segments(op.path)[-1:] and segments(op.path)[-1][2]:
            listed = None  # an item path answers one record, whatever arrays its envelope has
        if listed is not None:
            plan.listed = self._listed(op, resp, schema, *listed)
        else:
            self._record(plan, op, resp, schema)
        if not plan.useful:
            return None
        plan.params = tuple(name for name, _, _ in segments(op.path))
        if plan.listed is not None:
            plan.query, plan.position = plan.listed.paging.names, plan.listed.paging.position
        plan.settle()
        return plan

    def _record(self, plan: Plan, op: Operation, resp: Response, schema: Any) -> None:
        schemas = self.schemas
        places = segments(op.path)
        wanted = set().union(*(own_names(p, s) if last else parent_names(p, s) for p, s, last in places))
        body = op.body.content.values() if op.body is not None else []
        for media in body:
            wanted |= {normalise(k) for k in schemas.props(media.schema)} if media.schema is not None else set()
        plan.record = schemas.record_path(schema, wanted)
        record = schema
        for key in plan.record:
            record = schemas.props(record).get(key, {})
        plan.bindings = self._bind(record, places, parents_only=False)
        plan.echo = build_echo(op, schemas, schema, plan.record)
        plan.named = self.items.named(op)
        plan.item = None if plan.named else self.items.item_of(op.path)
        if plan.item is not None:
            plan.id_fields = id_fields(schemas, record, plan.item[1], _last(op.path))
        if plan.named or plan.id_fields:
            plan.links = link_fields(schemas, record)
            declared = next((h for h in resp.headers.values() if h.name.lower() == "location"), None)
            if declared is not None:
                plan.location = (declared.name, schemas.validator(declared.schema))
            elif resp.key == "201":
                plan.location = ("location", None)

    def _listed(
        self, op: Operation, resp: Response, schema: Any, path: tuple[str, ...], array: dict[str, Any]
    ) -> Listed:
        schemas = self.schemas
        item_schema = array.get("items", {})
        item_gen = self.generator.compile(
            item_schema if isinstance(item_schema, dict) else {},
            singular(path[-1] if path else ""),
            entity=path_entity(op.path),  # a /pets list's items are pets, whatever the envelope calls them
        )
        item = self.items.item_of(op.path)
        fields = id_fields(schemas, item_schema, item[1], _last(op.path)) if item is not None else []
        total = next((h.name for h in resp.headers.values() if normalise(h.name) == "xtotalcount"), None)
        return Listed(
            path=path,
            item=item_gen,
            unique=array.get("uniqueItems") is True,
            paging=Paging(op, schemas, array),
            metas=meta_fields(schemas, schema, path[0]) if path else [],
            parents=self._bind(item_schema, segments(op.path), parents_only=True),
            item_path=item if fields else None,
            id_fields=fields,
            links=link_fields(schemas, item_schema) if fields else [],
            total_header=total,
        )

    def _bind(self, record: Any, places: list[tuple[str, str | None, bool]], parents_only: bool) -> list[Binding]:
        schemas = self.schemas
        props = schemas.props(record)
        out: list[Binding] = []
        for param, segment, last in places:
            names = own_names(param, segment) if last and not parents_only else parent_names(param, segment)
            for name, sub in props.items():
                types = schemas.types(sub)
                if normalise(name) not in names or not {"integer", "number", "string"} & set(types or ["string"]):
                    continue
                validator = schemas.validator(sub)
                if validator is not None:
                    out.append(Binding(param, name, [t for t in types if t != "null"], validator))
        return out


class Answers:
    """Encoded answers by what of the request they depend on, the least recently used dropped first."""

    __slots__ = ("kept",)

    def __init__(self) -> None:
        self.kept: OrderedDict[Any, tuple[bytes, list[tuple[str, str]], Any]] = OrderedDict()

    def get(self, key: Any) -> tuple[bytes, list[tuple[str, str]], Any] | None:
        found = self.kept.get(key)
        if found is not None:
            self.kept.move_to_end(key)
        return found

    def put(self, key: Any, answer: tuple[bytes, list[tuple[str, str]], Any]) -> None:
        self.kept[key] = answer
        if len(self.kept) > ANSWERS_KEPT:
            self.kept.popitem(last=False)


def copied(value: Any) -> Any:
    """A deep copy of a JSON value (orjson's round trip is the fast one)."""
    try:
        return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        return copy.deepcopy(value)


def item_url(base: str, item: tuple[str, str], params: dict[str, str], ident: str) -> str:
    """The URL of one item: its path with the request's params and its own id."""
    path, param = item
    return base + fill(path, {**params, param: ident})


def _last(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _typed(binding: Binding, params: dict[str, str]) -> Any:
    raw = params.get(binding.param)
    if raw is None:
        return MISSING
    typed = convert(raw, binding.types)
    return typed if typed is not MISSING and accepts(binding.validator, typed) else MISSING


def _resize(items: list[Any], length: int, listed: Listed, seed: float) -> None:
    """Cut or grow a generated list to `length` items (fresh ones from the item schema, kept unique)."""
    del items[length:]
    if len(items) >= length:
        return
    rng = random.Random(seed)
    seen = {orjson.dumps(i, option=orjson.OPT_SORT_KEYS) for i in items} if listed.unique else set()
    ctx = Ctx(rng, examples=False)
    tries = 0
    while len(items) < length and tries < length * 30 + 30:
        tries += 1
        ctx.depth = ctx.nodes = 0
        try:
            item = listed.item(ctx)
        except TooDeep:
            continue
        if listed.unique:
            mark = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
            if mark in seen:
                continue
            seen.add(mark)
        items.append(item)


def _first_total(value: Any, metas: list[Meta]) -> Any:
    for meta in metas:
        if meta.fact == "total":
            found = walk(value, meta.path)
            if found is not None:
                return found
    return None
