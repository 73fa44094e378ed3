"""Listing a collection like real APIs do: filters, full-text search, sorting, paging and cursors.

`Listing.respond_list` answers a resource's list operation from the store: query parameters that
name fields filter, `q`/`search` searches, `sort`/`order` sort, and page, size, offset, cursor or
after-id parameters (whichever the operation declares) page. The response follows the declared
shape, a bare array or an envelope whose totals, page numbers and cursors are filled in, and the
`X-Total-Count` and `Link` headers where declared.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from mocktui.engine.contract.compiled import CompiledOperation
from mocktui.engine.contract.validate import coerce
from mocktui.engine.data.pools import normalise
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.stateful.records import Records, json_of
from mocktui.engine.stateful.resources import Resource, list_items_schema
from mocktui.engine.stores.base import Record

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


class Listing(Records):
    """The list operations of `Stateful`."""

    def respond_list(
        self, compiled: CompiledOperation, resource: Resource, scope: dict[str, Any], request: MockRequest
    ) -> MockResponse:
        resp = compiled.default
        media = json_of(resp) if resp is not None else None
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
        if compiled.op.id not in self.shapes:
            shape = list_items_schema(self.contract.spec, media.spec.schema)
            self.shapes[compiled.op.id] = shape if shape is not None else (None, {})
        envelope_key, item_schema = self.shapes[compiled.op.id]
        items = [self.project(media, resource, r, item_schema) for r in records]
        more = paging.offset + len(records) < total
        if envelope_key is None:
            value: Any = items
        else:
            value = self.template(media, f"{resource.name}:list")
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
