"""Where a resource lives: `Location` headers and `self`/`href`/`url` fields that point at it.

A created pet is at `/pets/{petId}` when the spec has that item operation; a named one is at the
path it was asked by. Which operations are items of which collections, which record field holds
the id the item path takes, and which fields carry links is read off the spec once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mocktui.engine.contract.fields import Schemas, accepts
from mocktui.engine.data.pools import normalise, singular
from mocktui.engine.spec.model import Operation

_WHOLE = re.compile(r"^{([^}]+)}$")
_PARAM = re.compile(r"{([^}]+)}")
# Link fields of a record, from its root: plain, HAL (`_links.self.href`) and JSON:API (`links.self`).
LINK_PATHS = (("self",), ("href",), ("url",), ("_links", "self", "href"), ("links", "self"), ("links", "self", "href"))


@dataclass(slots=True)
class Link:
    path: tuple[str, ...]
    validator: Any


class Items:
    """Which GET operations address one item of a collection: `/pets` -> (`/pets/{petId}`, `petId`)."""

    def __init__(self, operations: list[Operation]) -> None:
        self.gets = {op.path for op in operations if op.method == "GET"}
        self.of: dict[str, tuple[str, str]] = {}
        for path in sorted(self.gets):
            parts = path.rstrip("/").rsplit("/", 1)
            whole = _WHOLE.match(parts[-1])
            if len(parts) == 2 and whole and parts[0] and not _WHOLE.match(parts[0].rsplit("/", 1)[-1]):
                self.of.setdefault(parts[0], (path, whole.group(1)))

    def named(self, op: Operation) -> bool:
        """The operation addresses one item that has a GET: its own path is the item's URL."""
        last = op.path.rstrip("/").rsplit("/", 1)[-1]
        return bool(_WHOLE.match(last)) and op.path in self.gets

    def item_of(self, path: str) -> tuple[str, str] | None:
        """The item path and its parameter for a collection path, when the spec can GET its items."""
        return self.of.get(path.rstrip("/"))


def own_names(param: str, segment: str | None) -> set[str]:
    """Normalised field names that hold an item's own id: `petId` in /pets/{petId} -> petid, pet_id, id."""
    key = normalise(param)
    names = {key}
    if key == "id" or (segment and key in _id_names(segment)):
        names.add("id")
    return names


def _id_names(segment: str) -> set[str]:
    """`/pets/{petId}`, `/pets/{pet_uuid}`, `/customers/{customer}`: parameters that name the item's id."""
    word, one = normalise(segment), normalise(singular(segment))
    return {word, one, word + "id", one + "id", one + "uuid"}


def parent_names(param: str, segment: str | None) -> set[str]:
    """Field names that evidently hold a parent's id: `userId`/`user_id` for /users/{userId}/posts."""
    names = {normalise(param)}
    if segment:
        names.add(normalise(singular(segment)) + "id")
    return names - {"id"}


def segments(path: str) -> list[tuple[str, str | None, bool]]:
    """Each path parameter with the literal segment before it and whether it is the path's last segment."""
    parts = [s for s in path.split("/") if s]
    out: list[tuple[str, str | None, bool]] = []
    for i, part in enumerate(parts):
        whole = _WHOLE.match(part)
        before = parts[i - 1] if i > 0 and "{" not in parts[i - 1] else None
        if whole:
            out.append((whole.group(1), before, i == len(parts) - 1))
        else:
            out.extend((name, None, False) for name in _PARAM.findall(part))
    return out


def fill(template: str, params: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: quote(params.get(m.group(1), m.group(0)), safe=""), template)


def id_fields(schemas: Schemas, record: Any, param: str, segment: str | None) -> list[str]:
    """The record's fields that hold the id an item path takes, best first."""
    names = own_names(param, segment)
    props = schemas.props(record)
    found = [p for p in props if normalise(p) in names]
    return sorted(found, key=lambda p: normalise(p) != "id")


def link_fields(schemas: Schemas, record: Any) -> list[Link]:
    """The record's link fields whose schema takes a string."""
    out: list[Link] = []
    for path in LINK_PATHS:
        schema: Any = record
        for key in path:
            schema = schemas.props(schema).get(key)
            if schema is None:
                break
        if schema is not None and "string" in schemas.types(schema):
            validator = schemas.validator(schema)
            if validator is not None:
                out.append(Link(path, validator))
    return out


def item_id(record: Any, fields: list[str]) -> str | None:
    if not isinstance(record, dict):
        return None
    for name in fields:
        value = record.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
            return str(value)
    return None


def fitting(url: str, host: str, validator: Any) -> str | None:
    """`url` as the field accepts it: as a path, else made absolute (format: uri), else None."""
    if accepts(validator, url):
        return url
    absolute = f"http://{host}{url}" if host else ""
    return absolute if absolute and accepts(validator, absolute) else None


def set_links(record: Any, links: list[Link], url: str, host: str) -> None:
    if not isinstance(record, dict):
        return
    for link in links:
        parent: Any = record
        for key in link.path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            value = fitting(url, host, link.validator)
            if value is not None:
                parent[link.path[-1]] = value
