"""Response templates: Jinja2 in its immutable sandbox, reading the request and the store.

    {"id": "{{ uuid }}", "echo": "{{ body.name | title }}", "user": {{ store.users[path.id] | json }}}
    {% for item in body.items %}{{ item.name }}{% if not loop.last %}, {% endif %}{% endfor %}

Jinja rather than a language of our own: users already know its `{% if %}`, `{% for %}`,
`{% set %}` and filters (`title`, `join`, `map`, `sort`, `replace`, `round`, ...), and its
sandbox has been hardened for years. Names a template can read:

    path.id   query.page   headers.x-request-id   cookies.session   body.card.number   body.items.0
    faker.email   uuid   now   timestamp   method   call   store.users[path.id].email   store.users

mocktui's own filters (they replace Jinja's of the same name, for JSON data): `json` (the value
as JSON; missing is `null`), `upper`, `lower`, `trim`, `length`, `first`, `last` (missing or
null stays missing), `default(x)` (x when the value is missing, null or empty, not only missing).
`null` is a name for none, as in JSON.

Kept from the first template language, so existing templates render the same:

- a dotted name reads JSON data before anything Python: `body.items` is the field "items", not
  the dict method; `body.items.0` is an index;
- in a dotted name that starts at one of the names above, a dash is part of the name
  (`headers.x-request-id` means `headers["x-request-id"]`): write subtraction with spaces,
  `body.total - 1`;
- a missing value renders as nothing (or `null` under `| json`), strings are JSON-escaped inside
  a JSON `then.template`, and a template that is one expression keeps the value's type.

Text with neither `{{` nor `{%` is not a template (a `{#` in it stays as it is). Templates are
compiled once, when the rules load; a template that does not compile, or names something
unknown, is reported then, with its offset. Rendering never raises: a runtime error (`{{ 1 / 0 }}`,
`{{ body.x + 1 }}` with no x) renders the template as nothing and is noted for the request log.
The sandbox refuses Python internals: `{{ ''.__class__ }}` renders nothing.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

import jinja2
import orjson
from jinja2 import ChainableUndefined, Undefined, meta, nodes, pass_context
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


class _Json(str):
    """Text already in JSON form: not escaped again inside a JSON template."""

    __slots__ = ()


def text_of(value: Any) -> str:
    """How a value reads in text: strings as they are, everything else as JSON, missing as nothing."""
    if value is None or isinstance(value, Undefined):
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=_json_default).decode()


def _json_default(value: Any) -> Any:
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Lookup):
        return value.value()
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return list(value)
    return str(value)


def _data(value: Any) -> Any:
    """A filter's input as JSON data: views by what they render as, undefined as null."""
    if isinstance(value, Lookup):
        return value.value()
    if isinstance(value, Undefined):
        return None
    return value


# -- mocktui's filters: JSON data in, missing stays missing ----------------------------------


def _json(value: Any) -> _Json:
    return _Json(orjson.dumps(_data(value), default=_json_default).decode())


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    value = _data(value)
    if value is None or value == "" or value == [] or value == {} or (boolean and not value):
        return _data(default_value)
    return value


def _upper(value: Any) -> str | None:
    value = _data(value)
    return None if value is None else text_of(value).upper()


def _lower(value: Any) -> str | None:
    value = _data(value)
    return None if value is None else text_of(value).lower()


def _trim(value: Any, chars: str | None = None) -> str | None:
    value = _data(value)
    return None if value is None else text_of(value).strip(chars)


def _length(value: Any) -> int:
    value = _data(value)
    return len(value) if isinstance(value, (str, list, tuple, dict)) else 0


def _first(value: Any) -> Any:
    value = _data(value)
    if isinstance(value, (str, list, tuple)):
        return value[0] if value else None
    if value is None or isinstance(value, (Mapping, int, float)):
        return None
    return next(iter(value), None)  # a generator from `map`, `select`...


def _last(value: Any) -> Any:
    value = _data(value)
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
    if isinstance(value, _Json):
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


_ENV = _environment()
_GLOBALS: dict[str, Any] = dict(_ENV.globals)


class _Names(Mapping[str, Any]):
    """What a rendering resolves names in: the scope, then Jinja's globals; carries the escaping mode."""

    __slots__ = ("scope", "json_escape")

    def __init__(self, scope: Mapping[str, Any], json_escape: bool) -> None:
        self.scope = scope
        self.json_escape = json_escape

    def __contains__(self, key: object) -> bool:
        return key in self.scope or key in _GLOBALS

    def __getitem__(self, key: str) -> Any:
        try:
            return self.scope[key]
        except KeyError:
            return _GLOBALS[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**_GLOBALS, **dict.fromkeys(self.scope)})

    def __len__(self) -> int:
        return len(set(_GLOBALS) | set(self.scope))


# -- compiling -------------------------------------------------------------------------------

_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_TAG_START = re.compile(r"\{[{%#]")
_RAW = re.compile(r"^[-+]?\s*raw\s*[-+]?$")
_END_RAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_EXPR_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<step>\.[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)
      | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_]\w*)
      | (?P<open>[\[(])
      | (?P<close>[\])])
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")


def _closing(source: str, pos: int, closer: str) -> int:
    """Where `closer` ends a tag that starts at `pos`, skipping string literals; -1 if never."""
    if closer == "#}":
        return source.find(closer, pos)
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
        elif source.startswith(closer, i):
            return i
        i += 1
    return -1


def _tags(source: str) -> Iterator[tuple[str, int, int]]:
    """The `{{ }}`, `{% %}` and `{# #}` tags: opener, where the inside starts and ends.

    Raises `TemplateError` for a tag that is never closed; the inside of `{% raw %}` is text.
    """
    pos = 0
    while True:
        found = _TAG_START.search(source, pos)
        if found is None:
            return
        opener = found.group()
        closer = _OPENERS[opener]
        end = _closing(source, found.end(), closer)
        if end == -1:
            raise TemplateError(f"'{opener}' is never closed with '{closer}'", found.start())
        yield opener, found.end(), end
        pos = end + 2
        if opener == "{%" and _RAW.match(source[found.end() : end].strip()):
            raw_end = _END_RAW.search(source, pos)
            if raw_end is None:
                return
            pos = raw_end.start()


def _compat(source: str) -> str:
    """Rewrite dotted names of the first template language that Jinja reads otherwise.

    `headers.x-request-id` becomes `headers["x-request-id"]` (Jinja: a subtraction) and
    `body.2fa` becomes `body["2fa"]`, in chains that start at a root name; nothing else changes,
    not the number of lines.
    """
    out: list[str] = []
    pos = 0
    try:
        tags = list(_tags(source))
    except TemplateError:
        return source  # Jinja reports it; the unclosed tag is found again for the message
    for opener, start, end in tags:
        if opener == "{#":
            continue
        out.append(source[pos:start])
        out.append(_compat_expression(source[start:end]))
        pos = end
    out.append(source[pos:])
    return "".join(out)


def _compat_expression(text: str) -> str:
    out: list[str] = []
    chain: str | None = None  # the root name of the dotted chain being read
    outer: list[str | None] = []  # chains around `[...]` and `(...)`
    for token in _EXPR_TOKEN.finditer(text):
        kind, value = token.lastgroup, token.group()
        if kind == "step" and chain is not None:
            key = value[1:]
            if chain in ROOTS and not _IDENTIFIER.match(key) and not key.isdigit():
                value = "[" + orjson.dumps(key).decode() + "]"
        elif kind == "name":
            chain = value
        elif kind == "open":
            outer.append(chain)
            chain = None
        elif kind == "close":
            chain = outer.pop() if outer else None
        else:
            chain = None
        out.append(value)
    return "".join(out)


def _offset(source: str, line: int, pattern: str) -> int:
    """Where `pattern` (group 1) first matches inside a tag on `line`; else that line's first tag."""
    line_start = 0
    for _ in range(line - 1):
        line_start = source.find("\n", line_start) + 1
    line_end = source.find("\n", line_start)
    line_end = len(source) if line_end == -1 else line_end
    fallback: int | None = None
    found_pattern = re.compile(pattern)
    for _, start, end in _tags(source):
        if end < line_start or start > line_end:
            continue
        if fallback is None:
            fallback = max(start - 2, line_start)
        found = found_pattern.search(source, max(start, line_start), min(end, line_end))
        if found is not None:
            return found.start(1)
    return line_start if fallback is None else fallback


def _hint(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _syntax_error(source: str, exc: jinja2.TemplateSyntaxError) -> TemplateError:
    """Jinja's complaint as a `TemplateError` at an offset in the text as written."""
    try:
        for _ in _tags(source):  # an unclosed tag is the clearer reason
            pass
    except TemplateError as unclosed:
        return unclosed
    message = (exc.message or str(exc)).rstrip(".")
    line = exc.lineno or 1
    unknown = re.match(r"No (filter|test) named '([^']+)'", message)
    if unknown is not None:
        kind, name = unknown.groups()
        if kind == "filter":
            reason = f"unknown filter {name!r}{_hint(name, _ENV.filters)}; known: {', '.join(FILTERS)} and Jinja's"
            return TemplateError(reason, _offset(source, line, rf"\|\s*({re.escape(name)})\b"))
        reason = f"unknown test {name!r}{_hint(name, _ENV.tests)}"
        return TemplateError(reason, _offset(source, line, rf"\bis\s+(?:not\s+)?({re.escape(name)})\b"))
    block = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    if block is not None:  # reported at the end of the text: point at the block left open
        opened = _left_open(source, block[1])
        return TemplateError(message, opened - 2 if opened is not None else len(source))
    got = re.search(r"got '([^']+)'", message)
    token = re.escape(got.group(1)) if got is not None and got.group(1).isidentifier() else None
    return TemplateError(message, _offset(source, line, rf"(?<![\w.])({token})(?!\w)" if token else r"(\S)"))


def _left_open(source: str, keyword: str) -> int | None:
    """Where the last `{% keyword %}` never closed by `{% endkeyword %}` starts its inside."""
    stack: list[int] = []
    for opener, start, _ in _tags(source):
        word = re.match(r"[-+]?\s*(\w+)", source[start:]) if opener == "{%" else None
        if word is not None and word[1] == keyword:
            stack.append(start)
        elif word is not None and word[1] == "end" + keyword and stack:
            stack.pop()
    return stack[-1] if stack else None


def _paths(node: nodes.Node, roots: tuple[str, ...], out: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Every chain read from a root: (`store`, (`users`, None)) for `store.users[path.id]`."""
    if isinstance(node, (nodes.Getattr, nodes.Getitem, nodes.Name)):
        steps: list[Any] = []
        current: nodes.Node = node
        while isinstance(current, (nodes.Getattr, nodes.Getitem)):
            if isinstance(current, nodes.Getattr):
                steps.append(current.attr)
            elif isinstance(current.arg, nodes.Const) and isinstance(current.arg.value, (str, int)):
                steps.append(current.arg.value)
            else:
                steps.append(None)  # read at run time
                _paths(current.arg, roots, out)
            current = current.node
        if isinstance(current, nodes.Name):
            if current.ctx == "load" and current.name in roots:
                out.append((current.name, tuple(reversed(steps))))
        else:
            _paths(current, roots, out)
        return
    for child in node.iter_child_nodes():
        _paths(child, roots, out)


def _single_expression(tree: nodes.Template) -> nodes.Expr | None:
    """The expression of a template that is only `{{ expression }}` (with spaces around), else None."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts = tree.body[0].nodes
    exprs = [n for n in parts if not isinstance(n, nodes.TemplateData)]
    if len(exprs) != 1 or any(isinstance(n, nodes.TemplateData) and n.data.strip() for n in parts):
        return None
    return exprs[0]


def _context(template: jinja2.Template, names: _Names) -> Context:
    """A context reading `names` as they are: Jinja's `render` copies them, computing every lazy one."""
    return Context(_ENV, cast(dict[str, Any], names), None, template.blocks)


class Template:
    """A compiled template. Text without `{{` or `{%` is kept as it is (`dynamic` is False)."""

    def __init__(self, source: str, roots: tuple[str, ...] = ROOTS) -> None:
        self.source = source
        self.paths: list[tuple[str, tuple[Any, ...]]] = []  # every root read, for checks at load
        self._compiled: jinja2.Template | None = None
        self._single: jinja2.Template | None = None  # for `value`: the expression's own type
        if "{{" not in source and "{%" not in source:
            return
        text = _compat(source)
        try:
            tree = _ENV.parse(text)
            self._check_names(tree, roots)
            _paths(tree, roots, self.paths)
            self._compiled = _ENV.from_string(tree)
            single = _single_expression(_ENV.parse(text))
            if single is not None:
                assign = nodes.Template([nodes.Assign(nodes.Name("value", "store"), single)], lineno=1)
                assign.set_environment(_ENV)
                self._single = _ENV.from_string(assign)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(source, exc) from None

    def _check_names(self, tree: nodes.Template, roots: tuple[str, ...]) -> None:
        unknown = meta.find_undeclared_variables(tree) - set(roots) - set(_GLOBALS)
        for name in tree.find_all(nodes.Name):
            if name.name in unknown:
                offset = _offset(self.source, name.lineno, rf"(?<![\w.])({re.escape(name.name)})(?![\w-])")
                raise TemplateError(f"unknown name {name.name!r}; known: {', '.join(roots)}", offset)

    @property
    def dynamic(self) -> bool:
        return self._compiled is not None

    def render(self, scope: Mapping[str, Any], json_escape: bool = False, notes: list[str] | None = None) -> str:
        """The text; with `json_escape`, substituted strings are escaped for a JSON string literal.

        Never raises: a runtime error renders as nothing and is added to `notes`.
        """
        if self._compiled is None:
            return self.source
        try:
            context = _context(self._compiled, _Names(scope, json_escape))
            return "".join(self._compiled.root_render_func(context))
        except Exception as exc:  # a template must not take the mock down
            self._note(notes, exc)
            return ""

    def value(self, scope: Mapping[str, Any], notes: list[str] | None = None) -> Any:
        """A template that is one expression keeps the value's type (`"{{ body.amount }}"` is a number)."""
        if self._single is None:
            return self.render(scope, notes=notes)
        try:
            context = _context(self._single, _Names(scope, False))
            for _ in self._single.root_render_func(context):
                pass
            value = _data(context.vars.get("value"))
            if isinstance(value, _Json):
                return orjson.loads(str(value))  # orjson reads no str subclass
            if value is None or type(value) in (str, int, float, bool, list, dict):
                return value
            return orjson.loads(orjson.dumps(value, default=_json_default))  # a generator, a tuple...
        except Exception as exc:  # a template must not take the mock down
            self._note(notes, exc)
            return None

    def _note(self, notes: list[str] | None, exc: Exception) -> None:
        if notes is not None:
            head = self.source.strip().split("\n", 1)[0][:60]
            notes.append(f"template {head!r} rendered as nothing: {type(exc).__name__}: {exc}")


@functools.lru_cache(maxsize=1024)
def _compile(source: str, roots: tuple[str, ...]) -> Template:
    return Template(source, roots)


def compile_template(source: str, roots: tuple[str, ...] = ROOTS) -> Template:
    """Compile a template (cached: hooks return the same text at every request); raises `TemplateError`."""
    return _compile(source, roots)
