"""The template language's parts: the values a template reads (`Lookup`, `Scope`), mocktui's filters
(JSON data in, a missing value stays missing) and the sandboxed Jinja environment they run in.

Split from `templates.py` (compiling and rendering) so that each stays small; `templates.py` is the
module the rest of mocktui imports.
"""

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson
from jinja2 import ChainableUndefined, Undefined, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOTS = ("path", "query", "headers", "cookies", "body", "faker", "store", "uuid", "now", "timestamp", "method", "call")
FILTERS = ("json", "upper", "lower", "trim", "length", "first", "last", "default")  # ours, over Jinja's
MAX_REPEAT = 1_000_000  # `"x" * n` and `[..] * n` beyond this many items are refused (memory)
MAX_POWER = 1024  # `a ** n` beyond this exponent is refused (time)


class TemplateError(ValueError):
    """A template that cannot be used; `offset` is where the problem is in the template text."""

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

    def __iter__(self) -> Iterator[Any]:
        """`{% for user in store.users %}` walks what the view renders as."""
        value = self.value()
        return iter(value if isinstance(value, (list, dict, str)) else ())


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


class JsonText(str):
    """Text already in JSON form: not escaped again inside a JSON template."""

    __slots__ = ()


def text_of(value: Any) -> str:
    """How a value reads in text: strings as they are, everything else as JSON, missing as nothing."""
    if value is None or isinstance(value, Undefined):
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=json_default).decode()


def json_default(value: Any) -> Any:
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Lookup):
        return value.value()
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return list(value)
    return str(value)


def json_data(value: Any) -> Any:
    """A filter's input as JSON data: views by what they render as, undefined as null."""
    if isinstance(value, Lookup):
        return value.value()
    if isinstance(value, Undefined):
        return None
    return value


# -- mocktui's filters: JSON data in, missing stays missing ----------------------------------


def _json(value: Any) -> JsonText:
    return JsonText(orjson.dumps(json_data(value), default=json_default).decode())


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    value = json_data(value)
    if value is None or value == "" or value == [] or value == {} or (boolean and not value):
        return json_data(default_value)
    return value


def _upper(value: Any) -> str | None:
    value = json_data(value)
    return None if value is None else text_of(value).upper()


def _lower(value: Any) -> str | None:
    value = json_data(value)
    return None if value is None else text_of(value).lower()


def _trim(value: Any, chars: str | None = None) -> str | None:
    value = json_data(value)
    return None if value is None else text_of(value).strip(chars)


def _length(value: Any) -> int:
    value = json_data(value)
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


def _first(value: Any) -> Any:
    value = json_data(value)
    if isinstance(value, (str, list, tuple)):
        return value[0] if value else None
    if value is None or isinstance(value, (Mapping, int, float)):
        return None
    return next(iter(value), None)  # a generator from `map`, `select`...


def _last(value: Any) -> Any:
    value = json_data(value)
    if isinstance(value, (str, list, tuple)):
        return value[-1] if value else None
    if value is None or isinstance(value, (Mapping, int, float)):
        return None
    items = list(value)
    return items[-1] if items else None


def _plain_args(filter_: Callable[..., Any]) -> Callable[..., Any]:
    """One of Jinja's filters, given views (`store.users`) as the data they render as."""

    @functools.wraps(filter_)  # keeps Jinja's pass_context/pass_environment marks
    def call(*args: Any, **kwargs: Any) -> Any:
        args = tuple(a.value() if isinstance(a, Lookup) else a for a in args)
        return filter_(*args, **{k: v.value() if isinstance(v, Lookup) else v for k, v in kwargs.items()})

    return call


# -- the environment -------------------------------------------------------------------------


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, reading JSON data first: `body.items` is a field, not `dict.items`."""

    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:  # the usual case first: JSON data
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, Lookup):
            return obj.lookup(attribute)
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, Undefined):
            return obj
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Lookup):  # `store.users[path.id]`; a missing key reads as null
            return obj.lookup(None if isinstance(argument, Undefined) else argument)
        if isinstance(obj, Mapping):
            try:
                if argument in obj:
                    return obj[argument]
            except TypeError:  # an unhashable key
                return self.undefined(obj=obj)
            if not isinstance(argument, str) and str(argument) in obj:  # store.users[1]
                return obj[str(argument)]
            return self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, (list, tuple)) and not isinstance(argument, slice):
            try:
                index = int(argument)
            except (TypeError, ValueError):
                return self.undefined(obj=obj)
            return obj[index] if -len(obj) <= index < len(obj) else self.undefined(obj=obj)
        if isinstance(obj, Undefined):
            return obj
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for many, times in ((left, right), (right, left)):
                if isinstance(many, (str, list, tuple)) and isinstance(times, int) and len(many) * times > MAX_REPEAT:
                    raise SecurityError(f"a repetition of more than {MAX_REPEAT} items")
        elif operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
            raise SecurityError(f"an exponent above {MAX_POWER}")
        return super().call_binop(context, operator, left, right)


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """How an `{{ expression }}` is written: JSON for data, nothing for missing, escaped in JSON text."""
    if type(value) is str:  # the usual case first
        return orjson.dumps(value).decode()[1:-1] if getattr(context.parent, "json_escape", False) else value
    if isinstance(value, Lookup):
        value = value.value()
    if isinstance(value, JsonText):
        return value
    if isinstance(value, str):
        return orjson.dumps(value).decode()[1:-1] if getattr(context.parent, "json_escape", False) else value
    return text_of(value)


def _environment() -> _Sandbox:
    env = _Sandbox(
        autoescape=False,  # JSON bodies, not HTML
        undefined=ChainableUndefined,  # `body.a.b` with no `a` is missing, not an error
        finalize=_finalize,
        keep_trailing_newline=True,  # the text around expressions is copied as it is
        cache_size=0,  # we compile each template once and keep it
    )
    env.filters = {name: _plain_args(f) for name, f in env.filters.items()}
    ours: dict[str, Callable[..., Any]] = {
        "json": _json,
        "default": _default,
        "d": _default,
        "upper": _upper,
        "lower": _lower,
        "trim": _trim,
        "length": _length,
        "count": _length,
        "first": _first,
        "last": _last,
    }
    env.filters.update(ours)
    env.globals.pop("lipsum", None)  # random text from the global `random`: not reproducible with --seed
    env.globals["null"] = None
    return env


ENV = _environment()
GLOBALS: dict[str, Any] = dict(ENV.globals)


class Names(Mapping[str, Any]):
    """What a rendering resolves names in: the scope, then Jinja's globals; carries the escaping mode."""

    __slots__ = ("scope", "json_escape")

    def __init__(self, scope: Mapping[str, Any], json_escape: bool) -> None:
        self.scope = scope
        self.json_escape = json_escape

    def __contains__(self, key: object) -> bool:
        return key in self.scope or key in GLOBALS

    def __getitem__(self, key: str) -> Any:
        try:
            return self.scope[key]
        except KeyError:
            return GLOBALS[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**GLOBALS, **dict.fromkeys(self.scope)})

    def __len__(self) -> int:
        return len(set(GLOBALS) | set(self.scope))
