"""Hot reload of the spec under load."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from ..helpers import SPECS, serve

PETSTORE = SPECS / "petstore.yaml"


def test_reload_under_load_fails_no_request(tmp_path: Path) -> None:
    from mocktui.server.reload import Reloader

    spec_file = tmp_path / "api.yaml"
    spec_file.write_text(PETSTORE.read_text())
    with serve(spec_file) as live:
        reloader = Reloader(live.engine, str(spec_file), interval=0.05)

        async def load_while_editing() -> tuple[list[int], int]:
            statuses: list[int] = []
            async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:

                async def hammer() -> None:
                    for _ in range(60):
                        statuses.append((await client.get("/pets")).status_code)

                async def edit() -> None:
                    await asyncio.sleep(0.05)
                    spec_file.write_text(PETSTORE.read_text().replace("/pets/mine:", "/pets/ours:"))
                    # The reloader runs in this test's loop; the server in its own thread.
                    await reloader.check()

                await asyncio.gather(hammer(), hammer(), edit())
                after = (await client.get("/pets/ours")).status_code
            return statuses, after

        statuses, after = asyncio.run(load_while_editing())
        assert set(statuses) == {200} and len(statuses) == 120
        assert after == 200
        spec_file.write_text("openapi: 3.0.3\npaths: [")  # a broken edit keeps the last good version
        assert asyncio.run(reloader.check()) is False
        assert httpx.get(live.url + "/pets/ours").status_code == 200
        notices = [n.text for n in live.engine.events.notices]
        assert any(n.startswith("reloaded api.yaml") for n in notices)
        assert any("kept the last good spec" in n for n in notices)
