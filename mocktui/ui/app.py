"""Provides the control room's entry points, `run_tui` and `run_attach`, and re-exports `MocktuiApp`.

Both check the user's key map before the terminal is taken, so a mistake in `keys:` is one line
on stderr and exit code 2, not a broken screen.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mocktui.engine.spec.model import Spec
from mocktui.runtime import admin_token, compose, listen, refuse_several
from mocktui.ui.keys import KeysError, check_keys
from mocktui.ui.local import LocalBackend
from mocktui.ui.panes import VOCABULARY
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.requests import Display
from mocktui.ui.room import MocktuiApp

if TYPE_CHECKING:
    from mocktui.settings.table import Settings

__all__ = ["Display", "MocktuiApp", "run_attach", "run_tui"]


def _log_level(settings: Settings) -> int:
    return int(getattr(logging, settings.log_level.upper(), logging.INFO))


def _keys_ok(keys: Mapping[str, str]) -> bool:
    """The user's key map is refused (one line on stderr) before the terminal is taken."""
    try:
        check_keys(keys, VOCABULARY)
    except KeysError as exc:
        print(f"mocktui: keys: {exc}", file=sys.stderr)
        return False
    return True


def _fast_loop() -> None:
    """uvloop under the app as under the headless server: the mock shares this loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a dependency (uvicorn[standard]), optional in spirit
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def run_tui(spec: Spec | Sequence[Spec], settings: Settings) -> int:
    """`mocktui SPEC` without --headless: build the runtime, run the control room over it until quit.

    With `--workers N` this process steers N spawned workers (they serve; the log shows them all).
    """
    if not _keys_ok(settings.keys):
        return 2
    if not isinstance(spec, Spec):
        refuse_several(settings)
    sock = listen(settings)
    token = admin_token(settings)
    runtime = compose(spec, settings, sock, token=token, room=True)
    app = MocktuiApp(LocalBackend(runtime), log_level=_log_level(settings), handle_signals=True, keys=settings.keys)
    _fast_loop()
    try:
        result = app.run()
    finally:
        sock.close()
        runtime.close()
    return app.return_code if app.return_code else int(result or 0)


def run_attach(url: str, token: str | None = None, keys: Mapping[str, str] | None = None) -> int:
    """`mocktui attach URL`: the control room over a mock running elsewhere (through its admin API)."""
    if not _keys_ok(keys or {}):
        return 2
    if "://" not in url:
        url = f"http://{url}"
    app = MocktuiApp(RemoteBackend(url, token=token), handle_signals=True, keys=keys)
    result = app.run()
    return app.return_code if app.return_code else int(result or 0)
