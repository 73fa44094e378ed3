"""A session read as steps and flows: what each request needs from earlier answers, and what it checks.

Shared by the pytest and Postman exports. A *step* is one journal event: its request (with the ids
earlier answers gave replaced by references to them), the status, media type and schema its answer
had. A *flow* is the steps that hang together: a request that uses an id an earlier answer gave joins
that answer's flow, and requests to the same item path share one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl

import orjson

from mocktui.engine.events import RequestEvent
from mocktui.engine.export.samples import checker
from mocktui.engine.export.session import Session
from mocktui.engine.har import is_secret
from mocktui.engine.spec.model import MediaType, Operation, Response, Spec
from mocktui.engine.steer.controls import Controls

NOT_JSON = object()
# Request headers a replay sets itself (or must not send): the client, the connection, the body's length.
SKIPPED_HEADERS = frozenset({
    "host", "content-length", "connection", "accept-encoding", "user-agent", "transfer-encoding", "keep-alive",
    "upgrade", "te", "expect",
})  # fmt: skip
_ID_KEY = re.compile(r"(^|[_-])(id|uuid|key|slug|code)$|[a-z0-9](Id|ID|Uuid|Key)$|^(id|uuid|slug)$", re.I)


@dataclass(frozen=True, slots=True)
class Ref:
    """A value an earlier answer gave: step `step`'s response body at `pointer`."""

    name: str
    step: int
    pointer: str
    number: bool = field(default=False, compare=False)  # where it is used, the value was a number, not text


@dataclass
class Step:
    index: int  # 0-based, session order
    event: RequestEvent
    op: Operation | None
    path: list[str | Ref]  # literal text and references, in order
    query: str
    headers: list[tuple[str, str]]
    body: Any  # JSON (with Refs inside) or NOT_JSON (then `raw` is sent)
    raw: bytes
    media: str  # the answer's media type, "" for none
    schema: str | None = None  # key of the checked response schema in `Exported.schemas`
    keeps: list[Ref] = field(default_factory=list)  # values of this answer later steps use
    flow: int = 0
    steered: bool = False  # the mock was steered for this answer (fault, override, offline, rule...)
    chaos: str | None = None

    @property
    def name(self) -> str:
        words = self.op.id if self.op is not None else f"{self.event.method} {self.event.path}"
        return _snake(words)


@dataclass
class Exported:
    steps: list[Step]
    flows: dict[int, str]  # flow number -> its name
    schemas: dict[str, Any]  # key -> a JSON Schema (2020-12) whose refs point into `defs`
    defs: dict[str, Any]  # the `$defs` every schema shares (their response views: writeOnly left out)


STEERED_CONTROLS = ("delay", "faults", "offline", "rate_limit")  # what a replay sets again
STEERED_TAGS = ("fault", "override", "offline", "rate-limited", "seeding", "replayed", "proxied", "fallback")


def read(session: Session) -> Exported:
    """Steps, flows and the response schemas they check, from the session's events."""
    spec = session.spec
    schemas: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    known = Known()  # the ids answers gave: where each came from, and of what
    steps: list[Step] = []
    parent = list(range(len(session.events)))
    item_owner: dict[str, int] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        parent[find(b)] = find(a)

    for index, event in enumerate(session.events):
        op = _operation(spec, event)
        used: list[Ref] = []
        path = _path(event.path, known, used)
        body, raw = _body(event, known, used)
        headers = [(k, v) for k, v in event.request_headers if k.lower() not in SKIPPED_HEADERS]
        media = _media(event.response_headers)
        step = Step(index, event, op, path, event.query, headers, body, raw, media)
        step.chaos = next((t.split(":", 1)[1] for t in event.tags if t.startswith("chaos:")), None)
        step.steered = bool(event.scenario) or step.chaos is not None or any(t in STEERED_TAGS for t in event.tags)
        step.schema = _schema(spec, op, event, media, schemas, defs)
        for ref in used:
            join(ref.step, index)
            producer = steps[ref.step]
            if ref not in producer.keeps:
                producer.keeps.append(ref)
        item = _item_path(event.path, op)
        if item is not None:
            if item in item_owner:
                join(item_owner[item], index)
            item_owner.setdefault(item, index)
        if 200 <= event.status < 300:  # the first answer that gave a value is where later requests take it
            owner = _noun(_collection(event.path))
            for pointer, value in _identifiers(event.response_body):
                key = pointer.rsplit("/", 1)[-1]
                name = f"{_snake(op.id if op else 'value')}_{index + 1}_{_last(pointer)}"
                known.add(str(value), owner if key.lower() == "id" else _noun(key), Ref(name, index, pointer))
        steps.append(step)
    roots: dict[int, int] = {}
    names: dict[int, str] = {}
    for step in steps:
        root = find(step.index)
        if root not in roots:
            roots[root] = len(roots) + 1
            names[roots[root]] = _flow_name(step)
        step.flow = roots[root]
    return Exported(steps, names, schemas, defs)


def _snake(text: str) -> str:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^a-zA-Z0-9]+", "_", text).strip("_").lower() or "step"


def _last(pointer: str) -> str:
    return _snake(pointer.rsplit("/", 1)[-1]) or "value"


def _flow_name(step: Step) -> str:
    segments = [s for s in step.event.path.split("/") if s and not s.startswith("{")]
    if step.op is not None and step.op.tags:
        return _snake(step.op.tags[0])
    return _snake(segments[-1] if segments else "root")


def _operation(spec: Spec, event: RequestEvent) -> Operation | None:
    if event.operation is None:
        return None
    return next((op for op in spec.operations if op.id == event.operation), None)


class Known:
    """Ids earlier answers gave, by value and by what they are the id of (`product`: from `/products` or a
    `productId` field): ids of different collections are often the same numbers."""

    def __init__(self) -> None:
        self._by_value: dict[str, dict[str, Ref]] = {}

    def add(self, value: str, noun: str, ref: Ref) -> None:
        self._by_value.setdefault(value, {}).setdefault(noun, ref)  # the first answer that gave it

    def find(self, value: str, noun: str) -> Ref | None:
        """The answer that gave `value` as an id of `noun`; or, said of nothing, the one answer that gave it."""
        found = self._by_value.get(value, {})
        if noun:
            return found.get(noun)
        return next(iter(found.values())) if len(found) == 1 else None


def _noun(word: str) -> str:
    """What an id is the id of, in one spelling: `products`, `productId`, `product_id` are `product`."""
    word = re.sub(r"(_?id|Id|ID)$", "", word).lower().replace("-", "").replace("_", "")
    return word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") else word


def _collection(path: str) -> str:
    """The last literal segment of a path: `/api/v1/products/7` -> products (ids are digits or long tokens)."""
    literal = [s for s in path.split("/") if s and not s.isdigit() and not _TOKEN.match(s)]
    return literal[-1] if literal else ""


_TOKEN = re.compile(r"^(?=.*\d)[\w-]{8,}$")


def _path(path: str, known: Known, used: list[Ref]) -> list[str | Ref]:
    """The path with each segment an earlier answer gave as a reference (the id of what the segment before names)."""
    out: list[str | Ref] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if i:
            out.append("/")
        ref = known.find(segment, _noun(segments[i - 1]) if i else "") if segment else None
        if ref is not None:
            used.append(ref)
            out.append(ref)
        elif segment:
            out.append(segment)
    merged: list[str | Ref] = []
    for part in out:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def _body(event: RequestEvent, known: Known, used: list[Ref]) -> tuple[Any, bytes]:
    raw = event.request_body
    if not raw:
        return NOT_JSON, raw
    media = next((v for k, v in event.request_headers if k.lower() == "content-type"), "")
    if "json" not in media.lower():
        return NOT_JSON, raw
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return NOT_JSON, raw

    def chained(node: Any, key: str) -> Any:
        if isinstance(node, dict):
            return {k: chained(v, str(k)) for k, v in node.items()}
        if isinstance(node, list):
            return [chained(v, key) for v in node]
        if isinstance(node, (str, int)) and not isinstance(node, bool) and _ID_KEY.search(key):
            ref = known.find(str(node), _noun(key) if key.lower() != "id" else "")
            if ref is not None:
                used.append(ref)
                return replace(ref, number=isinstance(node, int))
        return node

    return chained(value, ""), raw


def _identifiers(body: bytes) -> list[tuple[str, Any]]:
    """(pointer, value) of every id-like field of a JSON answer, at any depth."""
    try:
        value = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return []
    out: list[tuple[str, Any]] = []

    def walk(node: Any, pointer: str, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{pointer}/{str(k).replace('~', '~0').replace('/', '~1')}", str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node[:200]):
                walk(v, f"{pointer}/{i}", key)
        elif isinstance(node, (str, int)) and not isinstance(node, bool) and _ID_KEY.search(key):
            if str(node) and len(str(node)) >= 1 and not is_secret(key):
                out.append((pointer, node))

    walk(value, "", "")
    return out


def _item_path(path: str, op: Operation | None) -> str | None:
    """The concrete path of an item (`/orders/17`) when the operation's path ends in a parameter."""
    if op is None or not op.path.rstrip("/").endswith("}"):
        return None
    return path


def _media(headers: list[tuple[str, str]]) -> str:
    value = next((v for k, v in headers if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def declared(op: Operation, status: int) -> Response | None:
    """The response an operation declares for `status`: exact, its `NXX` range, or `default`."""
    code = str(status)
    return op.responses.get(code) or op.responses.get(f"{code[0]}XX") or op.responses.get("default")


def media_of(response: Response, media: str) -> MediaType | None:
    if media in response.content:
        return response.content[media]
    for name, found in response.content.items():
        major, _, minor = name.partition("/")
        if name == "*/*" or (minor == "*" and media.startswith(major + "/")):
            return found
    return None


def response_schema(spec: Spec, op: Operation, status: int, media: str) -> Any:
    """The self-contained JSON Schema of the answer `op` declares for `status` in `media`, or None."""
    response = declared(op, status)
    found = media_of(response, media) if response is not None else None
    if found is None or found.schema is None or "json" not in media:
        return None
    return spec.schemas.bundle(found.schema, "writeOnly")


def _schema(
    spec: Spec, op: Operation | None, event: RequestEvent, media: str, schemas: dict[str, Any], defs: dict[str, Any]
) -> str | None:
    """The key of the schema this answer is checked against: only when the session's answer met it (the
    mock's own answers, such as a problem+json 503 while offline, are checked for status and type only)."""
    if op is None or "response_body" in event.truncated:
        return None
    schema = response_schema(spec, op, event.status, media)
    if not isinstance(schema, dict):  # none declared, or `true`: nothing to check
        return None
    try:
        body = orjson.loads(event.response_body)
    except orjson.JSONDecodeError:
        return None
    if not checker(schema).is_valid(body):
        return None
    key = f"{op.id} {event.status} {media}"
    schemas[key] = shared(schema, defs)
    return key


def shared(bundle: Any, defs: dict[str, Any]) -> Any:
    """A bundled schema without its `$defs`, which join `defs` (one table for a whole export: a spec's
    schemas reach the same defs, and Stripe's would fill hundreds of megabytes bundled one by one)."""
    if not isinstance(bundle, dict):
        return bundle
    defs.update(bundle.get("$defs", {}))
    return {k: v for k, v in bundle.items() if k != "$defs"}


def query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


# -- steering ------------------------------------------------------------------------------------


def steering(session: Session, exported: Exported) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The distinct steering states of the session (faults pinned per request) and each step's state."""
    states: list[dict[str, Any]] = []
    seen: dict[bytes, int] = {}
    step_state: dict[int, int] = {}
    for step in exported.steps:
        state = _state(session.controls_at(step.event.time), step)
        key = orjson.dumps(state, option=orjson.OPT_SORT_KEYS)
        if key not in seen:
            seen[key] = len(states)
            states.append(state)
        step_state[step.index] = seen[key]
    return states, step_state


def _state(controls: Controls, step: Step) -> dict[str, Any]:
    snapshot = controls.snapshot()
    wanted = {name: snapshot[name] for name in STEERED_CONTROLS}
    overrides: dict[str, dict[str, Any]] = dict(snapshot["overrides"])
    op = step.op.id if step.op is not None else None
    own = overrides.get(op or "", {})
    faults = dict(wanted["faults"])
    if own.get("error_rate"):  # this route's own error rate decides
        overrides[op or ""] = {**own, "error_rate": 100.0 if "fault" in step.event.tags else 0.0}
        if "fault" in step.event.tags:
            faults["mix"] = {str(step.event.status): 1.0}
    elif faults["error_rate"]:
        faults["error_rate"] = 100.0 if "fault" in step.event.tags else 0.0
        if "fault" in step.event.tags:
            faults["mix"] = {str(step.event.status): 1.0}
    if own.get("chaos"):
        overrides[op or ""] = {**overrides[op or ""], "chaos": {step.chaos: 100.0} if step.chaos else {}}
    elif faults["chaos"]:
        faults["chaos"] = {step.chaos: 100.0} if step.chaos else {}
    wanted["faults"] = faults
    return {"controls": wanted, "overrides": overrides}


def redacted(name: str, value: str) -> str:
    """A stand-in of a recorded secret that keeps its shape (`Bearer ...`), so the mock's checks pass."""
    scheme, _, rest = value.partition(" ")
    if name.lower() in ("authorization", "proxy-authorization") and rest:
        return f"{scheme} {'cmVkYWN0ZWQ6cmVkYWN0ZWQ=' if scheme.lower() == 'basic' else 'redacted'}"
    if name.lower() == "cookie":
        return "; ".join(f"{p.split('=', 1)[0].strip()}=redacted" for p in value.split(";") if "=" in p)
    return "redacted"
