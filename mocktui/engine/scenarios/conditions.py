"""`when:` conditions compiled into checks: matchers, globs, JSON locations, call counters."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from mocktui.engine.data.templates import Template, TemplateError, compile_template
from mocktui.engine.scenarios.view import MISSING, RequestView
from mocktui.engine.spec.model import METHODS, Operation

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

    pass


WHEN_KEYS = ("method", "path", "operation", "query", "headers", "cookies", "body", "call", "calls")
OPERATORS = ("eq", "ne", "regex", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "contains")
CALLS_KEYS = ("every", "after", "first")
HTTP_METHODS = tuple(m.upper() for m in METHODS)


# -- conditions ----------------------------------------------------------------------------


def canon(value: Any) -> str:
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
    if isinstance(value, bool) or value is MISSING or value is None:
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


class Site:
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
        name = field_name(path)
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


def field_name(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def suggest(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown_keys(site: Site, value: dict[str, Any], known: Sequence[str], path: tuple[Any, ...]) -> None:
    for key in value:
        if key not in known:
            site.error((*path, key), f"unknown key{suggest(str(key), known)}; known: {', '.join(known)}")


def _equals(wanted: Any) -> Check:
    text = canon(wanted)
    return lambda v: v is not MISSING and canon(v) == text


def _differs(wanted: Any) -> Check:
    text = canon(wanted)
    return lambda v: v is MISSING or canon(v) != text


def _one_of(choices: list[Any], inside: bool = True) -> Check:
    texts = {canon(v) for v in choices}
    if inside:
        return lambda v: v is not MISSING and canon(v) in texts
    return lambda v: v is MISSING or canon(v) not in texts


def _searches(pattern: re.Pattern[str]) -> Check:
    return lambda v: v is not MISSING and v is not None and bool(pattern.search(canon(v)))


def _exists(wanted: bool) -> Check:
    return lambda v: (v is not MISSING) == wanted


def _holds(needle: Any) -> Check:
    return lambda v: _contains(v, needle)


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _matcher(site: Site, spec: Any, path: tuple[Any, ...]) -> Check | None:
    """A condition on one value (`MISSING` when absent)."""
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
            site.error(where, f"unknown operator{suggest(str(op), OPERATORS)}; known: {', '.join(OPERATORS)}")
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
        return canon(needle) in value
    if isinstance(value, list):
        wanted = canon(needle)
        return any(canon(item) == wanted for item in value)
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
    """The value at `tokens` in a JSON value, or `MISSING`."""
    for token in tokens:
        if isinstance(value, dict):
            if token not in value:
                return MISSING
            value = value[token]
        elif isinstance(value, list) and token.lstrip("-").isdigit() and -len(value) <= int(token) < len(value):
            value = value[int(token)]
        else:
            return MISSING
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


def methods_of(site: Site, value: Any, path: tuple[Any, ...]) -> frozenset[str] | None:
    names = value if isinstance(value, list) else [value]
    out = set()
    for name in names:
        if not isinstance(name, str) or name.upper() not in HTTP_METHODS:
            site.error(path, f"unknown method {name!r}; known: {', '.join(HTTP_METHODS)}")
            return None
        out.add(name.upper())
    return frozenset(out)


def operations_of(site: Site, contract: Responder, value: Any, path: tuple[Any, ...]) -> frozenset[str] | None:
    names = value if isinstance(value, list) else [value]
    out = set()
    for name in names:
        if not isinstance(name, str) or name not in contract.operations:
            hint = suggest(str(name), contract.operations) if isinstance(name, str) else ""
            site.error(path, f"unknown operationId {name!r}{hint}: not in {contract.spec.file}")
            return None
        out.add(name)
    return frozenset(out)


def path_glob(site: Site, value: Any, path: tuple[Any, ...]) -> re.Pattern[str] | None:
    if not isinstance(value, str) or not value.startswith(("/", "*")):
        site.error(path, f"expected a path glob starting with '/', e.g. /orders/*, got {value!r}")
        return None
    return glob(value)


@dataclass
class When:
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


def compile_when(site: Site, contract: Responder, when: Any, path: tuple[Any, ...] = ("when",)) -> When | None:
    out = When()
    if when is None:
        return out
    if not isinstance(when, dict):
        site.error(path, f"expected a mapping of conditions ({', '.join(WHEN_KEYS)}), got {when!r}")
        return None
    before = len(site.problems)
    unknown_keys(site, when, WHEN_KEYS, path)
    if "method" in when:
        out.methods = methods_of(site, when["method"], (*path, "method"))
    if "operation" in when:
        out.operations = operations_of(site, contract, when["operation"], (*path, "operation"))
    if "path" in when:
        out.path = path_glob(site, when["path"], (*path, "path"))
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
            unknown_keys(site, value, CALLS_KEYS, (*path, "calls"))
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
        return lambda view: check(view.headers.get(key, MISSING))
    if part == "cookies":
        return lambda view: check(view.cookies.get(name, MISSING))

    def query(view: RequestView) -> bool:
        values = view.query_lists.get(name)
        return check(MISSING) if values is None else any(check(v) for v in values)

    return query
