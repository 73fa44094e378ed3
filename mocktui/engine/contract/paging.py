"""A stateless list's length and page fields, from the request's paging parameters.

`?limit=3` answers three items, `?page=2&per_page=10` answers the second page of ten with the
envelope's `page`, `per_page`, `total`, `totalPages`, `hasMore` and `next` telling the same story.
Which query parameters page and which envelope fields report it is read off the operation once;
a request only parses its query and fills in numbers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from mocktui.engine.contract.fields import MISSING, Schemas, accepts, convert
from mocktui.engine.contract.links import fitting
from mocktui.engine.data.pools import normalise
from mocktui.engine.spec.model import Operation

SIZE_PARAMS = frozenset(
    {"limit", "perpage", "pagesize", "size", "count", "max", "top", "first", "maxresults", "take", "pagelimit"}
)
PAGE_PARAMS = frozenset({"page", "pagenumber", "pageno", "pageindex", "currentpage"})
OFFSET_PARAMS = frozenset({"offset", "skip", "start", "startindex"})
CURSOR_PARAMS = frozenset(
    {"cursor", "after", "before", "pagetoken", "nextpagetoken", "continuationtoken", "startingafter", "endingbefore"}
    | {"afterid", "since", "sinceid", "pageafter", "pagebefore"}
)
CAP = 100  # the most items a stateless page holds, whatever a client asks for
REALISTIC = (5, 20)  # a page's length when nothing asks for one

# Envelope fields (normalised names) and the fact each reports.
FACTS = {
    **dict.fromkeys(
        ("total", "totalcount", "count", "totalitems", "totalresults", "totalelements", "totalrecords", "totalsize"),
        "total",
    ),
    **dict.fromkeys(("totalpages", "pages", "pagecount", "lastpage"), "pages"),
    **dict.fromkeys(("hasmore", "hasnext", "hasnextpage", "more"), "more"),
    **dict.fromkeys(("page", "pagenumber", "currentpage", "pageno"), "page"),
    **dict.fromkeys(("perpage", "pagesize", "limit", "size", "pagelimit"), "size"),
    **dict.fromkeys(("offset", "skip", "start"), "offset"),
    **dict.fromkeys(("next", "nextpage", "nextlink", "nexturl", "nextpageurl"), "next"),
    **dict.fromkeys(("prev", "previous", "prevpage", "previouspage", "prevlink", "prevurl", "previousurl"), "prev"),
}


@dataclass(slots=True)
class Page:
    """What one request asks of a list: its length (None: keep), page size, offset and page number."""

    length: int | None
    size: int | None
    offset: int
    number: int
    asked: bool  # the size is the request's or the declared default, not one made up


@dataclass(slots=True)
class Meta:
    path: tuple[str, ...]  # the field, from the answer's root
    fact: str
    types: list[str]
    validator: Any


class Paging:
    """The paging parameters of one list operation and the bounds of its array."""

    def __init__(self, op: Operation, schemas: Schemas, array: dict[str, Any]) -> None:
        self.size: tuple[str, int | None] | None = None
        self.page: tuple[str, int] | None = None
        self.offset: str | None = None
        # Without a page, offset or cursor parameter there is no next page: a list is its whole collection.
        self.paged = any(
            p.location == "query" and normalise(p.name) in PAGE_PARAMS | OFFSET_PARAMS | CURSOR_PARAMS
            for p in op.parameters
        )
        for param in op.parameters:
            if param.location != "query":
                continue
            key = normalise(param.name)
            body = schemas.body(param.schema)
            default = body.get("default")
            if key in SIZE_PARAMS and self.size is None:
                self.size = (
                    param.name,
                    default if isinstance(default, int) and not isinstance(default, bool) else None,
                )
            elif key in PAGE_PARAMS and self.page is None:
                self.page = (param.name, 0 if body.get("minimum") == 0 or default == 0 else 1)
            elif key in OFFSET_PARAMS and self.offset is None:
                self.offset = param.name
        self.position = tuple(n for n in (self.page and self.page[0], self.offset) if n)
        self.names = (self.size[0], *self.position) if self.size else self.position
        self.lo = int(array.get("minItems") or 0)
        hi = array.get("maxItems")
        self.hi = int(hi) if isinstance(hi, (int, float)) else None

    def ask(self, query: dict[str, str], rng: random.Random, whole: int | None = None) -> Page:
        """The page a request asks for: the size it names (or declares by default), clamped to the schema.

        `whole`: the length of a collection known whole (a spec example's list), its one page by default.
        """
        cap = max(self.lo, min(self.hi if self.hi is not None else CAP, CAP))
        size = self.size[1] if self.size else None
        if self.size and _int(query.get(self.size[0])) is not None:
            size = _int(query.get(self.size[0]))
        asked = size is not None
        if size is not None:
            length = max(self.lo, min(size, cap))
        elif whole is not None:
            length = whole
        else:  # a realistic page inside the schema's bounds
            hi = self.hi if self.hi is not None else REALISTIC[1]
            low = max(self.lo, min(REALISTIC[0] if hi >= REALISTIC[0] else 1, hi))
            top = max(low, min(hi, REALISTIC[1]))
            length = low + int(rng.random() * (top - low + 1)) if top > low else low
        per_page = max(1, min(size, cap)) if size is not None else max(length, 1)
        number = self.page[1] if self.page else 1
        offset = 0
        if self.page is not None:
            wanted = _int(query.get(self.page[0]))
            number = wanted if wanted is not None and wanted >= self.page[1] else self.page[1]
            offset = (number - self.page[1]) * per_page
        if self.offset is not None:
            offset = max(0, _int(query.get(self.offset)) or 0)
            number = offset // per_page + (self.page[1] if self.page else 1)
        return Page(length, per_page, offset, number, asked)

    def link(self, base: str, query: dict[str, str], page: Page, step: int) -> str | None:
        """The URL of the page `step` away from `page` (the request's other query kept), if paging can say it."""
        params = dict(query)
        if self.page is not None:
            target = page.number + step
            if target < self.page[1]:
                return None
            params[self.page[0]] = str(target)
        elif self.offset is not None:
            target = page.offset + step * (page.size or 1)
            if target < 0 or (step < 0 and page.offset == 0):
                return None
            params[self.offset] = str(max(target, 0))
        else:
            return None
        return f"{base}?{urlencode(params)}"


def meta_fields(schemas: Schemas, schema: Any, skip: str) -> list[Meta]:
    """The envelope's page fields: scalars at its root or one object down (`meta`, `pagination`)."""
    out: list[Meta] = []
    for name, sub in schemas.props(schema).items():
        if name == skip:
            continue
        if schemas.is_object(sub):
            for inner, leaf in schemas.props(sub).items():
                _add(out, schemas, (name, inner), leaf)
        else:
            _add(out, schemas, (name,), sub)
    return out


def _add(out: list[Meta], schemas: Schemas, path: tuple[str, ...], schema: Any) -> None:
    fact = FACTS.get(normalise(path[-1]))
    types = schemas.types(schema)
    if fact is None or not types or {"object", "array"} & set(types):
        return
    validator = schemas.validator(schema)
    if validator is not None:
        out.append(Meta(path, fact, types, validator))


def facts(page: Page, returned: int, known_total: Any, universe: int, end: int | None) -> dict[str, Any]:
    """Total, pages and has-more that agree with the items returned: a short page is the last one.

    The total is the answer's own when it can be true (a spec example's), else `universe`; `end`
    is the size of a collection known whole (a spec example's list).
    """
    seen = page.offset + returned
    size = page.size or max(returned, 1)
    if returned < size or (end is not None and end <= seen):
        total = end if end is not None else seen
    elif isinstance(known_total, int) and not isinstance(known_total, bool) and known_total >= seen:
        total = known_total
    else:
        total = max(seen, universe)
    return {
        "total": total,
        "pages": math.ceil(total / size) if total else 0,
        "more": seen < total,
        "page": page.number,
        "size": size,
        "offset": page.offset,
    }


def fill_meta(
    value: dict[str, Any], metas: list[Meta], known: dict[str, Any], links: dict[str, str | None], host: str
) -> None:
    """Each page field set to its fact, where its schema accepts the fact as it types it (links made
    absolute with `host` where they must be)."""
    for meta in metas:
        parent: Any = value
        for key in meta.path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue
        if meta.fact in ("next", "prev"):
            fact: Any = links.get(meta.fact)
            if fact is not None and "string" not in meta.types:  # a page number, not a link
                step = 1 if meta.fact == "next" else -1
                fact = known["page"] + step if known["more"] or step < 0 else None
            elif fact is not None:
                fact = fitting(fact, host, meta.validator)
                if fact is None:
                    continue
        elif meta.fact in known:
            fact = known[meta.fact]
        else:
            continue
        if isinstance(fact, (int, float)) and not isinstance(fact, bool) and "integer" not in meta.types:
            fact = convert(str(fact), meta.types)
        if fact is not MISSING and accepts(meta.validator, fact):
            parent[meta.path[-1]] = fact


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None
