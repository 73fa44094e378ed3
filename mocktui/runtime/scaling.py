"""`--workers N`: this process seeds, holds the control plane (one per spec) and steers; spawned workers serve."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Sequence

from mocktui.cluster.hub import HubServer
from mocktui.cluster.plane import Plane
from mocktui.cluster.supervisor import Supervisor
from mocktui.engine.spec.model import Spec
from mocktui.engine.stateful.seeding import Progress
from mocktui.runtime.core import Runtime, assemble
from mocktui.runtime.planes import cluster_url, plane_for, refuse_memory
from mocktui.runtime.recipe import build_engine
from mocktui.runtime.several import build_many
from mocktui.settings.table import Settings


def supervise(
    spec: Spec,
    settings: Settings,
    sock: socket.socket,
    *,
    token: str | None,
    progress: Progress | None = None,
    quiet: bool = False,
    mirror: bool = False,
) -> Runtime:
    """`--workers N`: this process seeds, holds the control plane and steers; N spawned workers serve.

    `quiet`: the workers print nothing (the control room owns the terminal); `mirror`: this process
    keeps a copy of the whole journal as it happens (the control room's log; with Redis it costs).

    Without Redis this process is the hub its workers connect to (so only stores every process can
    open work: SQLite, or none); with Redis, every process talks to Redis.
    """
    refuse_memory(settings)
    engine = build_engine(spec, settings, progress=progress)
    url = cluster_url(settings)
    hub = None if url else os.path.join(tempfile.mkdtemp(prefix="mocktui-"), "hub.sock")
    mirror = mirror or settings.record is not None  # the recorder hears every worker's exchanges here
    plane = plane_for(spec, settings, mirror=mirror, serves=False) if url else HubServer(str(hub))
    say = engine.events.notice
    supervisor = Supervisor(settings, sock, settings.workers, hubs=[hub] if hub else [], token=token, say=say,
                            quiet=quiet)  # fmt: skip
    return assemble(engine, sock, settings, token=token, plane=plane, supervisor=supervisor)


def supervise_many(
    specs: Sequence[Spec],
    settings: Settings,
    sock: socket.socket,
    *,
    token: str | None,
    progress: Progress | None = None,
    quiet: bool = False,
    mirror: bool = False,
) -> Runtime:
    """`supervise` for several specs in one instance: this process seeds each spec's store once and
    holds one plane per spec (a hub each, `hub-0.sock`..., or a Redis scope each), so each spec keeps
    its own document and counters across the workers; the first spec's plane carries the one journal."""
    refuse_memory(settings)
    url = cluster_url(settings)
    folder = None if url else tempfile.mkdtemp(prefix="mocktui-")
    hubs = [os.path.join(folder, f"hub-{n}.sock") for n in range(len(specs))] if folder else []
    mirror = mirror or settings.record is not None  # the recorder hears every worker's exchanges here
    planes: list[Plane] = [HubServer(hub) for hub in hubs] or [
        plane_for(spec, settings, mirror=mirror and n == 0, serves=False, several=True) for n, spec in enumerate(specs)
    ]  # fmt: skip
    supervisor = Supervisor(settings, sock, settings.workers, hubs=hubs, token=token, say=_unsaid, quiet=quiet)
    runtime = build_many(specs, settings, sock, token=token, progress=progress, planes=planes, supervisor=supervisor)
    supervisor.say = runtime.engine.events.notice  # the one journal every spec shares
    return runtime


def _unsaid(level: str, text: str) -> None:
    """Nothing to say yet: the supervisor's notices have a journal once the specs are built."""
