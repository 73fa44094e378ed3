"""Which operations form a resource, for stateful mode.

A collection path (`/users`) and its item path (`/users/{id}`) form a resource;
nested ones (`/users/{userId}/orders`) are the same collection scoped to a parent.
The id field, its kind, the record schema, unique-looking fields and references to
other collections are read off the spec once, at start-up. Guesses can be
corrected with `x-mocktui-resource` on an operation or path item:
`{name: people, id: personId}` renames or picks the id field, `false` excludes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mocktui.engine.contract.media import is_json
from mocktui.engine.data.pools import normalise, singular
from mocktui.engine.spec.model import Operation, Spec

ROLES_ON_COLLECTION = {"GET": "list", "POST": "create"}
ROLES_ON_ITEM = {"GET": "read", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}
UNIQUE_NAMES = {"email", "username", "login", "sku", "slug", "handle", "isbn", "barcode", "iban"}
PERSON_REFS = {"owner", "author", "customer", "creator", "buyer", "seller", "member", "assignee", "reporter"}
ID_NAMES = ("id", "uuid", "_id", "key", "code", "slug", "name")
_PARAM = re.compile(r"^{([^}]+)}$")


@dataclass
class Resource:
    name: str  # the collection, e.g. "orders"
    id_field: str = "id"
    id_kind: str = "int"  # int | uuid | string
    schema: Any = None  # the record's JSON schema (converted)
    item_params: set[str] = field(default_factory=set)  # path params that name the record's id
    parents: dict[str, tuple[str, str]] = field(default_factory=dict)  # path param -> (parent collection, field)
    unique: list[str] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)  # record field -> referenced collection
    item_path: str | None = None


@dataclass
class Binding:
    """An operation's part in a resource."""

    resource: Resource
    role: str  # list | create | read | replace | update | delete
    id_param: str | None = None


def infer(spec: Spec) -> tuple[dict[str, Resource], dict[str, Binding]]:
    resources: dict[str, Resource] = {}
    bindings: dict[str, Binding] = {}
    item_paths: dict[str, str] = {}  # item path template -> collection name
    candidates: list[tuple[Operation, str, str, str | None]] = []  # op, collection name, role, id param
    for op in spec.operations:
        hint = op.resource_hint
        if hint is False:
            continue
        segments = [s for s in op.path.split("/") if s]
        if not segments:
            continue
        last = _PARAM.match(segments[-1])
        if last is None and op.method in ROLES_ON_COLLECTION:
            name = _collection_name(segments[-1])
            candidates.append((op, name, ROLES_ON_COLLECTION[op.method], None))
        elif last is not None and len(segments) >= 2 and not _PARAM.match(segments[-2]):
            if op.method in ROLES_ON_ITEM:
                name = _collection_name(segments[-2])
                candidates.append((op, name, ROLES_ON_ITEM[op.method], last.group(1)))
                item_paths["/" + "/".join(segments)] = name
        if isinstance(hint, dict) and isinstance(hint.get("name"), str) and candidates and candidates[-1][0] is op:
            o, _, role, param = candidates[-1]
            candidates[-1] = (o, hint["name"], role, param)
    names = {name for _, name, _, _ in candidates}
    for op, name, role, id_param in candidates:
        segments = [s for s in op.path.split("/") if s]
        if id_param is None and len(segments) >= 2 and segments[-2] in names:
            continue  # /pets/mine, /pet/findByStatus: a view of a collection, not one of its own
        resource = resources.setdefault(name, Resource(name))
        bindings[op.id] = Binding(resource, role, id_param)
        if id_param:
            resource.item_params.add(id_param)
            resource.item_path = resource.item_path or op.path
        hint = op.resource_hint if isinstance(op.resource_hint, dict) else {}
        if isinstance(hint.get("id"), str):
            resource.id_field = hint["id"]
            resource.item_params.add("\0fixed")
    for resource in resources.values():
        resource.schema = _record_schema(spec, resource, bindings)
    # Parents: a path param before the collection segment that names another resource's item.
    for op_id, binding in bindings.items():
        op = next(o for o in spec.operations if o.id == op_id)
        segments = [s for s in op.path.split("/") if s]
        stop = len(segments) - (1 if binding.id_param is None else 2)
        for i in range(1, stop):
            scoped = _PARAM.match(segments[i])
            if scoped and not _PARAM.match(segments[i - 1]):
                parent = _collection_name(segments[i - 1])
                if parent in resources and parent != binding.resource.name:
                    binding.resource.parents[scoped.group(1)] = (parent, scoped.group(1))  # field: see _describe
    for resource in resources.values():
        _describe(spec, resource, resources)
    # A resource is something you can list or address; a POST alone (/auth/login) is an action.
    addressable = {b.resource.name for b in bindings.values() if b.role != "create"}
    usable = {name: r for name, r in resources.items() if name in addressable and _is_object(spec, r.schema)}
    return usable, {k: b for k, b in bindings.items() if b.resource.name in usable}


def _collection_name(segment: str) -> str:
    return re.sub(r"\.(json|xml)$", "", segment)


def _record_schema(spec: Spec, resource: Resource, bindings: dict[str, Binding]) -> Any:
    """The item GET's 2xx schema, else the create body, else the list's item schema."""
    by_role: dict[str, Operation] = {}
    ops = {op.id: op for op in spec.operations}
    for op_id, binding in bindings.items():
        if binding.resource is resource:
            by_role.setdefault(binding.role, ops[op_id])
    read = by_role.get("read")
    if read is not None:
        schema = _success_schema(read)
        if schema is not None:
            return _unwrap_single(spec, schema)
    create = by_role.get("create")
    if create is not None and create.body is not None:
        for name, media in create.body.content.items():
            if is_json(name) and media.schema is not None:
                return media.schema
    listing = by_role.get("list")
    if listing is not None:
        schema = _success_schema(listing)
        items = list_items_schema(spec, schema) if schema is not None else None
        if items is not None:
            return items[1]
    return None


def _success_schema(op: Operation) -> Any:
    for key in sorted(op.responses):
        if key.startswith("2"):
            for name, media in op.responses[key].content.items():
                if is_json(name) and media.schema is not None:
                    return media.schema
    return None


_ENVELOPE_KEYS = ("data", "items", "results", "records", "entries", "content", "values", "nodes")


def list_items_schema(spec: Spec, schema: Any) -> tuple[str | None, Any] | None:
    """(envelope property or None for a bare array, item schema) of a list response."""
    body = spec.schemas.deref(schema)
    if not isinstance(body, dict):
        return None
    if body.get("type") == "array" or "items" in body:
        return None, body.get("items", {})
    props = _properties(spec, body)
    arrays = {k: spec.schemas.deref(v) for k, v in props.items()}
    arrays = {k: v for k, v in arrays.items() if isinstance(v, dict) and (v.get("type") == "array" or "items" in v)}
    for key in (*_ENVELOPE_KEYS, *arrays):
        if key in arrays:
            return key, arrays[key].get("items", {})
    return None


def _unwrap_single(spec: Spec, schema: Any) -> Any:
    """`{data: User}` around a single record: the record's schema."""
    body = spec.schemas.deref(schema)
    props = body.get("properties") if isinstance(body, dict) else None
    if isinstance(props, dict) and "data" in props and len(props) <= 3:
        inner = spec.schemas.deref(props["data"])
        if isinstance(inner, dict) and (inner.get("type") == "object" or "properties" in inner):
            return props["data"]
    return schema


def properties(deref: Callable[[Any], Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """An object schema's property schemas as written (refs kept), its `allOf` parts' included."""
    body = deref(schema)
    if not isinstance(body, dict) or depth > 8:
        return {}
    out = dict(body.get("properties") or {})
    for part in body.get("allOf") or []:
        out.update(properties(deref, part, depth + 1))
    return out


def _properties(spec: Spec, schema: Any) -> dict[str, Any]:
    return properties(spec.schemas.deref, schema)


def _is_object(spec: Spec, schema: Any) -> bool:
    body = spec.schemas.deref(schema)
    return isinstance(body, dict) and (body.get("type") == "object" or bool(_properties(spec, schema)))


def _describe(spec: Spec, resource: Resource, resources: dict[str, Resource]) -> None:
    props = _properties(spec, resource.schema)
    if "\0fixed" in resource.item_params:
        resource.item_params.discard("\0fixed")
    else:
        resource.id_field = _id_field(resource, props)
    id_schema = spec.schemas.deref(props.get(resource.id_field, {}))
    if isinstance(id_schema, dict):
        types = id_schema.get("type")
        types = types if isinstance(types, list) else [types]
        if id_schema.get("format") in ("uuid", "guid"):
            resource.id_kind = "uuid"
        elif "integer" in types or "number" in types:
            resource.id_kind = "int"
        elif "string" in types:
            resource.id_kind = "string"
    # Parent fields: `userId` in /users/{userId}/orders is the record's field when it has one.
    for param, (parent, _) in list(resource.parents.items()):
        candidates = [param, *_ref_names(parent)]
        resource.parents[param] = (parent, next((c for c in candidates if c in props), param))
    for prop in props:
        if normalise(prop) in UNIQUE_NAMES:
            resource.unique.append(prop)
    fields = [(prop, prop) for prop in props if prop != resource.id_field]
    for prop, sub in props.items():  # line items: items[].productId
        items = (
            spec.schemas.deref(spec.schemas.deref(sub).get("items"))
            if isinstance(spec.schemas.deref(sub), dict)
            else None
        )
        if isinstance(items, dict):
            fields.extend((f"{prop}[].{inner}", inner) for inner in _properties(spec, items))
    for path, name in fields:
        target = _referenced(name, resource.name, resources)
        if target is not None:
            resource.refs[path] = target


def _referenced(field: str, own: str, resources: dict[str, Resource]) -> str | None:
    """The collection a field such as `userId`, `product_id` or `ownerId` points into."""
    key = normalise(field)
    if not key.endswith("id") or len(key) <= 2:
        return None
    stem = key[:-2]
    for name in resources:
        if stem in (singular(name).lower(), name.lower()) and name != own:
            return name
    if stem in PERSON_REFS:
        return next((p for p in ("users", "people", "customers", "members", "accounts") if p in resources), None)
    return None


def _id_field(resource: Resource, props: dict[str, Any]) -> str:
    params = sorted(resource.item_params)
    for param in params:
        if param in props:
            return param
    for name in ID_NAMES:
        if name in props:
            return name
    single = singular(resource.name).lower()
    for prop in props:
        if normalise(prop) in (f"{single}id", f"{single}uuid"):
            return prop
    return params[0] if params else "id"


def _ref_names(collection: str) -> list[str]:
    single = singular(collection)
    return [f"{single}Id", f"{single}_id", f"{single}ID"]
