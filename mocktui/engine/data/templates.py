"""A small, safe template language for scenario responses.

    {"id": "{{ uuid }}", "echo": "{{ body.name }}", "user": {{ store.users[path.id] | json }}}

Text outside `{{ ... }}` is copied as it is. Inside, an expression is a name followed by
`.field` and `[index]` steps, then filters:

    path.id   query.page   headers.x-request-id   cookies.session   body.card.number   body.items.0
    faker.email   uuid   now   timestamp   method   call   store.users[path.id].email
    body.name | upper      query.limit | default(10)      body | json

Literals: "text" or 'text' (backslash escapes), numbers, true, false, null. Filters: `json`
(the value as JSON), `upper`, `lower`, `trim`, `length`, `first`, `last`, `default(x)` (x when
the value is missing, null or empty).

Nothing is evaluated as Python: a step only indexes JSON data (mappings and lists) or one of the
`Lookup` views the caller provides (Faker pools, the store), so a template can read the request
and the store but cannot call or reach anything else. A missing value renders as nothing (or
`null` under `| json`); a template never raises while rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

ROOTS = ("path", "query", "headers", "cookies", "body", "faker", "store", "uuid", "now", "timestamp", "method", "call")
FILTERS: dict[str, int] = {  # name -> number of arguments
    "json": 0,
    "upper": 0,
    "lower": 0,
    "trim": 0,
    "length": 0,
    "first": 0,
    "last": 0,
    "default": 1,
}
_MISSING = object()


class TemplateError(ValueError):
    """A syntax error; `offset` is where it is in the template text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Lookup:
    """A value a template may index into that is not plain JSON (Faker pools, the store)."""

    def lookup(self, key: Any) -> Any:  # pragma: no cover - overridden
        return None

    def value(self) -> Any:
        """What the view renders as on its own."""
        return None


class Scope(Mapping[str, Any]):
    """The root names of one rendering, computed on first use."""

    def __init__(self, values: dict[str, Callable[[], Any]]) -> None:
        self._make = values
        self._cache: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._cache:
            make = self._make.get(key)
            if make is None:
                raise KeyError(key)
            self._cache[key] = make()
        return self._cache[key]

    def __iter__(self) -> Any:
        return iter(self._make)

    def __len__(self) -> int:
        return len(self._make)


class _Json(str):
    """Text already in JSON form: not escaped again inside a JSON template."""

    __slots__ = ()


# -- the syntax tree ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Literal:
    value: Any

    def eval(self, scope: Mapping[str, Any]) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class _Path:
    root: str
    steps: tuple[Any, ...]  # str keys or expressions (`[path.id]`)

    def eval(self, scope: Mapping[str, Any]) -> Any:
        try:
            current: Any = scope[self.root]
        except KeyError:
            return None
        for step in self.steps:
            key = step if isinstance(step, (str, int)) else step.eval(scope)
            current = _index(current, key)
            if current is None:
                return None
        return current


@dataclass(frozen=True, slots=True)
class _Filtered:
    inner: Any
    name: str
    args: tuple[Any, ...]

    def eval(self, scope: Mapping[str, Any]) -> Any:
        value = _plain(self.inner.eval(scope))
        args = [_plain(a.eval(scope)) for a in self.args]
        return _apply(self.name, value, args)


def _index(current: Any, key: Any) -> Any:
    if isinstance(current, Lookup):
        return current.lookup(key)
    if isinstance(current, Mapping):
        if key in current:
            return current[key]
        return current.get(str(key)) if not isinstance(key, str) else None
    if isinstance(current, (list, tuple)):
        try:
            number = int(key)
        except (TypeError, ValueError):
            return None
        return current[number] if -len(current) <= number < len(current) else None
    return None


def _plain(value: Any) -> Any:
    return value.value() if isinstance(value, Lookup) else value


def _apply(name: str, value: Any, args: list[Any]) -> Any:
    if name == "json":
        return _Json(orjson.dumps(value, default=str).decode())
    if name == "default":
        return args[0] if value is None or value == "" or value == [] or value == {} else value
    if name == "upper":
        return text_of(value).upper() if value is not None else None
    if name == "lower":
        return text_of(value).lower() if value is not None else None
    if name == "trim":
        return text_of(value).strip() if value is not None else None
    if name == "length":
        return len(value) if isinstance(value, (str, list, dict)) else 0
    if name in ("first", "last"):
        if isinstance(value, (list, str)) and value:
            return value[0] if name == "first" else value[-1]
        return None
    raise AssertionError(name)  # pragma: no cover - names are checked at compile time


def text_of(value: Any) -> str:
    """How a value reads in text: strings as they are, everything else as JSON, missing as nothing."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


# -- parsing -----------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
      | (?P<name>[A-Za-z0-9_][A-Za-z0-9_-]*)
      | (?P<punct>[.\[\]|(),])
      | (?P<bad>\S)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class _Parser:
    def __init__(self, text: str, start: int, roots: tuple[str, ...]) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        self.roots = roots
        pos = 0
        while pos < len(text):
            if not text[pos:].strip():
                break
            match = _TOKEN.match(text, pos)
            if match is None:  # pragma: no cover - `bad` matches any character
                break
            kind = match.lastgroup or "bad"
            value = match.group(kind)
            if kind == "bad":
                raise TemplateError(f"unexpected character {value!r}", start + match.start(kind))
            self.tokens.append((kind, value, start + match.start(kind)))
            pos = match.end()
        self.i = 0
        self.end = start + len(text)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", self.end)

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.i += 1
        return token

    def expect(self, value: str) -> None:
        kind, got, offset = self.take()
        if got != value or kind not in ("punct",):
            raise TemplateError(f"expected {value!r}, found {_describe(kind, got)}", offset)

    def expression(self) -> Any:
        node = self.primary()
        while self.peek()[1] == "|" and self.peek()[0] == "punct":
            self.take()
            kind, name, offset = self.take()
            if kind != "name":
                raise TemplateError(f"expected a filter name after '|', found {_describe(kind, name)}", offset)
            if name not in FILTERS:
                raise TemplateError(f"unknown filter {name!r}; known: {', '.join(FILTERS)}", offset)
            args: list[Any] = []
            if self.peek()[1] == "(":
                self.take()
                while self.peek()[1] != ")":
                    args.append(self.primary())
                    if self.peek()[1] == ",":
                        self.take()
                    elif self.peek()[1] != ")":
                        kind2, got, off2 = self.peek()
                        raise TemplateError(f"expected ',' or ')', found {_describe(kind2, got)}", off2)
                self.take()
            if len(args) != FILTERS[name]:
                raise TemplateError(f"filter {name!r} takes {FILTERS[name]} argument(s), got {len(args)}", offset)
            node = _Filtered(node, name, tuple(args))
        return node

    def primary(self) -> Any:
        kind, value, offset = self.take()
        if kind == "string":
            return _Literal(_unquote(value))
        if kind == "number":
            return _Literal(float(value) if "." in value else int(value))
        if kind != "name":
            raise TemplateError(f"expected a name or a literal, found {_describe(kind, value)}", offset)
        if value in ("true", "false", "null"):
            return _Literal({"true": True, "false": False, "null": None}[value])
        if value not in self.roots:
            raise TemplateError(f"unknown name {value!r}; known: {', '.join(self.roots)}", offset)
        steps: list[Any] = []
        while True:
            punct = self.peek()
            if punct[0] != "punct" or punct[1] not in (".", "["):
                break
            self.take()
            if punct[1] == ".":
                kind, key, offset = self.take()
                if kind not in ("name", "number") or key.startswith("-"):
                    raise TemplateError(f"expected a field name after '.', found {_describe(kind, key)}", offset)
                if kind == "number" and "." in key:  # `items.0.1` reads as two indexes, not a float
                    steps.extend(int(k) for k in key.split("."))
                else:
                    steps.append(int(key) if key.isdigit() else key)
            else:
                inner = self.expression()
                self.expect("]")
                plain = isinstance(inner, _Literal) and type(inner.value) in (str, int)
                steps.append(inner.value if plain else inner)
        return _Path(value, tuple(steps))


def _describe(kind: str, value: str) -> str:
    return "the end of the expression" if kind == "end" else repr(value)


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


# -- templates ---------------------------------------------------------------


class Template:
    """A compiled template: literal text and expressions, in order."""

    def __init__(self, source: str, roots: tuple[str, ...] = ROOTS) -> None:
        self.source = source
        self.parts: list[str | Any] = []
        self.paths: list[tuple[str, tuple[Any, ...]]] = []  # every name used, for checks at load
        pos = 0
        while True:
            start = source.find("{{", pos)
            if start == -1:
                break
            end = _closing(source, start + 2)
            if end == -1:
                raise TemplateError("'{{' is never closed with '}}'", start)
            if source[pos:start]:
                self.parts.append(source[pos:start])
            inner = source[start + 2 : end]
            if not inner.strip():
                raise TemplateError("empty expression '{{ }}'", start)
            parser = _Parser(inner, start + 2, roots)
            node = parser.expression()
            kind, value, offset = parser.peek()
            if kind != "end":
                raise TemplateError(f"unexpected {value!r} after the expression", offset)
            self.parts.append(node)
            _collect(node, self.paths)
            pos = end + 2
        if source[pos:]:
            self.parts.append(source[pos:])

    @property
    def dynamic(self) -> bool:
        return any(not isinstance(p, str) for p in self.parts)

    def render(self, scope: Mapping[str, Any], json_escape: bool = False) -> str:
        """The text; with `json_escape`, substituted strings are escaped for a JSON string literal."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = _plain(part.eval(scope))
            if isinstance(value, _Json):
                out.append(str(value))
            elif isinstance(value, str) and json_escape:
                out.append(orjson.dumps(value).decode()[1:-1])
            else:
                out.append(text_of(value))
        return "".join(out)

    def value(self, scope: Mapping[str, Any]) -> Any:
        """A template that is one expression keeps the value's type (`"{{ body.amount }}"` is a number)."""
        exprs = [p for p in self.parts if not isinstance(p, str)]
        if len(exprs) == 1 and all(isinstance(p, str) and not p.strip() for p in self.parts if p is not exprs[0]):
            value = _plain(exprs[0].eval(scope))
            return orjson.loads(value) if isinstance(value, _Json) else value
        return self.render(scope)


def _closing(source: str, pos: int) -> int:
    """Where the `}}` closing an expression starts, skipping string literals."""
    quote = ""
    i = pos
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif source.startswith("}}", i):
            return i
        i += 1
    return -1


def _collect(node: Any, out: list[tuple[str, tuple[Any, ...]]]) -> None:
    if isinstance(node, _Path):
        out.append((node.root, node.steps))
        for step in node.steps:
            if not isinstance(step, (str, int)):
                _collect(step, out)
    elif isinstance(node, _Filtered):
        _collect(node.inner, out)
        for arg in node.args:
            _collect(arg, out)


def compile_template(source: str, roots: tuple[str, ...] = ROOTS) -> Template:
    """Compile a template; raises `TemplateError` with the offset of the problem."""
    return Template(source, roots)
