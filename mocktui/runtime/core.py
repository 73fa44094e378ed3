"""The `Runtime` (one running mock: engine, service, server, reloader, plane) and the wiring that builds one
process of it: `build` for one spec, `assemble` once its engine exists."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from dataclasses import dataclass, field
from typing import Literal

from mocktui.cluster.plane import Plane, PlaneError, SoloPlane
from mocktui.cluster.supervisor import Supervisor
from mocktui.engine.events import EventStream
from mocktui.engine.outbox import outbox_of
from mocktui.engine.pipeline import MockEngine
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.mounts import mount_of
from mocktui.engine.stateful.seeding import Progress, SeedCancelled, SeedProgress
from mocktui.engine.steer.behaviour import CountingLimiter, MemoryLimiter
from mocktui.runtime.errors import StartError
from mocktui.runtime.planes import plane_for
from mocktui.runtime.recipe import build_engine
from mocktui.server.admin import build_admin
from mocktui.server.app import MockApp
from mocktui.server.dispatch import Mount, MountReloader
from mocktui.server.proxy import Proxy
from mocktui.server.recorder import Recorder
from mocktui.server.reload import Reloader
from mocktui.server.runner import BadAddress, PortInUse, ServerRunner, bind
from mocktui.server.webhooks import Deliverer
from mocktui.service import MockService
from mocktui.settings.table import Settings

LOOPBACK = ("127.0.0.1", "::1", "localhost")


ON_START: Literal["on start"] = "on start"


DRIFT_COUNTER = "drift"  # findings of the backend behind --proxy, counted across every process


BACKGROUND_FROM = 5_000  # records: a smaller seed takes well under a second and is done in `build`


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


def open_recorder(settings: Settings, events: EventStream) -> Recorder | None:
    if settings.record is None:
        return None
    try:
        return Recorder(settings.record, events, everything=settings.record_all, secrets=settings.record_secrets)
    except OSError as exc:
        raise StartError(f"--record {settings.record}: {exc.strerror or exc}") from None
