"""What a client sent, carried into the answer of its POST, PUT or PATCH.

`POST /pets {"name": "Rex"}` answers a pet named Rex: the sent fields the response record has
are merged over the generated (or example) one; readOnly fields (id, createdAt) stay generated
unless the request declares them writable, writeOnly ones (password) never appear. A sent id
where the answer has the nested object (`tenant: 7` -> `tenant: {id: 7, ...}`) goes into it. The
merged answer is checked against its schema and any echoed field that breaks it is put back as
it was. Which fields may be echoed is decided once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson

from mocktui.engine.contract.fields import MISSING, Schemas, convert, walk
from mocktui.engine.contract.media import is_json
from mocktui.engine.data.pools import normalise
from mocktui.engine.spec.model import Operation

ROUNDS = 3  # validate, put back what broke it, again: at most this many times


class Echo:
    """The fields of one operation's request body its response record takes."""

    __slots__ = ("keys", "open", "blocked", "types", "record", "nested")

    def __init__(
        self,
        keys: frozenset[str],
        open_: bool,
        blocked: frozenset[str],
        types: dict[str, list[str]],
        record: tuple[str, ...],
    ) -> None:
        self.keys = keys  # fields both the request and the response record declare
        self.open = open_  # the response record admits fields it does not declare (additionalProperties)
        self.blocked = blocked  # readOnly and writeOnly fields of the response record
        self.types = types
        self.record = record
        # A scalar sent for an object answered (`tenant: 7`, `status: "active"`): the object's field
        # that takes it (`id`, `value`) and the labels that may name it.
        self.nested: dict[str, tuple[str, list[str]]] = {}

    def read(self, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
        """The sent fields this answer may carry, or None (no body, another media type, nothing to echo)."""
        if not body:
            return None
        base = headers.get("content-type", "application/json").split(";")[0].strip().lower()
        sent: Any
        if is_json(base):
            try:
                sent = orjson.loads(body)
            except orjson.JSONDecodeError:
                return None
        elif base == "application/x-www-form-urlencoded":
            sent = {}
            for key, raw in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                typed = convert(raw, self.types.get(key, []))
                sent[key] = raw if typed is MISSING else typed
        else:
            return None
        if not isinstance(sent, dict):
            return None
        out = {k: v for k, v in sent.items() if k not in self.blocked and (k in self.keys or self.open)}
        return out or None

    def merge(self, value: Any, sent: dict[str, Any], valid: Any) -> bool:
        """Merge `sent` into the record inside `value`; True when something was echoed and kept."""
        record = walk(value, self.record)
        if not isinstance(record, dict):
            return False
        before = {k: record[k] for k in sent if k in record}
        for key, given in sent.items():
            mine = record.get(key)
            if key in self.nested and isinstance(mine, dict) and not isinstance(given, (dict, list)):
                record[key] = _nested(mine, given, *self.nested[key])
            else:
                record[key] = _merged(mine, given)
        kept = set(sent)
        for _ in range(ROUNDS):
            broken = _broken(value, valid, self.record, kept)
            if broken is None:
                return bool(kept)
            if not broken:  # the record breaks its schema elsewhere: echo nothing rather than guess
                broken = set(kept)
            for key in broken:
                if key in before:
                    record[key] = before[key]
                else:
                    record.pop(key, None)
            kept -= broken
            if not kept:
                return False
        return bool(kept)


def build_echo(op: Operation, schemas: Schemas, response: Any, record: tuple[str, ...]) -> Echo | None:
    """What of the request body `response`'s record can carry, or None when nothing can."""
    if op.method not in ("POST", "PUT", "PATCH") or op.body is None:
        return None
    target = schemas.props(response)
    for key in record:
        target = schemas.props(target.get(key, {}))
    if not target:
        return None
    requests = [mt.schema for name, mt in op.body.content.items() if mt.schema is not None]
    sent: dict[str, Any] = {}
    free = not requests
    for schema in requests:
        props = schemas.props(schema)
        free = free or not props
        sent.update(props)
    # readOnly fields stay the server's, unless the request declares them writable (PATCH {status}).
    blocked = frozenset(
        k
        for k, v in target.items()
        if schemas.flag(v, "writeOnly")
        or (schemas.flag(v, "readOnly") and (k not in sent or schemas.flag(sent[k], "readOnly")))
    )
    keys = frozenset((set(target) if free else set(sent) & set(target)) - blocked)
    holder: Any = response
    for key in record:
        holder = schemas.props(holder).get(key, {})
    extra = schemas.body(holder).get("additionalProperties")
    open_ = extra is True or (isinstance(extra, dict) and bool(extra))
    if not keys and not open_:
        return None
    types = {k: schemas.types(v) for k, v in sent.items()}
    echo = Echo(keys, open_, blocked, types, record)
    for key in keys & set(sent):
        inner = schemas.props(target[key]) if schemas.is_object(target[key]) else {}
        kinds = set(types.get(key) or ["object"])
        fits = [f for f in ("id", "value") if f in inner and kinds & set(schemas.types(inner[f]) or kinds)]
        field = fits[0] if fits else None
        if field is not None and not {"object", "array"} & kinds:
            labels = schemas.body(inner["label"]).get("enum") if "label" in inner else None
            echo.nested[key] = (field, [str(x) for x in labels] if isinstance(labels, list) else [])
    return echo


def _merged(mine: Any, given: Any) -> Any:
    """`given` over `mine`: objects field by field, lists of objects item by item (the generated
    items lend the fields the client left to the server, such as a line's unit price)."""
    if isinstance(mine, dict) and isinstance(given, dict):
        out = dict(mine)
        for key, value in given.items():
            out[key] = _merged(out.get(key), value)
        return out
    if isinstance(mine, list) and isinstance(given, list) and mine and all(isinstance(m, dict) for m in mine):
        return [_merged(mine[i % len(mine)], item) for i, item in enumerate(given)]
    return given


def _nested(mine: dict[str, Any], given: Any, field: str, labels: list[str]) -> dict[str, Any]:
    """The answered object with the sent scalar in its key field (and the label that spells it)."""
    out = {**mine, field: given}
    if "label" in out and labels:
        wanted = normalise(str(given))
        out["label"] = next((label for label in labels if normalise(label) == wanted), out["label"])
    return out


def _broken(value: Any, valid: Any, record: tuple[str, ...], kept: set[str]) -> set[str] | None:
    """The echoed fields a schema error points into; None when the answer is valid."""
    try:
        errors = list(valid.iter_errors(value))
    except (ValueError, TypeError):
        return set(kept)
    if not errors:
        return None
    out: set[str] = set()
    depth = len(record)
    for error in errors:
        path = list(error.instance_path)
        if path[:depth] == list(record) and len(path) > depth and path[depth] in kept:
            out.add(str(path[depth]))
        elif path[:depth] == list(record) and len(path) == depth:
            out |= kept & _named(error.message)  # `required`/`additionalProperties` errors name the field
    return out


def _named(message: str) -> set[str]:
    return {part.strip("'\"") for part in message.replace(",", " ").split() if part[:1] in "'\""}
