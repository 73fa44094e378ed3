"""Reading callbacks (OAS 3.x, per operation) and webhooks (OAS 3.1, top level) into `Hook`s.

Both are path items whose operations the API *sends*: read with the same builder as the spec's own
operations (refs resolved, schemas converted), so a hook's body compiles like any request body.
Kept apart from `read` because only the callback machinery looks at them.
"""

from __future__ import annotations

from typing import Any, Protocol

from mocktui.engine.spec.errors import Problem
from mocktui.engine.spec.expressions import ExpressionError, parse_template
from mocktui.engine.spec.loader import Loader, escape_pointer
from mocktui.engine.spec.model import METHODS, Hook, Operation
from mocktui.engine.spec.schema import SchemaSet


class _Builder(Protocol):
    """What of `read._Builder` the hooks use (a protocol: `read` imports this module)."""

    file: str
    loader: Loader
    schemas: SchemaSet
    problems: list[Problem]

    def deref(self, node: Any, file: str, pointer: str) -> tuple[Any, str, str]: ...

    def error(self, file: str, pointer: str, reason: str) -> None: ...

    def _operation(
        self, path: str, method: str, raw: dict[str, Any], shared: list[tuple[dict[str, Any], str, str]],
        file: str, ptr: str,
    ) -> Operation: ...  # fmt: skip


EXTENSION = "x-mocktui-webhook"  # {on: orders.created} or {on: [orders.created, orders.updated]}


def callbacks_of(builder: _Builder, op: Operation, raw: dict[str, Any], file: str, ptr: str) -> list[Hook]:
    """The callbacks an operation declares: one hook per (callback, expression, method)."""
    value = raw.get("callbacks")
    if not isinstance(value, dict):
        return []
    out: list[Hook] = []
    for name, node in value.items():
        cptr = f"{ptr}/callbacks/{escape_pointer(str(name))}"
        node, cfile, cptr = builder.deref(node, file, cptr)
        if not isinstance(node, dict):
            builder.error(cfile, cptr, "a callback must be a mapping of URL expressions to path items")
            continue
        for expression, item in node.items():
            if str(expression).startswith("x-"):
                continue
            iptr = f"{cptr}/{escape_pointer(str(expression))}"
            _check(builder, op, str(expression), cfile, iptr)
            for hook_op in _item_operations(builder, str(name), item, cfile, iptr):
                out.append(Hook(str(name), "callback", hook_op, owner=op.id, url=str(expression)))
    return out


def _check(builder: _Builder, op: Operation, expression: str, file: str, ptr: str) -> None:
    """A URL expression that cannot parse, or names nothing `op` has: a warning (the callback then
    fires only when given a URL)."""
    try:
        problems = parse_template(expression).check(op, builder.schemas.deref)
    except ExpressionError as exc:
        problems = [str(exc)]
    for problem in problems:
        builder.problems.append(builder.loader.problem(file, ptr, f"callback URL: {problem}", "warning"))


def webhooks_of(builder: _Builder, value: Any) -> list[Hook]:
    """The 3.1 top-level webhooks: one hook per (name, method)."""
    if not isinstance(value, dict):
        return []
    out: list[Hook] = []
    for name, item in value.items():
        ptr = f"/webhooks/{escape_pointer(str(name))}"
        resolved, _, _ = builder.deref(item, builder.file, ptr)
        on = _on(resolved.get(EXTENSION) if isinstance(resolved, dict) else None)
        for hook_op in _item_operations(builder, str(name), item, builder.file, ptr):
            raw = resolved.get(hook_op.method.lower()) if isinstance(resolved, dict) else None
            own = _on(raw.get(EXTENSION)) if isinstance(raw, dict) else []
            out.append(Hook(str(name), "webhook", hook_op, on=own or on))
    return out


def _item_operations(builder: _Builder, name: str, item: Any, file: str, ptr: str) -> list[Operation]:
    item, ifile, iptr = builder.deref(item, file, ptr)
    if not isinstance(item, dict):
        builder.error(ifile, iptr, "a callback or webhook must be a path item (a mapping of methods)")
        return []
    ops: list[Operation] = []
    for method in METHODS:
        raw = item.get(method)
        if not isinstance(raw, dict):
            continue
        # "/" stands in for the URL: the expression is no path template, its braces name no parameters.
        op = builder._operation("/", method, raw, [], ifile, f"{iptr}/{method}")
        if not raw.get("operationId"):
            op.id = f"{name} {method.upper()}"
        ops.append(op)
    return ops


def _on(value: Any) -> list[str]:
    """`{on: orders.created}` -> ["orders.created"]; anything else -> []."""
    if not isinstance(value, dict):
        return []
    on = value.get("on", value.get(True))  # YAML 1.1 reads a bare `on` key as true
    if isinstance(on, str):
        return [on]
    return [str(v) for v in on] if isinstance(on, list) else []
