"""The Drift pane over the real thing: a backend process with planted deviations (tests/backend_app.py) behind
`--proxy`, the control room serving the mock in front of it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.read import load_spec
from mocktui.engine.steer.controls import Controls
from mocktui.runtime import assemble
from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend
from mocktui.ui.screens import DetailScreen

from ..backend_app import DEVIATIONS, BackendProcess, running
from ..helpers import ROOT
from .harness import FROZEN, wait_for


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    with running(tmp_path_factory.mktemp("backend") / "backend.log") as process:
        yield process


async def test_findings_of_a_real_backend_show_by_operation_and_open(backend: BackendProcess) -> None:
    engine = MockEngine.build(load_spec(str(ROOT / "tests" / "data" / "backend.yaml")), controls=Controls(mode="auto"))
    sock = bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = MocktuiApp(
        LocalBackend(assemble(engine, sock, Settings(proxy=backend.url, proxy_timeout=5.0))), display=FROZEN
    )
    async with app.run_test(size=(160, 40)) as pilot:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            for deviation in ("wrong-type", "undeclared-status", ""):
                await client.get("/api/users/1", headers={"X-Deviate": deviation} if deviation else {})
            await client.get("/api/users", headers={"X-Deviate": "array-item-type"})
            await client.get("/api/status")  # conforming: no row
        await pilot.press("6")
        pane = app.drift_pane
        await wait_for(lambda: pane.table.row_count == 2, pilot)
        cells = {str(pane.table.get_row_at(i)[0]): [str(c) for c in pane.table.get_row_at(i)] for i in range(2)}
        assert cells["getUser"][1:3] == ["2", "2"] and cells["listUsers"][1:3] == ["1", "1"]
        assert DEVIATIONS["array-item-type"].finding in cells["listUsers"][5]
        assert list(cells) == ["getUser", "listUsers"]  # most findings first
        notes = str(pane.notes.render())
        for name in ("wrong-type", "undeclared-status"):
            assert DEVIATIONS[name].finding in notes, name
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DetailScreen)
        event = app.screen.event
        assert "drift" in event.tags and "proxied" in event.tags and event.status == 418  # the backend's own answer
