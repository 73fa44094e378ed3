"""The export formats by name, and what builds each: the service's one entry point into the exports."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from mocktui.engine.data.generate import Ctx, Generator, TooDeep
from mocktui.engine.export import har, postman, pytest_file, scenario
from mocktui.engine.export.session import Session

FORMATS = ("postman", "har", "pytest", "scenario")


@dataclass(frozen=True, slots=True)
class Export:
    media_type: str
    filename: str  # what to call the file (Content-Disposition, the control room's export)
    content: bytes


def build(kind: str, session: Session) -> Export:
    """The document `kind` (one of `FORMATS`) of `session`; raises KeyError for another kind."""
    if kind == "har":
        return Export("application/json", "mocktui-session.har", _json(har.document(session)))
    if kind == "postman":
        return Export("application/json", "mocktui.postman_collection.json", _json(postman.collection(session)))
    if kind == "pytest":
        return Export("text/x-python; charset=utf-8", "test_mocktui_session.py", pytest_file.text(session).encode())
    if kind == "scenario":
        return Export("application/yaml; charset=utf-8", "mocktui-session.rules.yaml", scenario.text(session).encode())
    raise KeyError(kind)


def sampler(generator: Generator, seed: int = 7) -> Callable[..., Any]:
    """(schema, name, attempt, response=False) -> a value: request-side (readOnly fields left out) unless
    `response`; the spec's example on the first attempt, then generated ones; the same on every export.
    None when the schema nests too deep."""

    def sample(schema: Any, name: str = "", attempt: int = 0, response: bool = False) -> Any:
        try:
            return generator.compile(schema, name)(Ctx(random.Random(seed + attempt), examples=attempt == 0,
                                                       response=response))  # fmt: skip
        except TooDeep:
            return None

    return sample


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
