"""Python hooks: functions marked with `on` in a file, called with a `HookRequest`."""

from __future__ import annotations

import importlib.util
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mocktui.engine.scenarios.conditions import Site, When, methods_of, operations_of, path_glob

if TYPE_CHECKING:
    from mocktui.engine.contract.responder import Responder

    pass


# -- hooks ---------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])
HOOK_MARK = "__mocktui_on__"


def on(
    method: str | Sequence[str] | None = None, path: str | None = None, *, operation: str | None = None
) -> Callable[[F], F]:
    """Mark a function of a hooks file: `@on("POST", "/orders")`, `@on(operation="createOrder")`, `@on()`."""
    if isinstance(method, str) and method.startswith(("/", "*")) and path is None:
        method, path = None, method

    def mark(fn: F) -> F:
        marks = [*getattr(fn, HOOK_MARK, []), (method, path, operation)]
        setattr(fn, HOOK_MARK, marks)
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
    store: Any = None  # the Stateful (`.record(collection, id)`), when one is attached

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Hook:
    name: str
    fn: Callable[[HookRequest], Any]
    source: str
    when: When
    spec: dict[str, Any]
    hits: int = 0
    errors: int = 0


def load_hooks(file: str, contract: Responder, problems: list[str]) -> list[Hook]:
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
        line = line_in(file, exc)
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        problems.append(f"{file}:{line}: hooks: {last}" if line else f"{file}: hooks: {last}")
        return []
    hooks: list[Hook] = []
    for attr, fn in vars(module).items():
        marks = getattr(fn, HOOK_MARK, None)
        if not callable(fn) or not marks:
            continue
        code = getattr(fn, "__code__", None)
        line = code.co_firstlineno if code is not None else 0
        for method, path, operation in marks:
            site = Site(file, f"hook {attr}", line, problems)
            when = When()
            before = len(problems)
            if method is not None:
                when.methods = methods_of(site, list(method) if not isinstance(method, str) else method, ("method",))
            if path is not None:
                when.path = path_glob(site, path, ("path",))
            if operation is not None:
                when.operations = operations_of(site, contract, operation, ("operation",))
            if len(problems) == before:
                spec = {"method": method, "path": path, "operation": operation}
                hooks.append(Hook(attr, fn, f"{file}:{line}", when, {k: v for k, v in spec.items() if v}))
    if not hooks and not problems:
        problems.append(f"{file}: hooks: no function is decorated with @on(...)")
    return hooks


def line_in(file: str, exc: BaseException) -> int | None:
    """The line of `file` where `exc` was raised (the deepest frame in it)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == file or frame.filename.endswith(file):
            line = frame.lineno
    return line
