"""`--headless`: the mock without the control room, for CI, scripts and containers.

One process, or `--workers N` spawned processes on one listening socket, steered as one by this
process (cluster/: the control plane, the shared journal and counters; the supervisor). Request lines go to
stdout at log level info, the mock's notices (reloads, broken edits) always. A big seed says how
far it got once a second (`mocktui: seeding users 30,000/100,000...`): the store is filled before
the port answers, and a silent minute looks like a hang.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import signal
import sys
import time
from collections.abc import Sequence

from mocktui.engine.events import Notice, RequestEvent
from mocktui.engine.spec.model import Spec
from mocktui.engine.stateful.seeding import SeedProgress
from mocktui.runtime import Runtime, StartError, admin_token, compose, listen, refuse_several
from mocktui.settings.table import Settings


def run_headless(spec: Spec | Sequence[Spec], settings: Settings) -> int:
    """Serve `spec` (or several specs in one instance) until SIGINT or SIGTERM."""
    if not isinstance(spec, Spec):
        refuse_several(settings)
    sock = listen(settings)
    token = admin_token(settings)
    out = log_for(settings)
    lines = SeedLines(out)
    runtime = compose(spec, settings, sock, token=token, room=False, progress=lines)
    lines.finished()
    return serve(runtime, out=out, fail_on_drift=settings.fail_on_drift)


def log_for(settings: Settings) -> TextLog | JsonLog:
    return JsonLog() if settings.log_format == "json" else TextLog()


def serve(
    runtime: Runtime, banner: bool = True, out: TextLog | JsonLog | None = None, fail_on_drift: bool = False
) -> int:
    """Run until SIGINT or SIGTERM; request lines and notices on stdout (text, or JSON lines). With
    `fail_on_drift` (the one process, or the supervisor: never a worker), exit 1 when the backend behind
    --proxy broke the spec anywhere in the mock.

    A supervisor prints notices (its workers' too: they reach it through the plane) and leaves
    request lines to the workers that served them; a worker prints only its request lines.
    """
    engine = runtime.engine
    out = out or log_for(runtime.settings)
    if banner:
        engine.events.subscribe_notices(out.notice)
    if runtime.serving and runtime.settings.log_level in ("debug", "info"):
        engine.events.subscribe(out.request)
    elif runtime.serving and engine.controls.validate_responses:
        engine.events.subscribe(lambda event: out.request(event) if event.notes else None)

    drift = 0

    async def main() -> None:
        nonlocal drift
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await runtime.start()
        except StartError as exc:
            print(f"mocktui: {exc}", file=sys.stderr, flush=True)
            runtime.close()
            raise SystemExit(exc.code) from None
        gc.collect()
        gc.freeze()  # start-up's objects (spec, compiled generators) out of the collector's way: shorter pauses
        gc.enable()  # the CLI turned it off while it read and compiled the specs
        if banner:
            out.started(runtime)
        await stop.wait()
        if fail_on_drift:  # read while every worker still answers the journal
            drift = runtime.drift_findings()
        await runtime.stop()
        runtime.close()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:  # pragma: no cover - uvloop is a dependency, but optional in spirit
        asyncio.run(main())
    if drift:
        print(f"mocktui: drift: {drift:,} finding{'s' if drift != 1 else ''} of the backend against the spec "
              "(GET /__mocktui/drift); exit 1 (--fail-on-drift)", file=sys.stderr, flush=True)  # fmt: skip
        return 1
    return 0


class SeedLines:
    """The `progress` of a seed before listening: a line a second while it lasts, one when it is done.

    A seed done within the first second prints nothing, so small mocks start as quietly as ever.
    """

    def __init__(self, out: TextLog | JsonLog, every: float = 1.0) -> None:
        self.out = out
        self.every = every
        self.progress = SeedProgress()
        self.last: float | None = None
        self.printed = False

    def __call__(self, collection: str, done: int, total: int) -> None:
        self.progress(collection, done, total)
        now = time.monotonic()
        self.last = self.last or now
        if now - self.last >= self.every:
            self.last = now
            self.printed = True
            self.out.seeding(collection, done, total)

    def finished(self) -> None:
        if self.printed:
            self.out.seeded(self.progress.seeded, self.progress.elapsed)


class TextLog:
    """Lines for people: the banner, the routes, one line per request, notices, seeding progress."""

    def seeding(self, collection: str, done: int, total: int) -> None:
        print(f"mocktui: seeding {collection} {done:,}/{total:,}...", flush=True)

    def seeded(self, records: int, seconds: float) -> None:
        print(f"mocktui: seeded {records:,} records in {seconds:.1f} s", flush=True)

    def started(self, runtime: Runtime) -> None:
        lines = [f"mocktui: {runtime.banner()}"]
        if runtime.token:
            lines.append(f"mocktui: admin API token: {runtime.token}  (Authorization: Bearer {runtime.token})")
        if runtime.settings.log_level in ("debug", "info"):
            for service in [m.service for m in runtime.mounts] or [runtime.service]:
                base, name = service.engine.spec.base_path, f"{service.scope}: " if service.scope else ""
                lines += [f"  {op['method']:<7} {base}{op['path']}  {name}{op['id']}" for op in service.operations()]
        print("\n".join(lines), flush=True)

    def request(self, event: RequestEvent) -> None:
        log_line(event)

    def notice(self, notice: Notice) -> None:
        print(f"mocktui: {notice.level}: {notice.text}", flush=True)


class JsonLog:
    """One JSON object per line, ISO 8601 timestamps in UTC: for log shippers and scripts."""

    @staticmethod
    def _write(kind: str, at: float, level: str, fields: dict[str, object]) -> None:
        stamp = dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        sys.stdout.write(json.dumps({"time": stamp, "level": level, "event": kind, **fields}) + "\n")
        sys.stdout.flush()

    def seeding(self, collection: str, done: int, total: int) -> None:
        self._write("seeding", time.time(), "info", {"collection": collection, "done": done, "total": total})

    def seeded(self, records: int, seconds: float) -> None:
        self._write("seeded", time.time(), "info", {"records": records, "seconds": round(seconds, 3)})

    def started(self, runtime: Runtime) -> None:
        spec = runtime.engine.spec
        fields: dict[str, object] = {"url": runtime.url + spec.base_path, "title": spec.title}
        if runtime.token:
            fields["admin_token"] = runtime.token
        fields["routes"] = [
            {k: op[k] for k in ("method", "path", "id")} | ({"spec": service.scope} if service.scope else {})
            for service in [m.service for m in runtime.mounts] or [runtime.service]
            for op in service.operations()
        ]
        self._write("listening", time.time(), "info", fields)

    def request(self, event: RequestEvent) -> None:
        level = "error" if event.status >= 500 else "warning" if event.notes else "info"
        fields: dict[str, object] = {
            "method": event.method,
            "path": event.path,
            "query": event.query,
            "status": event.status,
            "latency_ms": round(event.latency_ms, 3),
            "operation": event.operation,
            "tags": list(event.tags),
            "notes": list(event.notes),
            "scenario": event.scenario,
        }
        if event.spec:  # several specs in one instance: which one answered
            fields["spec"] = event.spec
        self._write("request", event.time, level, fields)

    def notice(self, notice: Notice) -> None:
        self._write("notice", notice.time, notice.level, {"text": notice.text})


def log_line(event: RequestEvent) -> None:
    query = f"?{event.query}" if event.query else ""
    operation = f" [{event.operation}]" if event.operation else ""
    sys.stdout.write(
        f"{time.strftime('%H:%M:%S', time.localtime(event.time))} {event.status} {event.method} "
        f"{event.path}{query} {event.latency_ms:.1f}ms{operation}\n"
    )
    tag = next((tag for tag in event.tags if tag in _NOTE_HEADS), "")
    says = _NOTE_HEADS.get(tag, "  ! response breaks the spec: ")
    for note in event.notes:
        sys.stdout.write(f"{says}{note}\n")
    sys.stdout.flush()


# What an event's notes are, by its tag: a finding against the spec, or why the spec answered, or a delivery.
_NOTE_HEADS = {
    "fallback": "  ~ answered from the spec: ",
    "backend-error": "  ! backend: ",
    "webhook": "  > webhook: ",
    "callback": "  > callback: ",
    "drift": "  ! backend breaks the spec: ",
}
