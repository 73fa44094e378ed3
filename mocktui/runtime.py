"""The composition root: settings and a spec in, a running mock out.

spec -> controls -> store -> engine (its stages built from a `Recipe`) -> service -> admin API ->
ASGI app -> server -> reloader. Headless, every worker and the control room are built here and
only here; the UI is handed a `Runtime` and talks to its `service`.

Seeding a big store takes seconds, so it can wait for the runtime to start: `build` then seeds in
a worker thread once the server listens (the control room draws a bar from `Runtime.seeding`),
and until it is done mock requests get 503 with Retry-After rather than a half-filled store.
Headless and the parent of `--workers` seed before listening (`seed=True`), printing progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from mocktui.cluster.hub import HubClient, HubServer
from mocktui.cluster.plane import Plane, SoloPlane
from mocktui.cluster.redis import PlaneError, RedisPlane, spec_scope
from mocktui.cluster.supervisor import Supervisor
from mocktui.engine.events import EventStream
from mocktui.engine.har import HarError
from mocktui.engine.outbox import outbox_of
from mocktui.engine.pipeline import MockEngine, Recipe, build_stages
from mocktui.engine.replay import Replay
from mocktui.engine.scenarios.decision import ScenarioError
from mocktui.engine.scenarios.runner import ScenarioFiles
from mocktui.engine.sessions import Sessions, SessionSource
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.mounts import Mounted, mount_of, spec_names
from mocktui.engine.stateful.seeding import Progress, SeedCancelled, SeedProgress
from mocktui.engine.steer.behaviour import Behaviour, CountingLimiter, MemoryLimiter
from mocktui.engine.steer.controls import Controls, Delay, Faults, RateLimit
from mocktui.engine.stores.base import State, Store, StoreError
from mocktui.engine.stores.registry import open_store, store_kind
from mocktui.server.admin import build_admin
from mocktui.server.app import MockApp
from mocktui.server.dispatch import AdminDispatch, Dispatcher, Mount, MountReloader
from mocktui.server.proxy import Proxy
from mocktui.server.recorder import Recorder
from mocktui.server.reload import Reloader
from mocktui.server.runner import BadAddress, PortInUse, ServerRunner, bind
from mocktui.server.webhooks import Deliverer
from mocktui.service import MockService
from mocktui.settings.resolve import ConfigError
from mocktui.settings.table import Settings

LOOPBACK = ("127.0.0.1", "::1", "localhost")
ON_START: Literal["on start"] = "on start"
DRIFT_COUNTER = "drift"  # findings of the backend behind --proxy, counted across every process
BACKGROUND_FROM = 5_000  # records: a smaller seed takes well under a second and is done in `build`


class StartError(Exception):
    """The mock cannot start; the message is the one line to show (exit code `code`)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Runtime:
    """One running mock: its engine, the verbs over it, and the server that exposes both."""

    settings: Settings
    engine: MockEngine
    service: MockService
    runner: ServerRunner
    reloader: Reloader | None
    token: str | None
    seeding: SeedProgress | None = None  # a seed that runs once the server listens (`build(seed="on start")`)
    plane: Plane = field(default_factory=SoloPlane)
    supervisor: Supervisor | None = None  # `--workers N`: the workers serve; this process steers them
    recorder: Recorder | None = None  # --record: in the one process, or the supervisor (never a worker)
    proxy: Proxy | None = None  # --proxy: the backend's client (its connection pool), closed on stop
    webhooks: Deliverer | None = None  # callbacks and webhooks: in each process that serves requests
    mounts: list[Mount] = field(default_factory=list)  # several specs in one instance: each one (`engine`: the first)
    _watcher: asyncio.Task[None] | None = field(default=None, repr=False)
    _watchers: list[asyncio.Task[None]] = field(default_factory=list, repr=False)
    _seeder: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Where clients reach the mock: scheme, host and port, without the base path."""
        host = self.runner.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{f'[{host}]' if ':' in host else host}:{self.runner.port}"

    @property
    def running(self) -> bool:
        task = self.runner.task
        return task is not None and not task.done()

    @property
    def serving(self) -> bool:
        """Whether this process answers requests itself (not when its workers do)."""
        return self.supervisor is None

    async def start(self) -> None:
        try:
            await self.plane.start(self.engine)
            for item in self._spec_planes():
                await item.service.plane.start(item.engine)
        except PlaneError as exc:
            raise StartError(str(exc), code=1) from None
        if self.supervisor is not None:
            await self.supervisor.start()
        else:
            await self.runner.start()
        if self.webhooks is not None:
            await self.webhooks.start()
        if self.reloader is not None:
            self._watcher = asyncio.create_task(self.reloader.run(), name="mocktui-reload")
        for item in self.mounts:
            if item.webhooks is not None:
                await item.webhooks.start()
            if item.reloader is not None and self.settings.reload:
                self._watchers.append(asyncio.create_task(item.reloader.run(), name=f"mocktui-reload-{item.name}"))
        if self.seeding is not None and self.seeding.busy and self._seeder is None:
            self._seeder = asyncio.create_task(self._seed(self.seeding), name="mocktui-seed")

    async def _seed(self, seeding: SeedProgress) -> None:
        """Seed in a worker thread (the loop keeps serving and drawing); a notice says how it went."""
        state = self.engine.state
        if state is None:
            seeding.finish()
            return
        try:
            await asyncio.to_thread(state.seed, seeding)
        except SeedCancelled:  # stopped early: a persisted store must not keep half a seed (and skip the next)
            await asyncio.to_thread(state.store.clear)
            return
        except Exception as exc:  # noqa: BLE001 - a store gone away: said, and the mock serves what is there
            seeding.fail(str(exc))
            self.engine.events.notice("error", f"seeding failed: {exc}")
            return
        seeding.finish()
        self.engine.events.notice("info", f"seeded {seeding.seeded:,} records in {seeding.elapsed:.1f} s")

    async def stop(self) -> None:
        if self._seeder is not None:
            if self.seeding is not None:
                self.seeding.cancelled = True  # the thread stops after the batch it is writing
            with contextlib.suppress(asyncio.CancelledError):
                await self._seeder
            self._seeder = None
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        for task in self._watchers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._watchers.clear()
        for item in self.mounts:
            if item.webhooks is not None:
                await item.webhooks.stop()
            if item.app.proxy is not None:
                await item.app.proxy.close()
        if self.supervisor is not None:
            await self.supervisor.stop()
        if self.runner.task is not None:
            await self.runner.stop()
        if self.proxy is not None:
            await self.proxy.close()
        if self.webhooks is not None:
            await self.webhooks.stop()
        for item in self._spec_planes():
            await item.service.plane.stop()
        await self.plane.stop()
        if self.recorder is not None:  # after the plane: the workers' last events reached this journal
            self.recorder.close()

    def _spec_planes(self) -> list[Mount]:
        """Several specs: the mounts whose plane is their own (the first one's is the runtime's)."""
        return [item for item in self.mounts if item.service.plane is not self.plane]

    def drift_findings(self) -> int:
        """Findings of the backend against the spec so far, on every process of this mock: the cluster's
        count, or the journal's when it holds more (a counter reset by the admin API)."""
        journal = sum(int(entry["findings"]) for entry in self.service.drift())
        return max(journal, self.plane.incr(DRIFT_COUNTER, 0))

    def close(self) -> None:
        """Release the store's connections and files (after `stop`)."""
        for engine in [m.engine for m in self.mounts] or [self.engine]:
            if engine.state is not None:
                engine.state.store.close()

    def banner(self) -> str:
        if self.mounts:
            specs = "; ".join(f"{m.name}: {m.engine.spec.title!r} at {m.prefix or '/'} ({len(m.engine.operations)} "
                              "operations)" for m in self.mounts)  # fmt: skip
            specs += f"; {self.supervisor.count} workers" if self.supervisor is not None else ""
            return f"serving {len(self.mounts)} specs ({specs}) on {self.url}  (admin: /__mocktui/, Ctrl+C to stop)"
        spec, engine = self.engine.spec, self.engine
        mode = f", stateful ({engine.state.store.kind} store)" if engine.state and engine.controls.stateful else ""
        if self.supervisor is not None:
            mode += f", {self.supervisor.count} workers"
        return (
            f"serving {spec.title!r} ({len(spec.operations)} operations{mode}) on "
            f"{self.url}{spec.base_path}  (docs: /__mocktui/api-docs, admin: /__mocktui/, Ctrl+C to stop)"
        )


def listen(settings: Settings) -> socket.socket:
    """The listening socket; a `StartError`: exit 1 when the port is taken, 2 for a host that is no address here."""
    try:
        return bind(settings.host, settings.port)
    except PortInUse as exc:
        raise StartError(str(exc), code=1) from None
    except BadAddress as exc:
        raise StartError(str(exc), code=2) from None


def admin_token(settings: Settings) -> str | None:
    """The admin API's token: the one given, or a fresh one when listening beyond loopback."""
    if settings.admin_token:
        return settings.admin_token
    if settings.host in LOOPBACK or settings.host.startswith("127."):
        return None
    return secrets.token_urlsafe(18)


def build_engine(
    spec: Spec,
    settings: Settings,
    *,
    seed: bool = True,
    load: bool = True,
    progress: Progress | None = None,
    events: EventStream | None = None,
    scope: str | None = None,
    state: State | None = None,
) -> MockEngine:
    """The engine the settings describe: controls, store, stages, seeded or loaded state.

    `load=False`: the `--state` file is not loaded (a worker: its supervisor loaded it into the shared
    store once; loading it again, as a respawned worker would, would wipe the writes made since).

    `progress(collection, done, total)` hears how seeding goes (after every batch of records);
    `events`: a journal shared with other engines (several specs in one instance); `scope`: the spec's
    name there, keeping its records apart in a shared store; `state`: its part of the `--state` file.
    """
    controls = controls_from(settings)
    store = _open_store(settings, scope) if controls.stateful else None
    recipe = Recipe(
        faker_seed=settings.faker_seed,
        store=store,
        seed_count=settings.seed,
        seed_counts=dict(settings.seed_counts),
        scenarios=scenario_files(settings),
        replay=load_replay(settings),
    )
    limiter = (store.limiter() if store is not None else None) or MemoryLimiter()
    try:
        stages = build_stages(spec, controls, recipe)
    except ScenarioError as exc:
        raise StartError("scenarios:\n  " + "\n  ".join(exc.problems)) from None
    events = EventStream(body_max=settings.journal_body_max) if events is None else events
    sessions = Sessions(SessionSource.parse(settings.session_from))
    engine = MockEngine(stages, recipe=recipe, events=events, behaviour=Behaviour(controls, limiter), sessions=sessions)
    scenarios = engine.scenarios
    if scenarios is not None:  # the packs that fit this spec, on or off: the TUI and admin API switch them
        controls.packs = {name: scenarios.pack_enabled(name) for name, fits in scenarios.packs.items() if fits}
    if engine.state is not None and scope is None and settings.state and load:
        state = read_state(settings.state)
    if engine.state is not None and state is not None:
        engine.state.load(state)
    elif seed and engine.state is not None and not engine.state.store.collections() and (scope or not settings.state):
        engine.state.seed(progress)  # several specs: one the --state file leaves out is seeded
    return engine


def _unseeded(engine: MockEngine, settings: Settings) -> bool:
    """A store to seed: stateful, no --state file, and empty (a persisted or shared store keeps what it has)."""
    return engine.state is not None and not settings.state and not engine.state.store.collections()


def build(
    spec: Spec,
    settings: Settings,
    sock: socket.socket,
    *,
    token: str | None = None,
    seed: bool | Literal["on start"] = ON_START,
    progress: Progress | None = None,
    plane: Plane | None = None,
) -> Runtime:
    """Everything for one process, wired.

    `seed=True` seeds now (headless: `progress` prints how far it got), `False` never (workers, whose
    store is already seeded); `"on start"`, the default (the control room), seeds a store of
    `BACKGROUND_FROM` records or more in a thread once `Runtime.start` has the server listening.
    """
    engine = build_engine(spec, settings, seed=False, load=seed is not False)
    seeding: SeedProgress | None = None
    if seed is not False and engine.state is not None and _unseeded(engine, settings):
        plan = engine.state.seed_plan()
        if seed == ON_START and sum(n for _, n in plan) >= BACKGROUND_FROM:
            seeding = SeedProgress(plan)
        else:
            engine.state.seed(progress)
    return assemble(engine, sock, settings, token=token, seeding=seeding, plane=plane or plane_for(spec, settings))


def assemble(
    engine: MockEngine,
    sock: socket.socket,
    settings: Settings | None = None,
    *,
    token: str | None = None,
    seeding: SeedProgress | None = None,
    plane: Plane | None = None,
    supervisor: Supervisor | None = None,
) -> Runtime:
    """An engine served: the service over it, the admin API over that, the server, the reloader.

    With `seeding`, the store is seeded when the runtime starts; until then the engine answers 503.
    `plane` is how it agrees with other processes of the same mock (alone: a `SoloPlane`).
    """
    settings = settings or Settings()
    plane = plane or SoloPlane()
    count_in(engine, plane)
    reloader = reloader_for(engine, settings)
    service = MockService(engine, reloader.reload_now if reloader is not None else None, plane)
    engine.seeding = seeding  # mock requests get 503 and store verbs 409 until it is done
    proxy = proxy_for(engine, settings, plane)
    runner = ServerRunner(MockApp(engine, build_admin(service, token), proxy), sock)
    reload = reloader if settings.reload else None
    recorder = open_recorder(settings, engine.events)
    subscribe_settings(engine, settings)
    hooks = deliverer_for(engine, settings, plane) if supervisor is None else None
    return Runtime(settings, engine, service, runner, reload, token, seeding, plane, supervisor, recorder, proxy=proxy,
                   webhooks=hooks)  # fmt: skip


def count_in(engine: MockEngine, plane: Plane) -> None:
    """One process of many: the engine counts (scenario calls, rate limits) where they all count."""
    if plane.shared:
        engine.use_counters(plane)
        if isinstance(engine.behaviour.limiter, MemoryLimiter):  # a Redis store brings its own shared limiter
            engine.behaviour.limiter = CountingLimiter(plane)


def reloader_for(engine: MockEngine, settings: Settings) -> Reloader | None:
    """The spec file watched and read again; under `--mount`, mounted again where it was."""
    if not settings.spec:
        return None
    prefix = mount_of(settings.spec, settings.mounts)
    if prefix is None:
        return Reloader(engine, settings.spec)
    return MountReloader(engine, settings.spec, "", prefix, others=list, swapped=lambda: None)


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


def subscribe_settings(engine: MockEngine, settings: Settings) -> None:
    """The subscriptions `--webhook` and mocktui.yaml name, in this process's outbox (a supervisor's too:
    its document is what its workers start from)."""
    outbox = outbox_of(engine)
    for name, plan in settings.webhooks.items():
        for url in plan["urls"]:
            outbox.subscribe(name, url)


def deliverer_for(engine: MockEngine, settings: Settings, plane: Plane, spec: str | None = None) -> Deliverer:
    """Callbacks and webhooks: subscriptions, store-event mapping, delays and schedules from the settings;
    in a cluster, each scheduled round is claimed in the plane, so one process fires it. `spec`: its name
    when one instance serves several (its deliveries are journalled, and exported, under it)."""
    subscribe_settings(engine, settings)
    plans = settings.webhooks.items()
    claim = (lambda key, ttl: plane.incr(key, 1, ttl) == 1) if plane.shared else None
    return Deliverer(engine, secret=settings.webhook_secret, retries=settings.webhook_retries, member=plane.member,
                     store_map={n: list(p["on"]) for n, p in plans if p["on"]},
                     schedules={n: p["every"] for n, p in plans if p["every"]},
                     delays={n: p["delay"] for n, p in plans if p.get("delay")}, claim=claim, spec=spec)  # fmt: skip


def proxy_for(engine: MockEngine, settings: Settings, plane: Plane) -> Proxy | None:
    """--proxy: the forwarder; its findings count in the plane, so any worker's drift fails --fail-on-drift."""
    if not settings.proxy:
        return None
    if settings.proxy_timeout <= 0:
        raise StartError(f"--proxy-timeout: must be above 0 seconds, got {settings.proxy_timeout:g}")
    try:
        return Proxy(engine, settings.proxy, strict=settings.proxy_strict, timeout=settings.proxy_timeout,
                     count=lambda found: plane.incr(DRIFT_COUNTER, found))  # fmt: skip
    except ValueError as exc:
        raise StartError(f"--proxy: {exc}") from None


def cluster_url(settings: Settings) -> str | None:
    """The Redis that holds the cluster: `--cluster`, or the Redis store (instances sharing a store are one mock)."""
    store = settings.store_url or ""
    return settings.cluster or (store if store.startswith(("redis://", "rediss://", "unix://")) else None)


def plane_for(
    spec: Spec, settings: Settings, *, hub: str | None = None, mirror: bool = False, serves: bool = True,
    several: bool = False,
) -> Plane:  # fmt: skip
    """This process's link to the rest of the mock: Redis when there is one, the supervisor's hub
    for its workers, or none. `several`: one spec of several in one instance, whose scope also says
    where it is mounted (two mounts of one spec are two mocks, and apart from that spec served alone)."""
    url = cluster_url(settings)
    if url is not None:
        scope = spec_scope(spec.title, spec.api_version, [op.id for op in spec.operations])
        scope += f"@{spec.base_path or '/'}" if several else ""
        return RedisPlane(url, scope=scope, mirror=mirror, serves=serves)
    if hub is not None:
        return HubClient(hub)
    return SoloPlane()


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


def refuse_memory(settings: Settings) -> None:
    """`--workers N` with the memory store: each worker would answer from its own records; one line says so."""
    try:
        kind = store_kind(settings.store_url or "memory").name if settings.stateful_mode else None
    except StoreError as exc:
        raise StartError(f"--store: {exc}") from None
    if kind == "memory":
        raise StartError(
            f"--workers {settings.workers}: the memory store lives in one process, so each worker would "
            "answer from its own records; use --store sqlite:FILE (one host) or --store redis://HOST:PORT/DB"
        )


def _open_store(settings: Settings, scope: str | None = None) -> Store:
    url = settings.store_url or "memory"
    try:
        return open_store(url, scope)
    except StoreError as exc:
        flag = "--persist" if settings.persist and not settings.store else "--store"
        raise StartError(f"{flag}: {exc}", code=1 if exc.environment else 2) from None


def load_replay(settings: Settings) -> Replay | None:
    """The --replay recordings, indexed; a bad file stops start-up naming it."""
    if not settings.replay:
        return None
    try:
        return Replay.load(settings.replay)
    except HarError as exc:
        raise StartError(f"--replay {exc}") from None


def open_recorder(settings: Settings, events: EventStream) -> Recorder | None:
    if settings.record is None:
        return None
    try:
        return Recorder(settings.record, events, everything=settings.record_all, secrets=settings.record_secrets)
    except OSError as exc:
        raise StartError(f"--record {settings.record}: {exc.strerror or exc}") from None


def scenario_files(settings: Settings) -> ScenarioFiles:
    """Rules file, hooks file and packs from --scenarios / SCENARIOS / ENABLE_SCENARIOS / --hooks.

    Every pack is attached either way (switched off unless asked for), so the TUI can turn it on.
    """
    given = settings.scenarios
    files = [item for item in given or () if item.endswith((".yaml", ".yml", ".json")) or os.path.isfile(item)]
    if len(files) > 1:
        raise StartError(f"--scenarios: one rules file at a time, got {', '.join(files)}")
    names = tuple(item for item in given or () if item not in files)
    every = settings.enable_scenarios or (given is not None and not given)  # `--scenarios` alone: every pack
    return ScenarioFiles(files[0] if files else None, settings.hooks, None if every else names)


def controls_from(settings: Settings) -> Controls:
    """The initial live settings; from here on the admin API and the TUI change them."""
    low, high = settings.delay or (settings.min_delay or 0.0, settings.max_delay or settings.min_delay or 0.0)
    if low > high:
        raise ConfigError(f"delay: MIN_DELAY {low:g} is above MAX_DELAY {high:g}")
    faults = Faults(error_rate=settings.error_rate, chaos=dict(settings.chaos or {}))
    if settings.error_mix:
        faults.mix = dict(settings.error_mix)
    requests, window = settings.rate_limit or (settings.rate_limit_requests, settings.rate_limit_window)
    limited = settings.rate_limit is not None or settings.enable_rate_limiting
    return Controls(
        stateful=settings.stateful_mode,
        dynamic=settings.dynamic,
        cors_origin=settings.cors_origin,
        cors_credentials=settings.cors_credentials,
        security=settings.security,
        validate_requests=settings.validate_requests,
        validate_responses=settings.validate_responses,
        api_key=settings.api_key,
        max_body=settings.max_body,
        delay=Delay(low, high, settings.delay_distribution),
        faults=faults,
        rate_limit=RateLimit(limited, requests, window, settings.rate_limit_key),
        chaos_seed=settings.chaos_seed,
        mode=("proxy" if settings.proxy_strict else "auto") if settings.proxy else "mock",
    )


def read_state_json(path: str) -> Any:
    """A `--state` file's JSON."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise StartError(f"--state {path}: {exc}") from None


def read_state(path: str) -> State:
    """A `--state` file: `{collection: [records...]}` as the admin API exports it."""
    state = read_state_json(path)
    if not isinstance(state, dict) or not all(isinstance(v, list) for v in state.values()):
        raise StartError(f"--state {path}: expected {{collection: [records...]}}")
    return state
