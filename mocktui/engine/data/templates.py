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
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

import jinja2
import orjson
from jinja2 import meta, nodes
from jinja2.runtime import Context

from mocktui.engine.data.template_env import (
    ENV,
    FILTERS,
    GLOBALS,
    ROOTS,
    JsonText,
    Lookup,
    Names,
    Scope,
    TemplateError,
    json_data,
    json_default,
)

__all__ = ["FILTERS", "ROOTS", "Lookup", "Scope", "Template", "TemplateError", "compile_template"]


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
            reason = f"unknown filter {name!r}{_hint(name, ENV.filters)}; known: {', '.join(FILTERS)} and Jinja's"
            return TemplateError(reason, _offset(source, line, rf"\|\s*({re.escape(name)})\b"))
        reason = f"unknown test {name!r}{_hint(name, ENV.tests)}"
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


def _context(template: jinja2.Template, names: Names) -> Context:
    """A context reading `names` as they are: Jinja's `render` copies them, computing every lazy one."""
    return Context(ENV, cast(dict[str, Any], names), None, template.blocks)


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
            tree = ENV.parse(text)
            self._check_names(tree, roots)
            _paths(tree, roots, self.paths)
            self._compiled = ENV.from_string(tree)
            single = _single_expression(ENV.parse(text))
            if single is not None:
                assign = nodes.Template([nodes.Assign(nodes.Name("value", "store"), single)], lineno=1)
                assign.set_environment(ENV)
                self._single = ENV.from_string(assign)
        except jinja2.TemplateSyntaxError as exc:
            raise _syntax_error(source, exc) from None

    def _check_names(self, tree: nodes.Template, roots: tuple[str, ...]) -> None:
        unknown = meta.find_undeclared_variables(tree) - set(roots) - set(GLOBALS)
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
            context = _context(self._compiled, Names(scope, json_escape))
            return "".join(self._compiled.root_render_func(context))
        except Exception as exc:  # a template must not take the mock down
            self._note(notes, exc)
            return ""

    def value(self, scope: Mapping[str, Any], notes: list[str] | None = None) -> Any:
        """A template that is one expression keeps the value's type (`"{{ body.amount }}"` is a number)."""
        if self._single is None:
            return self.render(scope, notes=notes)
        try:
            context = _context(self._single, Names(scope, False))
            for _ in self._single.root_render_func(context):
                pass
            value = json_data(context.vars.get("value"))
            if isinstance(value, JsonText):
                return orjson.loads(str(value))  # orjson reads no str subclass
            if value is None or type(value) in (str, int, float, bool, list, dict):
                return value
            return orjson.loads(orjson.dumps(value, default=json_default))  # a generator, a tuple...
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
