"""Shared test helpers: a real mock server on a real socket, and an independent validator."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.read import load_spec
from mocktui.engine.stateful.crud import Stateful
from mocktui.engine.steer.controls import Controls
from mocktui.engine.stores.base import Store
from mocktui.server.admin import build_admin
from mocktui.server.app import MockApp
from mocktui.server.runner import ServerRunner, bind
from mocktui.service import MockService

from .paths import CORPUS, ROOT, SPECS  # noqa: F401 - re-exported for the tests


class LiveServer:
    """A mock served by uvicorn in a background thread, on 127.0.0.1 and a free port."""

    def __init__(self, engine: MockEngine) -> None:
        self.engine = engine
        self.sock = bind("127.0.0.1", 0)
        self.runner = ServerRunner(MockApp(engine, build_admin(MockService(engine))), self.sock)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.runner.port}"

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.runner.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@contextmanager
def serve(spec: Spec | str | Path, **engine_options: Any) -> Iterator[LiveServer]:
    if not isinstance(spec, Spec):
        spec = load_spec(str(spec))
    controls = engine_options.pop("controls", None) or Controls()
    server = LiveServer(MockEngine.build(spec, controls=controls, **engine_options))
    server.start()
    try:
        yield server
    finally:
        server.stop()


_FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def validation_errors(schema: Any, instance: Any) -> list[str]:
    """Errors of `instance` against `schema` from the `jsonschema` package (formats asserted)."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMATS)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: [{e.validator}] {e.message}"[:300]
        for e in validator.iter_errors(instance)
    ]


def use_store(engine: MockEngine, store: Store, **seeding: Any) -> Stateful:
    """The engine rebuilt over `store` (as a restart with another --store would be); its state, unseeded."""
    engine.recipe = replace(engine.recipe, store=store, **seeding)
    engine.reload(engine.spec)
    assert engine.state is not None
    return engine.state


def missing(problem: str) -> None:
    """A tool the test needs is not on this machine: in CI a broken setup (fail), elsewhere an optional
    test (skip), so the README's two commands pass on a fresh machine."""
    if os.environ.get("CI") == "true":
        pytest.fail(problem)
    pytest.skip(problem)


def until(check: Callable[[], bool], what: str = "the condition", timeout: float = 15.0) -> None:
    """Wait for `check()` to hold (polling every 50 ms); fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"not within {timeout}s: {what}")
