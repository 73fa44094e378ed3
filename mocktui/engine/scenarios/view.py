"""The request as conditions, templates and hooks see it: paths, query, cookies, body, a template scope."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import orjson

from mocktui.engine.contract.media import is_json
from mocktui.engine.data.templates import Lookup, Scope
from mocktui.engine.http import MockRequest
from mocktui.engine.spec.model import Operation

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder
    from mocktui.engine.stateful.crud import Stateful

    pass


MISSING: Any = object()  # a value that is not there (None is JSON null)


# -- the request as conditions, templates and hooks see it ----------------------------------


class RequestView:
    """One request, parsed lazily: most rules never look at the body."""

    def __init__(
        self,
        contract: Responder,
        state: Stateful | None,
        op: Operation | None,
        request: MockRequest,
        params: dict[str, str],
    ) -> None:
        self.contract = contract
        self.state = state
        self.op = op
        self.request = request
        self.params = params
        self.method = request.method.upper()
        self.headers = request.headers
        self.captures: dict[str, str] = {}  # `{name}` segments of the rule path that matched

    @cached_property
    def paths(self) -> tuple[str, ...]:
        """The path as sent, without the base path, and percent-decoded."""
        path = self.request.path.split("?", 1)[0]
        out = [path]
        base = self.contract.spec.base_path
        if base and (path == base or path.startswith(base + "/")):
            out.append(path[len(base) :] or "/")
        if "%" in path:
            out.extend([unquote(p) for p in out])
        out = [p.rstrip("/") if len(p) > 1 else p for p in out]
        return tuple(dict.fromkeys(out))

    @cached_property
    def query_lists(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in parse_qsl(self.request.query, keep_blank_values=True):
            out.setdefault(name, []).append(value)
        return out

    @cached_property
    def query(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.query_lists.items()}

    @cached_property
    def cookies(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                out.setdefault(name, unquote(value.strip().strip('"')))
        return out

    @cached_property
    def json(self) -> Any:
        """The body as JSON (or form fields); `MISSING` when there is none or it cannot be read."""
        body = self.request.body
        if not body:
            return MISSING
        ctype = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded":
            return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if ctype and not is_json(ctype):
            return MISSING
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return MISSING

    @property
    def body(self) -> Any:
        """The JSON body or None."""
        value = self.json
        return None if value is MISSING else value

    def scope(self, rng: random.Random, count: int = 0) -> Scope:
        """The names a template can use."""
        now = dt.datetime.now(dt.UTC)
        state = self.state
        return Scope(
            {
                "path": lambda: {**self.captures, **self.params},
                "query": lambda: self.query,
                "headers": lambda: _Headers(self.headers),
                "cookies": lambda: self.cookies,
                "body": lambda: self.body,
                "faker": lambda: _Faker(self.contract, rng),
                "store": lambda: _Store(state),
                "uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "now": lambda: now.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "timestamp": lambda: int(now.timestamp()),
                "method": lambda: self.method,
                "call": lambda: count,
            }
        )


class _Headers(Lookup):
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers

    def lookup(self, key: Any) -> Any:
        return self.headers.get(str(key).lower())

    def value(self) -> Any:
        return dict(self.headers)


class _Faker(Lookup):
    def __init__(self, contract: Responder, rng: random.Random) -> None:
        self.pools = contract.generator.pools
        self.rng = rng

    def lookup(self, key: Any) -> Any:
        return self.pools.pick(str(key), self.rng) if isinstance(key, str) and not key.startswith("_") else None


class _Store(Lookup):
    def __init__(self, state: Any) -> None:
        self.state = state

    def lookup(self, key: Any) -> Any:
        return _Collection(self.state, str(key)) if self.state is not None else None


class _Collection(Lookup):
    def __init__(self, state: Any, name: str) -> None:
        self.state = state
        self.name = name

    def lookup(self, key: Any) -> Any:
        if key is None:
            return None
        raw = str(int(key)) if isinstance(key, float) and key.is_integer() else str(key)
        record = self.state.record(self.name, raw)
        if record is None:  # named by a unique field (/users/{email})
            resource = self.state.resources.get(self.name)
            for unique in resource.unique if resource is not None else []:
                found = self.state.store.find(self.name, unique, raw)
                if found is not None:
                    return self.state.record(self.name, found)
        return record

    def value(self) -> Any:
        return self.state.records(self.name, 0, 100)
