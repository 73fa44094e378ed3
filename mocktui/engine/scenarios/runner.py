"""Scenarios: rules, hooks and built-in packs that decide how to answer a request.

`Scenarios.load(engine, rules_file, hooks_file, packs)` reads and checks everything once;
`decide(op, request, params)` then answers "does a scenario take this request, and how?" with
a `Decision`, or None to let the mock answer as usual. Nothing here knows HTTP frameworks: the
caller turns a `Decision` into bytes (`respond` below builds the `MockResponse`; delays and
faults are the server's to carry out).

Order: the rules file first (in file order), then hooks (in definition order), then the enabled
packs (payments, auth, variants). The first that takes the request decides.

**Rules file** (YAML): a list of rules, or `{rules: [...]}`::

    - name: first order fails, then works      # optional; "rule N" otherwise
      when:
        method: POST                  # or [GET, POST]
        path: /orders*                # glob: * any characters, ? one, {id} one segment (captured)
        operation: createOrder        # operationId (or a list)
        query: {status: pending}      # equality, or {regex|gt|gte|lt|lte|in|not_in|exists|eq|ne|contains: ...}
        headers: {x-env: staging}     # case-insensitive names
        cookies: {session: abc}
        body: {/amount: {gt: 10000}, $.card.number: "4000000000000002"}   # JSON pointer or $.a.b[0]
        call: 1                       # the n-th request that meets the other conditions (or [1, 3])
        calls: {every: 3}             # or {after: 2} / {first: 2}
      then:
        status: 500
        headers: {Retry-After: "2"}   # values may be templates
        body: {error: try again}      # JSON (strings in it may be templates), or a string
        template: '{"id": "{{ uuid }}"}'   # see templates.py
        example: declined             # a named example of the operation's response
        content_type: application/json
        delay: 250                    # ms, or "100-300"
        fault: reset                  # reset | hang | truncate | drip
      enabled: true

A list as a condition value means `in`. Values compare as text, so `amount: 12` matches the
JSON number 12 and the string "12". A condition on a missing value fails, except `exists: false`
and `ne`. `call`/`calls` count, per rule, every request that meets the rule's other conditions,
whether or not an earlier rule took it, so `call: 1` and `call: 2` in two rules mean the first
and the second such request.

**Hooks file** (Python): functions decorated with `on`; each gets a `HookRequest` and returns
None (pass), a dict with the keys of `then`, or a `Decision`::

    from mocktui.engine.scenarios.runner import on

    @on("POST", "/orders")            # or @on(operation="createOrder"), or @on() for every request
    def big_orders(request):
        if request.json.get("total", 0) > 1000:
            return {"status": 402, "body": {"error": "limit"}}

A hook that raises does not stop the server: the request gets a 500 naming the error in
`X-Mocktui-Hook-Error`, and the error is logged and kept in `Scenarios.hook_errors`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib.util
import logging
import random
import re
import sys
import threading
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, unquote

import orjson
import yaml

from mocktui.engine.steer.controls import CHAOS_KINDS
from mocktui.engine.contract.media import encode, is_json
from mocktui.engine.pipeline import MockResponse, header_value, problem, status_of
from mocktui.engine.spec.model import METHODS, Operation
from mocktui.engine.data.templates import Lookup, Scope, Template, TemplateError, compile_template

if TYPE_CHECKING:
    from mocktui.engine.pipeline import MockEngine, MockRequest
    from mocktui.engine.scenarios.packs.builtin import Pack

log = logging.getLogger("mocktui.scenarios")

RULE_KEYS = ("name", "enabled", "when", "then")
WHEN_KEYS = ("method", "path", "operation", "query", "headers", "cookies", "body", "call", "calls")
THEN_KEYS = ("status", "headers", "body", "template", "example", "content_type", "delay", "fault")
OPERATORS = ("eq", "ne", "regex", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "contains")
CALLS_KEYS = ("every", "after", "first")
HTTP_METHODS = tuple(m.upper() for m in METHODS)
HOOK_ERROR_HEADER = "X-Mocktui-Hook-Error"
_MISSING: Any = object()
_TOKEN_CHARS = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*(ms|s)?\s*$")


class ScenarioError(Exception):
    """The rules, hooks or pack names cannot be used; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Decision:
    """How a scenario answers one request; None fields keep what the mock would do."""

    rule: str  # shown in the request log ("payments: declined card")
    status: int | None = None  # None: keep the mock's normal status
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None  # already encoded
    content_type: str | None = None
    example: str | None = None  # answer with this named spec example instead of a body
    delay_ms: float = 0.0
    fault: str | None = None  # reset | hang | truncate | drip | None
    # Changes the mock's normal response instead of replacing it (the variants pack).
    transform: Callable[[MockResponse], MockResponse] | None = None
    notes: list[str] = field(default_factory=list)  # what went wrong (a failing hook), for the log


# -- the request as conditions, templates and hooks see it ----------------------------------


class RequestView:
    """One request, parsed lazily: most rules never look at the body."""

    def __init__(self, engine: MockEngine, op: Operation | None, request: MockRequest, params: dict[str, str]):
        self.engine = engine
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
        base = self.engine.spec.base_path
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
        """The body as JSON (or form fields); `_MISSING` when there is none or it cannot be read."""
        body = self.request.body
        if not body:
            return _MISSING
        ctype = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded":
            return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        if ctype and not is_json(ctype):
            return _MISSING
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return _MISSING

    @property
    def body(self) -> Any:
        """The JSON body or None."""
        value = self.json
        return None if value is _MISSING else value

    def scope(self, rng: random.Random, count: int = 0) -> Scope:
        """The names a template can use."""
        now = dt.datetime.now(dt.UTC)
        state = self.engine.state
        return Scope(
            {
                "path": lambda: {**self.captures, **self.params},
                "query": lambda: self.query,
                "headers": lambda: _Headers(self.headers),
                "cookies": lambda: self.cookies,
                "body": lambda: self.body,
                "faker": lambda: _Faker(self.engine, rng),
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
    def __init__(self, engine: MockEngine, rng: random.Random) -> None:
        self.pools = engine.generator.pools
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


# -- conditions ----------------------------------------------------------------------------


def _canon(value: Any) -> str:
    """Values compare as text: 12, 12.0 and "12" are one value; true is "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return str(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is _MISSING or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


Check = Callable[[Any], bool]


def _compare(op: str, bound: float) -> Check:
    def check(value: Any) -> bool:
        number = _number(value)
        if number is None:
            return False
        if op == "gt":
            return number > bound
        if op == "gte":
            return number >= bound
        if op == "lt":
            return number < bound
        return number <= bound

    return check


class _Site:
    """Where a rule's parts are written, to name them in errors: `file:line: rule N (name): field: reason`."""

    def __init__(
        self,
        file: str,
        label: str,
        line: int,
        problems: list[str],
        keys: dict[tuple[Any, ...], int] | None = None,
        starts: dict[tuple[Any, ...], tuple[int, bool]] | None = None,
    ) -> None:
        self.file = file
        self.label = label
        self.base = line
        self.problems = problems
        self.keys = keys or {}
        self.starts = starts or {}  # scalar value -> (line, block style)

    def line(self, path: tuple[Any, ...]) -> int:
        for end in range(len(path), 0, -1):
            if path[:end] in self.keys:
                return self.keys[path[:end]]
        return self.base

    def error(self, path: tuple[Any, ...], reason: str, line: int | None = None) -> None:
        name = _field(path)
        where = f"{self.file}:{line or self.line(path)}"
        self.problems.append(f"{where}: {self.label}: {name}: {reason}" if name else f"{where}: {self.label}: {reason}")

    def template(self, path: tuple[Any, ...], text: str, roots: tuple[str, ...] | None = None) -> Template | None:
        try:
            template = compile_template(text) if roots is None else compile_template(text, roots)
        except TemplateError as exc:
            line = self.line(path)
            if path in self.starts:
                start, block = self.starts[path]
                line = start + (1 if block else 0) + text[: exc.offset].count("\n")
            near = text[exc.offset : exc.offset + 24].split("\n", 1)[0]
            self.error(path, f"template: {exc.message}, at {near!r}" if near else f"template: {exc.message}", line)
            return None
        return template


def _field(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_keys(site: _Site, value: dict[str, Any], known: Sequence[str], path: tuple[Any, ...]) -> None:
    for key in value:
        if key not in known:
            site.error((*path, key), f"unknown key{_suggest(str(key), known)}; known: {', '.join(known)}")


def _equals(wanted: Any) -> Check:
    text = _canon(wanted)
    return lambda v: v is not _MISSING and _canon(v) == text


def _differs(wanted: Any) -> Check:
    text = _canon(wanted)
    return lambda v: v is _MISSING or _canon(v) != text


def _one_of(choices: list[Any], inside: bool = True) -> Check:
    texts = {_canon(v) for v in choices}
    if inside:
        return lambda v: v is not _MISSING and _canon(v) in texts
    return lambda v: v is _MISSING or _canon(v) not in texts


def _searches(pattern: re.Pattern[str]) -> Check:
    return lambda v: v is not _MISSING and v is not None and bool(pattern.search(_canon(v)))


def _exists(wanted: bool) -> Check:
    return lambda v: (v is not _MISSING) == wanted


def _holds(needle: Any) -> Check:
    return lambda v: _contains(v, needle)


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _matcher(site: _Site, spec: Any, path: tuple[Any, ...]) -> Check | None:
    """A condition on one value (`_MISSING` when absent)."""
    if isinstance(spec, list):
        return _one_of(spec)
    if not isinstance(spec, dict):
        return _equals(spec)
    if not spec:
        site.error(path, "empty condition; give a value or an operator: " + ", ".join(OPERATORS))
        return None
    checks: list[Check] = []
    ok = True
    for op, arg in spec.items():
        where = (*path, op)
        if op not in OPERATORS:
            site.error(where, f"unknown operator{_suggest(str(op), OPERATORS)}; known: {', '.join(OPERATORS)}")
            ok = False
        elif op in ("eq", "ne"):
            checks.append(_equals(arg) if op == "eq" else _differs(arg))
        elif op == "regex":
            try:
                pattern = re.compile(str(arg))
            except re.error as exc:
                site.error(where, f"bad regex {arg!r}: {exc}")
                ok = False
                continue
            checks.append(_searches(pattern))
        elif op in ("gt", "gte", "lt", "lte"):
            if isinstance(arg, bool) or not isinstance(arg, (int, float)):
                site.error(where, f"expected a number, got {arg!r}")
                ok = False
                continue
            checks.append(_compare(op, float(arg)))
        elif op in ("in", "not_in"):
            if not isinstance(arg, list):
                site.error(where, f"expected a list, got {arg!r}")
                ok = False
                continue
            checks.append(_one_of(arg, op == "in"))
        elif op == "exists":
            if not isinstance(arg, bool):
                site.error(where, f"expected true or false, got {arg!r}")
                ok = False
                continue
            checks.append(_exists(arg))
        else:  # contains
            checks.append(_holds(arg))
    return _all(checks) if ok else None


def _contains(value: Any, needle: Any) -> bool:
    if isinstance(value, str):
        return _canon(needle) in value
    if isinstance(value, list):
        wanted = _canon(needle)
        return any(_canon(item) == wanted for item in value)
    if isinstance(value, dict):
        return str(needle) in value
    return False


_JSONPATH_STEP = re.compile(r"\.([A-Za-z0-9_$@-]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]")


def parse_location(text: str) -> list[str] | None:
    """A body location: JSON pointer (`/a/b/0`), `$.a.b[0]` or `a.b.0`; None when it cannot be read."""
    if text == "" or text == "$":
        return []
    if text.startswith("/"):
        return [t.replace("~1", "/").replace("~0", "~") for t in text.split("/")[1:]]
    if text.startswith("$"):
        tokens: list[str] = []
        pos = 1
        while pos < len(text):
            match = _JSONPATH_STEP.match(text, pos)
            if match is None:
                return None
            tokens.append(next(g for g in match.groups() if g is not None))
            pos = match.end()
        return tokens
    if ".." in text or text.startswith(".") or text.endswith("."):
        return None
    return text.split(".")


def resolve(value: Any, tokens: list[str]) -> Any:
    """The value at `tokens` in a JSON value, or `_MISSING`."""
    for token in tokens:
        if isinstance(value, dict):
            if token not in value:
                return _MISSING
            value = value[token]
        elif isinstance(value, list) and token.lstrip("-").isdigit() and -len(value) <= int(token) < len(value):
            value = value[int(token)]
        else:
            return _MISSING
    return value


def glob(pattern: str) -> re.Pattern[str]:
    """A path glob: `*` any characters, `?` one character, `{name}` one segment (captured)."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
            out.append(".*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            name = pattern[i + 1 : end]
            out.append(f"(?P<{name}>[^/]+)" if name.isidentifier() else "[^/]+")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    text = "".join(out)
    if len(pattern) > 1 and pattern.endswith("/"):
        text = text[: -len(re.escape("/"))]
    return re.compile(text)


def _methods(site: _Site, value: Any, path: tuple[Any, ...]) -> frozenset[str] | None:
    names = value if isinstance(value, list) else [value]
    out = set()
    for name in names:
        if not isinstance(name, str) or name.upper() not in HTTP_METHODS:
            site.error(path, f"unknown method {name!r}; known: {', '.join(HTTP_METHODS)}")
            return None
        out.add(name.upper())
    return frozenset(out)


def _operations(site: _Site, engine: MockEngine, value: Any, path: tuple[Any, ...]) -> frozenset[str] | None:
    names = value if isinstance(value, list) else [value]
    out = set()
    for name in names:
        if not isinstance(name, str) or name not in engine.operations:
            hint = _suggest(str(name), engine.operations) if isinstance(name, str) else ""
            site.error(path, f"unknown operationId {name!r}{hint}: not in {engine.spec.file}")
            return None
        out.add(name)
    return frozenset(out)


def _path_glob(site: _Site, value: Any, path: tuple[Any, ...]) -> re.Pattern[str] | None:
    if not isinstance(value, str) or not value.startswith(("/", "*")):
        site.error(path, f"expected a path glob starting with '/', e.g. /orders/*, got {value!r}")
        return None
    return glob(value)


@dataclass
class _When:
    methods: frozenset[str] | None = None
    operations: frozenset[str] | None = None
    path: re.Pattern[str] | None = None
    checks: list[Callable[[RequestView], bool]] = field(default_factory=list)
    call: Callable[[int], bool] | None = None

    def matches(self, view: RequestView) -> bool:
        if self.methods is not None and view.method not in self.methods:
            return False
        if self.operations is not None and (view.op is None or view.op.id not in self.operations):
            return False
        if self.path is not None:
            for candidate in view.paths:
                found = self.path.fullmatch(candidate)
                if found is not None:
                    view.captures = {k: v for k, v in found.groupdict().items() if v is not None}
                    break
            else:
                return False
        return all(check(view) for check in self.checks)

    def could_answer(self, op: Operation, base: str) -> bool:
        """Whether this `when` can match requests of `op` (to check example names at load)."""
        if self.methods is not None and op.method not in self.methods:
            return False
        if self.operations is not None and op.id not in self.operations:
            return False
        if self.path is not None:
            return any(self.path.fullmatch(p) is not None for p in (op.path, base + op.path))
        return True


def _compile_when(site: _Site, engine: MockEngine, when: Any, path: tuple[Any, ...] = ("when",)) -> _When | None:
    out = _When()
    if when is None:
        return out
    if not isinstance(when, dict):
        site.error(path, f"expected a mapping of conditions ({', '.join(WHEN_KEYS)}), got {when!r}")
        return None
    before = len(site.problems)
    _unknown_keys(site, when, WHEN_KEYS, path)
    if "method" in when:
        out.methods = _methods(site, when["method"], (*path, "method"))
    if "operation" in when:
        out.operations = _operations(site, engine, when["operation"], (*path, "operation"))
    if "path" in when:
        out.path = _path_glob(site, when["path"], (*path, "path"))
    for part in ("headers", "query", "cookies"):
        if part not in when:
            continue
        conditions = when[part]
        if not isinstance(conditions, dict):
            site.error((*path, part), f"expected a mapping of names to conditions, got {conditions!r}")
            continue
        for name, spec in conditions.items():
            check = _matcher(site, spec, (*path, part, name))
            if check is not None:
                out.checks.append(_part_check(part, str(name), check))
    if "body" in when:
        conditions = when["body"]
        if not isinstance(conditions, dict):
            site.error((*path, "body"), f"expected a mapping of JSON pointers to conditions, got {conditions!r}")
        else:
            for location, spec in conditions.items():
                tokens = parse_location(str(location))
                if tokens is None:
                    site.error(
                        (*path, "body", location),
                        f"cannot read {location!r}: use a JSON pointer (/a/b/0) or a simple JSONPath ($.a.b[0])",
                    )
                    continue
                check = _matcher(site, spec, (*path, "body", location))
                if check is not None:
                    out.checks.append(_body_check(tokens, check))
    calls: list[Callable[[int], bool]] = []
    if "call" in when:
        value = when["call"]
        numbers = value if isinstance(value, list) else [value]
        if not numbers or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in numbers):
            site.error((*path, "call"), f"expected a call number from 1 (or a list of them), got {value!r}")
        else:
            calls.append(_nth(frozenset(numbers)))
    if "calls" in when:
        value = when["calls"]
        if not isinstance(value, dict) or not value:
            site.error((*path, "calls"), f"expected {{every: N}}, {{after: N}} or {{first: N}}, got {value!r}")
        else:
            _unknown_keys(site, value, CALLS_KEYS, (*path, "calls"))
            for key, n in value.items():
                if key not in CALLS_KEYS:
                    continue
                low = 0 if key == "after" else 1
                if not isinstance(n, int) or isinstance(n, bool) or n < low:
                    site.error((*path, "calls", key), f"expected a whole number from {low}, got {n!r}")
                    continue
                calls.append(_counting(key, n))
    if calls:
        out.call = calls[0] if len(calls) == 1 else (lambda n: all(c(n) for c in calls))
    return out if len(site.problems) == before else None


def _body_check(tokens: list[str], check: Check) -> Callable[[RequestView], bool]:
    return lambda view: check(resolve(view.json, tokens))


def _nth(numbers: frozenset[int]) -> Callable[[int], bool]:
    return lambda n: n in numbers


def _counting(key: str, k: int) -> Callable[[int], bool]:
    if key == "every":
        return lambda n: n % k == 0
    if key == "after":
        return lambda n: n > k
    return lambda n: n <= k


def _part_check(part: str, name: str, check: Check) -> Callable[[RequestView], bool]:
    if part == "headers":
        key = name.lower()
        return lambda view: check(view.headers.get(key, _MISSING))
    if part == "cookies":
        return lambda view: check(view.cookies.get(name, _MISSING))

    def query(view: RequestView) -> bool:
        values = view.query_lists.get(name)
        return check(_MISSING) if values is None else any(check(v) for v in values)

    return query


# -- responders ----------------------------------------------------------------------------


@dataclass
class _Then:
    status: int | None = None
    headers: list[tuple[str, Template]] = field(default_factory=list)
    body: Any = _MISSING  # JSON with Templates for templated strings, or a Template for a text body
    template: Template | None = None
    example: str | None = None
    content_type: str | None = None
    delay: tuple[float, float] | None = None
    fault: str | None = None
    dynamic: bool | None = None  # whether any part reads the request (known after the first use)

    def decide(self, name: str, view: RequestView, rng: random.Random, count: int = 0) -> Decision:
        if self.dynamic is None:
            self.dynamic = self._needs_scope()
        scope = view.scope(rng, count) if self.dynamic else None
        headers = [(n, header_value(t.render(scope) if scope is not None else t.source)) for n, t in self.headers]
        body: bytes | None = None
        ctype = self.content_type
        if isinstance(self.body, Template):  # a text body
            assert scope is not None or not self.body.dynamic
            text = self.body.render(scope) if scope is not None else self.body.source
            body, ctype = text.encode(), ctype or "text/plain; charset=utf-8"
        elif self.body is not _MISSING:
            value = _render_tree(self.body, scope) if scope is not None else self.body
            ctype = ctype or "application/json"
            body = orjson.dumps(value) if is_json(ctype) else encode(value, ctype.split(";")[0].strip(), rng)
        elif self.template is not None:
            wanted = ctype or "application/json"
            text = self.template.render(scope or {}, json_escape=is_json(wanted))
            if ctype is None and not _is_json_text(text):
                wanted = "text/plain; charset=utf-8"
            body, ctype = text.encode(), wanted
        delay = 0.0
        if self.delay is not None:
            low, high = self.delay
            delay = low if low == high else rng.uniform(low, high)
        return Decision(
            rule=name,
            status=self.status,
            headers=headers,
            body=body,
            content_type=ctype if body is not None else None,
            example=self.example,
            delay_ms=delay,
            fault=self.fault,
        )

    def _needs_scope(self) -> bool:
        return (
            any(t.dynamic for _, t in self.headers)
            or self.template is not None
            or (isinstance(self.body, Template) and self.body.dynamic)
            or _has_template(self.body)
        )


def _has_template(value: Any) -> bool:
    if isinstance(value, Template):
        return value.dynamic
    if isinstance(value, dict):
        return any(_has_template(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_template(v) for v in value)
    return False


def _render_tree(value: Any, scope: Mapping[str, Any]) -> Any:
    if isinstance(value, Template):
        return value.value(scope)
    if isinstance(value, dict):
        return {k: _render_tree(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_tree(v, scope) for v in value]
    return value


def _is_json_text(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _compile_tree(site: _Site, value: Any, path: tuple[Any, ...], engine: MockEngine) -> Any:
    """A JSON body whose strings may be templates."""
    if isinstance(value, str):
        if "{{" not in value:
            return value
        template = site.template(path, value)
        if template is not None:
            _check_template(site, template, path, engine)
        return template if template is not None else value
    if isinstance(value, dict):
        return {str(k): _compile_tree(site, v, (*path, k), engine) for k, v in value.items()}
    if isinstance(value, list):
        return [_compile_tree(site, v, (*path, i), engine) for i, v in enumerate(value)]
    return value


def _check_template(site: _Site, template: Template, path: tuple[Any, ...], engine: MockEngine) -> None:
    """Names that only the running mock could reject, checked now: Faker providers."""
    for root, steps in template.paths:
        if root == "faker":
            provider = steps[0] if steps else None
            if not isinstance(provider, str):
                site.error(path, "template: faker needs a provider, e.g. {{ faker.email }}")
            elif provider.startswith("_") or not engine.generator.pools.has(provider):
                site.error(path, f"template: unknown Faker provider {provider!r}")
        elif root == "store" and not (steps and isinstance(steps[0], str)):
            site.error(path, "template: store needs a collection, e.g. {{ store.users[path.id] }}")


def _status(site: _Site, value: Any, path: tuple[Any, ...]) -> int | None:
    number = int(value) if isinstance(value, str) and value.isdigit() else value
    if isinstance(number, bool) or not isinstance(number, int) or not 100 <= number <= 599:
        site.error(path, f"bad status {value!r}: expected an HTTP status 100-599")
        return None
    return number


def _delay(site: _Site, value: Any, path: tuple[Any, ...]) -> tuple[float, float] | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value), float(value)
    match = _DELAY.match(value) if isinstance(value, str) else None
    if match is None:
        site.error(path, f'expected milliseconds (250) or a range ("100-300"), got {value!r}')
        return None
    scale = 1000.0 if match.group(3) == "s" else 1.0
    low = float(match.group(1)) * scale
    high = float(match.group(2)) * scale if match.group(2) else low
    if low > high:
        site.error(path, f"the range {value!r} ends below its start")
        return None
    return low, high


def _compile_then(
    site: _Site, engine: MockEngine, then: Any, ops: list[Operation] | None, path: tuple[Any, ...] = ("then",)
) -> _Then | None:
    """Compile a `then` mapping; `ops` are the operations the rule can answer (None: unknown)."""
    if not isinstance(then, dict) or not then:
        site.error(path, f"expected a mapping with any of {', '.join(THEN_KEYS)}, got {then!r}")
        return None
    before = len(site.problems)
    out = _Then()
    values = dict(then)
    if "content-type" in values and "content_type" not in values:
        values["content_type"] = values.pop("content-type")
    _unknown_keys(site, values, THEN_KEYS, path)
    if "status" in values:
        out.status = _status(site, values["status"], (*path, "status"))
    headers = values.get("headers")
    if headers is not None:
        if not isinstance(headers, dict):
            site.error((*path, "headers"), f"expected a mapping of header names to values, got {headers!r}")
        else:
            for name, value in headers.items():
                where = (*path, "headers", name)
                if not isinstance(name, str) or not _TOKEN_CHARS.match(name):
                    site.error(where, f"bad header name {name!r}")
                    continue
                text = _canon(value) if not isinstance(value, str) else value
                if "\r" in text or "\n" in text:
                    site.error(where, "a header value cannot hold a line break")
                    continue
                template = site.template(where, text)
                if template is not None:
                    _check_template(site, template, where, engine)
                    out.headers.append((name, template))
    given = [key for key in ("body", "template", "example") if key in values]
    if len(given) > 1:
        site.error((*path, given[1]), f"{' and '.join(given)} exclude each other; give one")
    if "body" in values:
        body = values["body"]
        if isinstance(body, str):
            template = site.template((*path, "body"), body)
            if template is not None:
                _check_template(site, template, (*path, "body"), engine)
                out.body = template
        else:
            out.body = _compile_tree(site, body, (*path, "body"), engine)
    if "template" in values:
        if not isinstance(values["template"], str):
            site.error((*path, "template"), f"expected template text, got {values['template']!r}")
        else:
            template = site.template((*path, "template"), values["template"])
            if template is not None:
                _check_template(site, template, (*path, "template"), engine)
                out.template = template
    if "content_type" in values:
        ctype = values["content_type"]
        if not isinstance(ctype, str) or "/" not in ctype:
            site.error((*path, "content_type"), f"expected a media type such as application/json, got {ctype!r}")
        else:
            out.content_type = ctype
    if "delay" in values:
        out.delay = _delay(site, values["delay"], (*path, "delay"))
    if "fault" in values:
        if values["fault"] not in CHAOS_KINDS:
            site.error((*path, "fault"), f"unknown fault {values['fault']!r}; known: {', '.join(CHAOS_KINDS)}")
        else:
            out.fault = str(values["fault"])
    if "example" in values:
        name = values["example"]
        if not isinstance(name, str):
            site.error((*path, "example"), f"expected an example name, got {name!r}")
        elif ops is not None:
            status = _example_status(site, ops, name, out.status, (*path, "example"))
            if status is not None:
                out.example, out.status = name, out.status or status
        else:
            out.example = name
    return out if len(site.problems) == before else None


def _example_status(
    site: _Site, ops: list[Operation], name: str, status: int | None, path: tuple[Any, ...]
) -> int | None:
    """The status whose response holds example `name` in one of `ops`, or an error."""
    if not ops:
        site.error(path, f"example {name!r}: no operation of the spec matches this rule; name one in when.operation")
        return None
    found: list[int] = []
    known: set[str] = set()
    for op in ops:
        for key, resp in op.responses.items():
            code = status_of(key)
            if status is not None and not (key == str(status) or key == f"{str(status)[0]}XX" or key == "default"):
                continue
            for media in resp.content.values():
                known.update(media.examples)
                if name in media.examples:
                    found.append(code)
    if not found:
        which = ops[0].id if len(ops) == 1 else f"{len(ops)} matching operations"
        at = f" for status {status}" if status is not None else ""
        listed = ", ".join(sorted(known)) or "none"
        site.error(path, f"example {name!r} is not in the spec for {which}{at}; known: {listed}")
        return None
    success = sorted(c for c in found if 200 <= c < 300)
    return status or (success[0] if success else found[0])


# -- rules ---------------------------------------------------------------------------------


@dataclass
class _Rule:
    index: int
    name: str
    source: str
    when: _When
    then: _Then
    enabled: bool
    raw: dict[str, Any]
    count: int = 0  # requests that met the conditions (for `call`)
    hits: int = 0  # requests this rule answered


class _RulesLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text (rules compare text)."""


_RulesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Located:
    """A YAML document turned into plain values, remembering the line of every key."""

    def __init__(self, loader: _RulesLoader) -> None:
        self.loader = loader
        self.duplicates: list[tuple[tuple[Any, ...], int]] = []
        self.texts: dict[tuple[Any, ...], str] = {}  # top-level scalars of a rule as written

    def value(
        self,
        node: yaml.Node,
        path: tuple[Any, ...],
        keys: dict[tuple[Any, ...], int],
        starts: dict[tuple[Any, ...], tuple[int, bool]],
    ) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                key = key if isinstance(key, (str, int)) and not isinstance(key, bool) else str(key)
                where = (*path, key)
                if key in out:
                    self.duplicates.append((where, key_node.start_mark.line + 1))
                keys[where] = key_node.start_mark.line + 1
                out[key] = self.value(value_node, where, keys, starts)
            return out
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                keys[(*path, i)] = item.start_mark.line + 1
                items.append(self.value(item, (*path, i), keys, starts))
            return items
        starts[path] = (node.start_mark.line + 1, getattr(node, "style", None) in ("|", ">"))
        if not path[1:]:
            self.texts[path] = str(node.value)
        return self.loader.construct_object(node, deep=True)


def _load_rules(file: str, engine: MockEngine, problems: list[str]) -> list[_Rule]:
    try:
        with open(file, "rb") as fh:
            text = fh.read()
    except OSError as exc:
        problems.append(f"{file}: cannot read the rules file: {exc.strerror}")
        return []
    loader = _RulesLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        problems.append(f"{where}: invalid YAML: {reason}")
        return []
    finally:
        loader.dispose()
    if root is None:
        return []
    items: list[yaml.Node]
    if isinstance(root, yaml.MappingNode):
        keys = {str(k.value): (k, v) for k, v in root.value}
        extra = [k for k in keys if k != "rules"]
        if extra or "rules" not in keys:
            line = keys[extra[0]][0].start_mark.line + 1 if extra else root.start_mark.line + 1
            problems.append(f"{file}:{line}: rules: expected a list of rules, or a mapping with only 'rules'")
            return []
        listed = keys["rules"][1]
        if isinstance(listed, yaml.ScalarNode) and listed.tag.endswith(":null"):
            return []
        root = listed
    if not isinstance(root, yaml.SequenceNode):
        problems.append(f"{file}:{root.start_mark.line + 1}: rules: expected a list of rules")
        return []
    items = list(root.value)
    located = _Located(loader)
    rules: list[_Rule] = []
    base = engine.spec.base_path
    for index, node in enumerate(items, 1):
        keys_at: dict[tuple[Any, ...], int] = {}
        starts: dict[tuple[Any, ...], tuple[int, bool]] = {}
        line = node.start_mark.line + 1
        try:
            raw = located.value(node, (), keys_at, starts)
        except yaml.YAMLError as exc:
            problems.append(f"{file}:{line}: rule {index}: {exc}")
            continue
        name = raw.get("name") if isinstance(raw, dict) else None
        if name is not None and not isinstance(name, (str, dict, list)):
            name = located.texts.get(("name",), str(name))  # `name: off` is the text "off", not false
        label = f"rule {index} ({name})" if isinstance(name, str) and name else f"rule {index}"
        site = _Site(file, label, line, problems, keys_at, starts)
        for dup_at, dup_line in located.duplicates:
            site.error(dup_at, "duplicate key", dup_line)
        located.duplicates.clear()
        located.texts.clear()
        if not isinstance(raw, dict):
            site.error((), "a rule must be a mapping with 'when' and 'then'")
            continue
        before = len(problems)
        _unknown_keys(site, raw, RULE_KEYS, ())
        if "name" in raw and not (isinstance(name, str) and name):
            site.error(("name",), f"expected text, got {name!r}")
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            site.error(("enabled",), f"expected true or false, got {enabled!r}")
        when = _compile_when(site, engine, raw.get("when"))
        if "then" not in raw:
            site.error((), "missing 'then': what to answer")
            continue
        ops = [op for op in engine.spec.operations if when.could_answer(op, base)] if when is not None else None
        then = _compile_then(site, engine, raw["then"], ops)
        if when is None or then is None or len(problems) != before:
            continue
        rules.append(
            _Rule(
                index=index,
                name=name if isinstance(name, str) and name else f"rule {index}",
                source=f"{file}:{line}",
                when=when,
                then=then,
                enabled=bool(enabled),
                raw=raw,
            )
        )
    return rules


# -- hooks ---------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])
_HOOK_MARK = "__mocktui_on__"


def on(
    method: str | Sequence[str] | None = None, path: str | None = None, *, operation: str | None = None
) -> Callable[[F], F]:
    """Mark a function of a hooks file: `@on("POST", "/orders")`, `@on(operation="createOrder")`, `@on()`."""
    if isinstance(method, str) and method.startswith(("/", "*")) and path is None:
        method, path = None, method

    def mark(fn: F) -> F:
        marks = [*getattr(fn, _HOOK_MARK, []), (method, path, operation)]
        setattr(fn, _HOOK_MARK, marks)
        return fn

    return mark


@dataclass
class HookRequest:
    """What a hook sees of a request."""

    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    cookies: dict[str, str]
    json: Any  # the JSON (or form) body; {} when there is none
    body: bytes
    operation: str | None  # the operationId
    store: Any = None  # the engine's Stateful (`.record(collection, id)`), when one is attached

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class _Hook:
    name: str
    fn: Callable[[HookRequest], Any]
    source: str
    when: _When
    spec: dict[str, Any]
    hits: int = 0
    errors: int = 0


def _load_hooks(file: str, engine: MockEngine, problems: list[str]) -> list[_Hook]:
    name = "mocktui_hooks_" + re.sub(r"\W", "_", file)
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        problems.append(f"{file}: hooks: cannot load a Python module from this file")
        return []
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses and pickling in hooks look their module up
    try:
        module_spec.loader.exec_module(module)
    except FileNotFoundError as exc:
        sys.modules.pop(name, None)
        problems.append(f"{file}: cannot read the hooks file: {exc.strerror}")
        return []
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        problems.append(f"{file}:{exc.lineno}: hooks: SyntaxError: {exc.msg}")
        return []
    except Exception as exc:  # noqa: BLE001 - the user's module failed on import: report where
        sys.modules.pop(name, None)
        line = _line_in(file, exc)
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        problems.append(f"{file}:{line}: hooks: {last}" if line else f"{file}: hooks: {last}")
        return []
    hooks: list[_Hook] = []
    for attr, fn in vars(module).items():
        marks = getattr(fn, _HOOK_MARK, None)
        if not callable(fn) or not marks:
            continue
        code = getattr(fn, "__code__", None)
        line = code.co_firstlineno if code is not None else 0
        for method, path, operation in marks:
            site = _Site(file, f"hook {attr}", line, problems)
            when = _When()
            before = len(problems)
            if method is not None:
                when.methods = _methods(site, list(method) if not isinstance(method, str) else method, ("method",))
            if path is not None:
                when.path = _path_glob(site, path, ("path",))
            if operation is not None:
                when.operations = _operations(site, engine, operation, ("operation",))
            if len(problems) == before:
                spec = {"method": method, "path": path, "operation": operation}
                hooks.append(_Hook(attr, fn, f"{file}:{line}", when, {k: v for k, v in spec.items() if v}))
    if not hooks and not problems:
        problems.append(f"{file}: hooks: no function is decorated with @on(...)")
    return hooks


def _line_in(file: str, exc: BaseException) -> int | None:
    """The line of `file` where `exc` was raised (the deepest frame in it)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == file or frame.filename.endswith(file):
            line = frame.lineno
    return line


# -- the whole -----------------------------------------------------------------------------


class Scenarios:
    """The rules, hooks and packs of one mock; `decide` is called per request."""

    def __init__(self, engine: MockEngine) -> None:
        self.engine = engine
        self.rules: list[_Rule] = []
        self.hooks: list[_Hook] = []
        self.rules_file: str | None = None
        self.hooks_file: str | None = None
        self.pack_names: list[str] | None = None  # as given to `load`
        self.all_packs: list[Pack] = []
        self.default_packs: set[str] = set()  # enabled unless `controls.packs` says otherwise
        self.hook_errors: deque[dict[str, Any]] = deque(maxlen=100)
        self.rng = random.Random(f"{engine.seed}:scenarios")
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        engine: MockEngine,
        rules_file: str | None = None,
        hooks_file: str | None = None,
        packs: list[str] | None = None,
    ) -> Scenarios:
        """Read and check everything; raises `ScenarioError` listing every problem.

        `packs`: the built-in packs enabled from the start (None: all of them; [] none). Every
        built-in pack is attached either way, so `controls.packs` can switch any on later.
        """
        from mocktui.engine.scenarios.packs.builtin import BUILTIN

        self = cls(engine)
        self.rules_file, self.pack_names = rules_file, packs
        problems: list[str] = []
        if rules_file is not None:
            self.rules = _load_rules(rules_file, engine, problems)
        if hooks_file is not None:
            self.hooks_file = hooks_file
            self.hooks = _load_hooks(hooks_file, engine, problems)
        self.all_packs = [pack_class(engine) for pack_class in BUILTIN]
        names = [p.name for p in self.all_packs]
        wanted = names if packs is None or "all" in packs else packs
        for name in wanted:
            if name not in names:
                problems.append(f"packs: unknown pack {name!r}{_suggest(name, names)}; known: {', '.join(names)}")
        self.default_packs = {n for n in wanted if n in names}
        if problems:
            raise ScenarioError(problems)
        return self

    @property
    def packs(self) -> dict[str, bool]:
        """Every built-in pack -> whether it attaches to some operation of this spec."""
        return {pack.name: bool(pack.operations) for pack in self.all_packs}

    def pack_enabled(self, name: str) -> bool:
        """`controls.packs[name]` when set, else whether `load` enabled it."""
        return self.engine.controls.packs.get(name, name in self.default_packs)

    def decide(self, op: Operation | None, request: MockRequest, params: dict[str, str]) -> Decision | None:
        """The first scenario that takes this request, or None. Reads `engine.controls` every call."""
        if not self.engine.controls.scenarios:
            return None
        view = RequestView(self.engine, op, request, params)
        decision: Decision | None = None
        for rule in self.rules:
            if not rule.enabled or (decision is not None and rule.when.call is None):
                continue
            view.captures = {}
            if not rule.when.matches(view):
                continue
            count = 0
            if rule.when.call is not None:
                with self._lock:
                    rule.count += 1
                    count = rule.count
                if not rule.when.call(count):
                    continue
            if decision is None:
                rule.hits += 1
                decision = self._answer(rule.name, rule.then, view, count)
        if decision is not None:
            return decision
        for hook in self.hooks:
            view.captures = {}
            if hook.when.matches(view):
                decision = self._run_hook(hook, view)
                if decision is not None:
                    hook.hits += 1
                    return decision
        for pack in self.all_packs:
            if pack.operations and self.pack_enabled(pack.name):
                decision = pack.decide(view)
                if decision is not None:
                    return decision
        return None

    def _answer(self, name: str, then: _Then, view: RequestView, count: int) -> Decision:
        try:
            return then.decide(name, view, self.rng, count)
        except Exception as exc:  # noqa: BLE001 - a store that fails must not stop the server
            log.exception("scenario %r failed", name)
            return _failure(name, exc, f"scenario {name!r} failed")

    def _run_hook(self, hook: _Hook, view: RequestView) -> Decision | None:
        request = HookRequest(
            method=view.method,
            path=view.request.path,
            path_params={**view.captures, **view.params},
            query=view.query,
            headers=view.headers,
            cookies=view.cookies,
            json=view.body if view.body is not None else {},
            body=view.request.body,
            operation=view.op.id if view.op is not None else None,
            store=self.engine.state,
        )
        name = f"hook {hook.name}"
        try:
            result = hook.fn(request)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the user's code must not stop the server
            return self._hook_failed(hook, exc)
        if result is None:
            return None
        if isinstance(result, Decision):
            result.rule = result.rule or name
            return result
        if isinstance(result, int) and not isinstance(result, bool):
            result = {"status": result}
        if not isinstance(result, dict):
            return self._hook_failed(hook, TypeError(f"returned {type(result).__name__}; expected None or a dict"))
        problems: list[str] = []
        ops = [view.op] if view.op is not None else []
        then = _compile_then(_Site(hook.source, name, 0, problems), self.engine, result, ops, ("return",))
        if then is None:
            reason = problems[0].split(f"{name}: ", 1)[-1] if problems else "cannot be used"
            return self._hook_failed(hook, ValueError(f"returned a bad answer: {reason}"))
        return self._answer(name, then, view, hook.hits + 1)

    def _hook_failed(self, hook: _Hook, exc: BaseException) -> Decision:
        hook.errors += 1
        line = _line_in(self.hooks_file or "", exc) if exc.__traceback__ is not None else None
        where = f"{self.hooks_file}:{line}" if line else hook.source
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        note = f"hook {hook.name} failed at {where}: {last}"
        log.warning("%s\n%s", note, "".join(traceback.format_exception(exc)).rstrip())
        self.hook_errors.append({"hook": hook.name, "where": where, "error": last, "time": _now_iso()})
        return _failure(f"hook {hook.name}", exc, note)

    def describe(self) -> list[dict[str, Any]]:
        """The rules, hooks and packs, in the order they are consulted (admin API, TUI)."""
        out: list[dict[str, Any]] = []
        for rule in self.rules:
            out.append(
                {
                    "kind": "rule",
                    "index": rule.index,
                    "name": rule.name,
                    "source": rule.source,
                    "enabled": rule.enabled,
                    "when": rule.raw.get("when") or {},
                    "then": rule.raw.get("then") or {},
                    "calls": rule.count,
                    "hits": rule.hits,
                }
            )
        for hook in self.hooks:
            out.append(
                {
                    "kind": "hook",
                    "name": hook.name,
                    "source": hook.source,
                    "enabled": True,
                    "when": hook.spec,
                    "hits": hook.hits,
                    "errors": hook.errors,
                }
            )
        for pack in self.all_packs:
            out.append(
                {
                    "kind": "pack",
                    "name": pack.name,
                    "description": pack.description,
                    "attached": bool(pack.operations),
                    "enabled": self.pack_enabled(pack.name),
                    "operations": list(pack.operations),
                    "hits": pack.hits,
                }
            )
        return out

    def reload(self, engine: MockEngine | None = None) -> Scenarios:
        """The same files loaded afresh (edited rules or hooks, or a reloaded spec); raises `ScenarioError`."""
        return Scenarios.load(engine or self.engine, self.rules_file, self.hooks_file, self.pack_names)

    def set_enabled(self, rule: int | str, enabled: bool) -> bool:
        """Switch a rule (by its 1-based index or name) on or off; False when there is no such rule."""
        found = [r for r in self.rules if r.index == rule or r.name == rule]
        for r in found:
            r.enabled = enabled
        return bool(found)

    def reset(self) -> None:
        """Forget call counters and pack state (failed logins)."""
        with self._lock:
            for rule in self.rules:
                rule.count = 0
            for pack in self.all_packs:
                pack.reset()


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _failure(name: str, exc: BaseException, note: str) -> Decision:
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    body = {"type": "about:blank", "title": "Scenario error", "status": 500, "detail": note}
    return Decision(
        rule=name,
        status=500,
        headers=[(HOOK_ERROR_HEADER, header_value(last))],
        body=orjson.dumps(body),
        content_type="application/problem+json",
        notes=[note],
    )


# -- from a decision to a response ----------------------------------------------------------


def declares(op: Operation, status: int) -> bool:
    """Whether `op` declares `status` (exactly, by its NXX range, or by `default`)."""
    return str(status) in op.responses or f"{str(status)[0]}XX" in op.responses or "default" in op.responses


def respond(decision: Decision, op: Operation | None, normal: Callable[[dict[str, str]], MockResponse]) -> MockResponse:
    """The response for a decision; `normal(prefer)` is the mock's own answer with `Prefer` choices.

    A body is sent as it is; an example or a declared status-only answer comes from the mock
    (`Prefer: example=..., code=...`); an undeclared status without a body gets a problem body
    naming the rule; otherwise the normal response, transformed. Delay and fault stay with the
    caller.
    """
    status = decision.status
    if decision.body is not None:
        headers = [("content-type", decision.content_type or "application/json")]
        response = MockResponse(status or 200, headers, decision.body, op.id if op else None)
    elif decision.example is not None and op is not None:
        prefer = {"example": decision.example}
        if status is not None:
            prefer["code"] = str(status)
        response = normal(prefer)
    elif status is not None and (op is None or not declares(op, status)):
        if status >= 400:
            try:
                title = HTTPStatus(status).phrase
            except ValueError:
                title = "Error"
            response = problem(status, title, f"answered by scenario {decision.rule!r}")
        else:
            response = MockResponse(status, [], b"")
        response.operation = op.id if op else None
    elif status is not None:
        response = normal({"code": str(status)})
    else:
        response = normal({})
    if decision.transform is not None:
        response = decision.transform(response)
    if decision.headers:
        names = {name.lower() for name, _ in decision.headers}
        response.headers = [(k, v) for k, v in response.headers if k.lower() not in names] + list(decision.headers)
    response.tags = (*response.tags, "scenario")
    if decision.notes:
        response.notes = (*response.notes, *decision.notes)
    return response
