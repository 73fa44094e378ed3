"""Stateful mode: CRUD that remembers, lists like real APIs, seeded consistent data.

`Stateful` answers the operations that `resources.infer` bound to a resource, reading
and writing a `Store`; every other operation stays with the stateless engine. Responses
are shaped to the spec: a stored record is projected onto the response schema (writeOnly
fields never leak, missing required fields are filled), lists follow the declared shape
(bare array or envelope with totals and page fields).

This module is the class, `Stateful`, and the operations on one record: create, read, update
(merge patch, JSON Patch: `patch`), replace, delete, and the store's own API for the admin API and
the TUI. The class joins the concerns kept in their own modules: `records` (generating and
projecting records, the shared base), `listing` (list operations) and `seeding`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mocktui.engine.contract.compiled import CompiledOperation, CompiledResponse
from mocktui.engine.contract.media import is_json
from mocktui.engine.contract.validate import Violation
from mocktui.engine.data.pools import normalise, singular
from mocktui.engine.http import MockRequest, MockResponse
from mocktui.engine.stateful.listing import Listing
from mocktui.engine.stateful.patch import json_patch, merge_patch, touched
from mocktui.engine.stateful.records import DEFAULT_SEED, json_of
from mocktui.engine.stateful.resources import Binding, Resource
from mocktui.engine.stateful.seeding import Seeding
from mocktui.engine.stores.base import Record, State
from mocktui.engine.stores.session import is_session_collection

__all__ = ["DEFAULT_SEED", "Stateful"]

CREATED_FIELDS = {"createdat", "created", "createdon", "creationdate", "datecreated", "insertedat"}
UPDATED_FIELDS = {"updatedat", "updated", "modifiedat", "modified", "lastmodified", "updatedon"}


class Stateful(Listing, Seeding):
    """Resources of one spec over one store."""

    # -- state -----------------------------------------------------------------

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

    # -- the store's own API: what the admin HTTP API and the TUI call ---------

    def collections(self) -> dict[str, int]:
        counts = {name: n for name, n in self.store.collections().items() if not is_session_collection(name)}
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
                record[resource.id_field] = self.new_id(resource, None, random.Random())
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
        return {name: records for name, records in self.store.dump().items() if not is_session_collection(name)}

    def conflicts(self, collection: str, record: Record, own_id: str | None) -> list[Violation]:
        """The unique fields of `record` that another record of `collection` already holds."""
        resource = self.resources.get(collection)
        if resource is None:
            return []
        return [
            Violation("body", f"/{field}", f"a {singular(resource.name)} with {field} {record[field]!r} already exists")
            for field in resource.unique
            if field in record and self._taken(resource, field, record[field], own_id)
        ]

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
            return self.respond_list(compiled, resource, scope, request)
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
        template = self.generate(resource, rng) or {}
        props = self.props[resource.name]
        # The server's own fields (readOnly: createdAt, status...) come from a generated record.
        record: Record = {k: v for k, v in template.items() if k not in body and _read_only(props.get(k))}
        record.update(body)
        record.update(scope)
        record[resource.id_field] = template.get(resource.id_field, self.new_id(resource, None, rng))
        self.complete(record, resource.schema, rng)
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
                new = json_patch(old, body)
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                return self.contract.reject(compiled, "invalid", [Violation("body", "", f"JSON Patch failed: {exc}")])
            self.rederive(new, old, resource.schema, touched(body))
        elif not isinstance(body, dict):
            return self.contract.reject(compiled, "invalid", [Violation("body", "", "a JSON object is expected")])
        elif binding.role == "update":
            new = merge_patch(old, body)
            self.rederive(new, old, resource.schema, set(body))
        else:  # replace: the client's fields, the server's own ones kept
            new = {k: v for k, v in old.items() if _read_only(props.get(k))}
            new.update(body)
            self.complete(new, resource.schema, self.contract.rng)
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

    def _conflict(
        self, compiled: CompiledOperation, resource: Resource, record: Record, own: str | None
    ) -> MockResponse | None:
        if "409" not in compiled.responses:
            return None
        taken = self.conflicts(resource.name, record, own)
        return self.contract.reject(compiled, "conflict", taken[:1]) if taken else None

    # -- responses -----------------------------------------------------------

    def _reply(
        self, compiled: CompiledOperation, resource: Resource, record: Record, deleted: bool = False
    ) -> MockResponse:
        resp = compiled.default
        if resp is None:
            return MockResponse(204, [], b"", compiled.op.id, ("stateful",))
        media = json_of(resp)
        headers = self.contract.declared_headers(resp, dynamic=False)
        if media is None or (deleted and resp.status == 204):
            return MockResponse(resp.status, headers, b"", compiled.op.id, ("stateful",))
        value = self._shape_item(resp, media, resource, record)
        headers.append(("content-type", media.content_type))
        return MockResponse(resp.status, headers, orjson.dumps(value), compiled.op.id, ("stateful",))

    def _shape_item(self, resp: CompiledResponse, media: Any, resource: Resource, record: Record) -> Any:
        deref = self.contract.spec.schemas.deref
        schema = deref(media.spec.schema)
        item = self.project(media, resource, record, media.spec.schema)
        if self.contract.is_valid(media, item):
            return item
        props = schema.get("properties", {}) if isinstance(schema, dict) else {}
        if "data" in props:  # an envelope around the record
            envelope = self.template(media, f"{resource.name}:{record.get(resource.id_field)}")
            if isinstance(envelope, dict):
                envelope["data"] = self.project(media, resource, record, props["data"])
                return envelope
        return item


def _stamp(record: Record, props: dict[str, Any], created: bool) -> None:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for field, schema in props.items():
        key = normalise(field)
        if key in UPDATED_FIELDS or (created and key in CREATED_FIELDS):
            if isinstance(schema, dict) and schema.get("type") == "integer":
                record[field] = int(dt.datetime.now(dt.UTC).timestamp())
            elif isinstance(schema, dict) and schema.get("format") == "date-time":
                record[field] = now


def _read_only(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("readOnly") is True
