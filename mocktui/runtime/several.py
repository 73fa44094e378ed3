"""Several specs in one instance: an engine, service and app each, one journal, one dispatcher by prefix."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from functools import partial

from mocktui.cluster.plane import Plane
from mocktui.cluster.supervisor import Supervisor
from mocktui.engine.events import EventStream
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.mounts import Mounted, mount_of, spec_names
from mocktui.engine.stateful.seeding import Progress
from mocktui.engine.stores.base import State
from mocktui.runtime.core import Runtime, count_in, deliverer_for, open_recorder, proxy_for, subscribe_settings
from mocktui.runtime.errors import StartError
from mocktui.runtime.planes import plane_for
from mocktui.runtime.recipe import build_engine, read_state_json
from mocktui.server.admin import build_admin
from mocktui.server.app import MockApp
from mocktui.server.dispatch import AdminDispatch, Dispatcher, Mount, MountReloader
from mocktui.server.runner import ServerRunner
from mocktui.service import MockService
from mocktui.settings.table import Settings


def build_many(
    specs: Sequence[Spec], settings: Settings, sock: socket.socket, *, token: str | None = None,
    progress: Progress | None = None, seed: bool = True, planes: Sequence[Plane] | None = None,
    supervisor: Supervisor | None = None,
) -> Runtime:  # fmt: skip
    """Several specs in one instance (`settings.specs`, in order, already mounted and clear of conflicts):
    an engine, service and app each, one journal, one dispatcher by prefix, a reloader per file.

    `planes`: one per spec, how each agrees with the other processes of the mock (`plane_for` each);
    the first one carries the one journal of this process. `seed=False` (a worker): neither seed nor
    load `--state` (the supervisor did); `supervisor`: this process steers workers and delivers no webhooks.
    """
    refuse_several(settings)
    names = spec_names(settings.specs)
    states = read_states(settings.state, names) if settings.state and seed else {}
    planes = list(planes) if planes is not None else [plane_for(spec, settings, several=True) for spec in specs]
    for later in planes[1:]:
        later.journals = False
    events = EventStream(body_max=settings.journal_body_max)
    mounts: list[Mount] = []
    dispatcher: Dispatcher | None = None

    def swapped() -> None:
        if dispatcher is not None:
            dispatcher.compile()

    for name, file, spec, plane in zip(names, settings.specs, specs, planes, strict=True):
        try:  # each spec's records under its name in a shared SQLite file or Redis; its part of --state
            engine = build_engine(spec, settings, seed=seed, progress=progress, events=events, scope=name,
                                  state=states.get(name))  # fmt: skip
            count_in(engine, plane)
            reloader = MountReloader(
                engine, file, name, mount_of(file, settings.mounts),
                others=partial(_others, mounts, name), swapped=swapped,
            )  # fmt: skip
            service = MockService(engine, reloader.reload_now, plane, scope=name, journal=planes[0])
            app = MockApp(engine, proxy=proxy_for(engine, settings, planes[0]), name=name)  # drift: every spec's
        except StartError as exc:  # rules or hooks that do not fit this spec: say which one
            raise StartError(f"{name} ({file}): {exc}", exc.code) from None
        if supervisor is not None and spec.hooks:
            subscribe_settings(engine, settings)  # the document its workers start from
        hooks = deliverer_for(engine, settings, plane, name) if spec.hooks and supervisor is None else None
        mounts.append(Mount(name, file, engine, service, app, reloader, hooks))
    first = mounts[0]
    default = MockService(first.engine, None, planes[0])  # the whole journal: no scope
    admin = AdminDispatch(mounts, build_admin(default, token), lambda service: build_admin(service, token), token)
    dispatcher = Dispatcher(mounts, admin, events)
    runner = ServerRunner(dispatcher, sock)
    recorder = open_recorder(settings, events)
    return Runtime(settings, first.engine, default, runner, None, token, plane=planes[0], recorder=recorder,
                   mounts=mounts, supervisor=supervisor)  # fmt: skip


def _others(mounts: list[Mount], name: str) -> list[Mounted]:
    """The specs as served now but `name`: what a reload of `name` must not collide with."""
    return [Mounted(m.name, m.engine.spec) for m in mounts if m.name != name]


def refuse_several(settings: Settings) -> None:
    """What one instance of several specs does not do: one line saying so."""
    if "-" in settings.specs:
        raise StartError("a spec from stdin (-): one spec at a time; several specs in one instance are read from files")


def read_states(path: str, names: Sequence[str]) -> dict[str, State]:
    """A `--state` file of several specs: `{spec: {collection: [records...]}}`; a spec it leaves out is seeded."""
    states = read_state_json(path)
    expected = f"expected {{spec: {{collection: [records...]}}}}, spec one of {', '.join(names)}"
    if not isinstance(states, dict):
        raise StartError(f"--state {path}: several specs in one instance: {expected}")
    for name, state in states.items():
        if name not in names:
            raise StartError(f"--state {path}: no spec {name!r}: several specs in one instance: {expected}")
        if not isinstance(state, dict) or not all(isinstance(v, list) for v in state.values()):
            raise StartError(f"--state {path}: {name}: {expected}")
    return states
