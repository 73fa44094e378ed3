"""Editing the rules or the hooks file while the control room runs changes the next answer.

The control room and headless are built by the same composition root, so they watch the same
files; this drives the real app (Textual's pilot) over a real socket and edits real files.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx

from mocktui.engine.spec.read import load_spec
from mocktui.runtime import build
from mocktui.server.runner import bind
from mocktui.settings.table import Settings
from mocktui.ui.app import MocktuiApp
from mocktui.ui.local import LocalBackend

from ..helpers import SPECS

HOOKS = """from mocktui.hooks import on


@on("GET", "/pets")
def pets(request):
    return {{"status": {status}, "body": {{"hook": {status}}}}}
"""


def write(path: Path, text: str) -> None:
    """Write `text` and move the file's mtime on, so the edit is seen whatever the clock's grain."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


async def answer_becomes(client: httpx.AsyncClient, path: str, status: int, within: float = 6.0) -> int:
    """Poll until `path` answers `status` (the reloader looks once a second); the last status seen."""
    seen = 0
    for _ in range(int(within / 0.2)):
        seen = (await client.get(path)).status_code
        if seen == status:
            return seen
        await asyncio.sleep(0.2)
    return seen


async def test_rules_and_hooks_edits_reload_under_the_control_room(tmp_path: Path) -> None:
    spec = SPECS / "petstore.yaml"
    rules, hooks = tmp_path / "rules.yaml", tmp_path / "hooks.py"
    write(rules, "- when: {method: GET, path: /pets/*}\n  then: {status: 418}\n")
    write(hooks, HOOKS.format(status=201))
    settings = Settings(spec=str(spec), scenarios=(str(rules),), hooks=str(hooks), reload=True)
    sock = bind("127.0.0.1", 0)
    runtime = build(load_spec(str(spec)), settings, sock)
    app = MocktuiApp(LocalBackend(runtime))
    try:
        async with app.run_test(size=(100, 30)) as pilot, httpx.AsyncClient(base_url=runtime.url) as client:
            await pilot.pause()
            base = runtime.engine.spec.base_path
            assert (await client.get(f"{base}/pets/1")).status_code == 418
            assert (await client.get(f"{base}/pets")).status_code == 201
            write(rules, "- when: {method: GET, path: /pets/*}\n  then: {status: 419}\n")
            assert await answer_becomes(client, f"{base}/pets/1", 419) == 419
            write(hooks, HOOKS.format(status=202))
            assert await answer_becomes(client, f"{base}/pets", 202) == 202
            assert (await client.get(f"{base}/pets")).json() == {"hook": 202}
            write(rules, "- when: {method: GET, path: /pets/*}\n  then: {status: 1}\n")  # broken: kept
            await asyncio.sleep(1.5)
            assert (await client.get(f"{base}/pets/1")).status_code == 419
            await pilot.pause()
    finally:
        sock.close()
        runtime.close()
