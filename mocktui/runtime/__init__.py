"""The composition root: settings and a spec in, a running mock out.

spec -> controls -> store -> engine (its stages built from a `Recipe`) -> service -> admin API ->
ASGI app -> server -> reloader. Headless, every worker and the control room are built here and
only here; the UI is handed a `Runtime` and talks to its `service`.

Seeding a big store takes seconds, so it can wait for the runtime to start: `build` then seeds in
a worker thread once the server listens (the control room draws a bar from `Runtime.seeding`),
and until it is done mock requests get 503 with Retry-After rather than a half-filled store.
Headless and the parent of `--workers` seed before listening (`seed=True`), printing progress.

The package: `core` (the `Runtime` and its wiring), `recipe` (an engine from the settings), `planes`
(how processes agree), `several` (several specs in one instance), `scaling` (`--workers`), `compose` (which of
them the command line asked for), `errors`.
"""

from __future__ import annotations

from mocktui.runtime.compose import compose
from mocktui.runtime.core import (
    BACKGROUND_FROM,
    DRIFT_COUNTER,
    LOOPBACK,
    ON_START,
    Runtime,
    admin_token,
    assemble,
    build,
    count_in,
    deliverer_for,
    listen,
    open_recorder,
    proxy_for,
    reloader_for,
    subscribe_settings,
)
from mocktui.runtime.errors import StartError
from mocktui.runtime.planes import cluster_url, plane_for, refuse_memory
from mocktui.runtime.recipe import build_engine, controls_from, load_replay, read_state, read_state_json, scenario_files
from mocktui.runtime.scaling import supervise, supervise_many
from mocktui.runtime.several import build_many, read_states, refuse_several

__all__ = [
    "BACKGROUND_FROM",
    "DRIFT_COUNTER",
    "LOOPBACK",
    "ON_START",
    "Runtime",
    "StartError",
    "admin_token",
    "assemble",
    "build",
    "build_engine",
    "build_many",
    "compose",
    "cluster_url",
    "controls_from",
    "count_in",
    "deliverer_for",
    "listen",
    "load_replay",
    "open_recorder",
    "plane_for",
    "proxy_for",
    "read_state",
    "read_state_json",
    "read_states",
    "refuse_memory",
    "refuse_several",
    "reloader_for",
    "scenario_files",
    "subscribe_settings",
    "supervise",
    "supervise_many",
]
