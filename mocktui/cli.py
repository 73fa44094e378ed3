"""Command line: `mocktui SPEC [--headless]` and `mocktui validate SPEC`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import secrets
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mocktui import __version__
from mocktui.config import ConfigError, add_arguments, resolve
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.events import RequestEvent
from mocktui.engine.spec.model import Spec, load_spec

if TYPE_CHECKING:
    import socket

    from mocktui.engine.steer.controls import Controls
    from mocktui.engine.pipeline import MockEngine
    from mocktui.engine.scenarios.runner import Scenarios


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocktui",
        description="Mock an OpenAPI 3.0/3.1 or Swagger 2.0 API, with a live terminal control room.",
        epilog="Other commands: 'mocktui validate SPEC', 'mocktui init [DIR]', 'mocktui attach URL'. "
        "Every option also comes from the environment, .env or mocktui.yaml (see the README).",
    )
    parser.add_argument("spec", nargs="?", default=None, help="OpenAPI/Swagger file (YAML or JSON)")
    parser.add_argument("--config", metavar="FILE", help="settings file (default: ./mocktui.yaml when present)")
    add_arguments(parser)
    parser.add_argument("--version", action="version", version=f"mocktui {__version__}")
    return parser


def validate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mocktui validate", description="Check a spec and print its problems.")
    parser.add_argument("spec", help="OpenAPI/Swagger file (YAML or JSON)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "validate":
        return validate(validate_parser().parse_args(args[1:]).spec)
    if args and args[0] == "init":
        from mocktui.scaffold import init

        return init(args[1:])
    if args and args[0] == "attach":
        return attach(args[1:])
    given = serve_parser().parse_args(args)
    try:
        options = resolve(given, config=Path(given.config) if given.config else None)
    except ConfigError as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return 2
    if not options.spec:
        print("mocktui: no spec: give SPEC, or `spec:` in mocktui.yaml", file=sys.stderr)
        return 2
    spec = _load_or_report(options.spec)
    if spec is None:
        return 2
    try:
        if options.headless:
            return run_headless(spec, options)
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print("mocktui: no terminal here, so serving headless (add --headless to say so)", file=sys.stderr)
            return run_headless(spec, options)
        from mocktui.ui.app import run_tui

        return run_tui(spec, options)
    except ConfigError as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return 2


def attach(argv: Sequence[str]) -> int:
    """`mocktui attach URL`: the control room for a headless mock running elsewhere."""
    parser = argparse.ArgumentParser(prog="mocktui attach", description="Open the control room over a running mock.")
    parser.add_argument("url", help="the mock's address, e.g. http://127.0.0.1:3000")
    parser.add_argument("--token", default=os.environ.get("ADMIN_TOKEN"), help="its admin token, if it has one")
    options = parser.parse_args(argv)
    from mocktui.ui.app import run_attach

    return run_attach(options.url, options.token)


def _load_or_report(path: str) -> Spec | None:
    try:
        return load_spec(path)
    except SpecError as exc:
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        count = len(exc.problems)
        print(f"mocktui: {path}: {count} error{'s' if count != 1 else ''}; not served", file=sys.stderr)
        return None


def validate(path: str) -> int:
    started = time.perf_counter()
    spec = _load_or_report(path)
    if spec is None:
        return 2
    from mocktui.engine.contract.lint import example_problems

    warnings = spec.warnings + example_problems(spec)
    for warning in warnings:
        print(warning.format())
    for line in _resource_lines(spec):
        print(line)
    elapsed = time.perf_counter() - started
    name = {"2.0": "Swagger 2.0"}.get(spec.version, f"OpenAPI {spec.version}")
    print(
        f"ok: {spec.file} ({name}, {spec.title!r} {spec.api_version}): {len(spec.operations)} operations, "
        f"{spec.named_schemas} schemas, {len(warnings)} warnings, base path {spec.base_path or '/'} "
        f"({elapsed:.2f}s)"
    )
    return 0


def _resource_lines(spec: Spec) -> list[str]:
    """What stateful mode would make of the spec: its resources and how they connect."""
    from mocktui.engine.stateful.resources import infer

    resources, bindings = infer(spec)
    lines = []
    for resource in resources.values():
        roles = sorted({b.role for b in bindings.values() if b.resource is resource})
        facts = [f"id {resource.id_field} ({resource.id_kind})", "/".join(roles)]
        facts += [f"under {parent}" for parent, _ in resource.parents.values()]
        facts += [f"{field} -> {target}" for field, target in resource.refs.items()]
        facts += [f"unique {field}" for field in resource.unique]
        lines.append(f"resource {resource.name}: {', '.join(facts)}")
    return lines


def build_engine(spec: Spec, options: argparse.Namespace, *, seed: bool = True) -> MockEngine:
    """The engine the options describe: controls, store, seeded or loaded state."""
    from mocktui.engine.pipeline import MockEngine
    from mocktui.engine.stores.base import open_store

    store_url = options.store or (f"sqlite:{options.persist}" if options.persist else None)
    stateful = options.stateful or store_url is not None or options.state is not None
    engine = MockEngine(spec, controls=controls_from(options, stateful), faker_seed=options.faker_seed)
    if stateful:
        state = engine.attach_store(
            open_store(store_url or "memory"), seed_count=options.seed, seed_counts=options.seed_counts
        )
        if options.state:
            state.load(_read_state(options.state))
        elif seed and not state.store.collections():
            state.seed()  # a persisted or shared store keeps what it has
    engine.scenarios = load_scenarios(engine, options)
    return engine


def scenario_sources(options: argparse.Namespace) -> tuple[str | None, list[str] | None]:
    """(rules file, packs) from --scenarios / SCENARIOS / ENABLE_SCENARIOS; None packs: every pack."""
    given = options.scenarios
    files = [item for item in given or [] if item.endswith((".yaml", ".yml", ".json")) or os.path.isfile(item)]
    if len(files) > 1:
        raise ConfigError(f"--scenarios: one rules file at a time, got {', '.join(files)}")
    names = [item for item in given or [] if item not in files]
    if options.enable_scenarios or (given is not None and not given):
        return (files[0] if files else None), None  # `--scenarios` alone: every pack
    return (files[0] if files else None), names


def load_scenarios(engine: MockEngine, options: argparse.Namespace) -> Scenarios:
    """Rules, hooks and packs; packs not asked for are loaded switched off, so the TUI can turn them on."""
    from mocktui.engine.scenarios.runner import ScenarioError, Scenarios

    rules, packs = scenario_sources(options)
    try:
        scenarios = Scenarios.load(engine, rules, options.hooks, packs)
    except ScenarioError as exc:
        raise ConfigError("scenarios:\n  " + "\n  ".join(exc.problems)) from None
    # The packs that fit this spec, on or off, in the one control object: the TUI and admin API switch them.
    engine.controls.packs = {name: scenarios.pack_enabled(name) for name, fits in scenarios.packs.items() if fits}
    return scenarios


def controls_from(options: argparse.Namespace, stateful: bool) -> Controls:
    """The initial live settings; from here on the admin API and the TUI change them."""
    from mocktui.engine.steer.controls import Controls, Delay, Faults, RateLimit

    low, high = options.delay or (options.min_delay or 0.0, options.max_delay or options.min_delay or 0.0)
    if low > high:
        raise ConfigError(f"delay: MIN_DELAY {low:g} is above MAX_DELAY {high:g}")
    faults = Faults(error_rate=options.error_rate, chaos=options.chaos or {})
    if options.error_mix:
        faults.mix = options.error_mix
    requests, window = options.rate_limit or (options.rate_limit_requests, options.rate_limit_window)
    limited = options.rate_limit is not None or options.enable_rate_limiting
    return Controls(
        stateful=stateful,
        dynamic=options.dynamic,
        cors_origin=options.cors_origin,
        cors_credentials=options.cors_credentials,
        security=options.security,
        validate_requests=options.validate_requests,
        validate_responses=options.validate_responses,
        api_key=options.api_key,
        max_body=options.max_body,
        delay=Delay(low, high, options.delay_distribution),
        faults=faults,
        rate_limit=RateLimit(limited, requests, window, options.rate_limit_key),
        chaos_seed=options.chaos_seed,
    )


def _read_state(path: str) -> dict[str, list[dict[str, object]]]:
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"mocktui: --state {path}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if not isinstance(state, dict) or not all(isinstance(v, list) for v in state.values()):
        print(f"mocktui: --state {path}: expected {{collection: [records...]}}", file=sys.stderr)
        raise SystemExit(2)
    return state


def listen(options: argparse.Namespace) -> socket.socket | None:
    """The listening socket, or None after one line saying the port is taken (exit 1)."""
    from mocktui.server.runner import PortInUse, bind

    try:
        return bind(options.host, options.port)
    except PortInUse as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return None


def run_headless(spec: Spec, options: argparse.Namespace) -> int:
    if options.workers > 1 and not (options.store or "").startswith(("redis://", "rediss://", "unix://")):
        print("mocktui: --workers needs a shared store: add --store redis://127.0.0.1:6379/0", file=sys.stderr)
        return 2
    sock = listen(options)
    if sock is None:
        return 1
    if options.workers <= 1:
        return _serve(build_engine(spec, options), sock, options, admin_token(options))
    build_engine(spec, options).state.store.close()  # type: ignore[union-attr]  # seed once, before forking
    token = admin_token(options)
    if token:
        print(f"mocktui: admin API token: {token}", flush=True)
    children = []
    for _ in range(options.workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own engine and Redis connection, the shared listening socket
            os._exit(_serve(build_engine(spec, options, seed=False), sock, options, token, banner=False))
        children.append(pid)
    print(f"mocktui: {options.workers} workers on port {sock.getsockname()[1]}", flush=True)
    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
    return 0


def _reload_scenarios(engine: MockEngine) -> None:
    if engine.scenarios is not None:
        engine.scenarios = engine.scenarios.reload(engine)  # a ScenarioError keeps the old ones


def admin_token(options: argparse.Namespace) -> str | None:
    """The admin API's token: the one given, or a fresh one when listening beyond loopback."""
    if options.admin_token:
        return str(options.admin_token)
    if options.host in ("127.0.0.1", "::1", "localhost") or options.host.startswith("127."):
        return None
    return secrets.token_urlsafe(18)


def _serve(
    engine: MockEngine, sock: socket.socket, options: argparse.Namespace, token: str | None = None, banner: bool = True
) -> int:
    from mocktui.server.admin import build_admin
    from mocktui.server.app import MockApp
    from mocktui.server.reload import Reloader
    from mocktui.server.runner import ServerRunner

    spec = engine.spec
    log_level = options.log_level
    engine.events.subscribe_notices(lambda n: print(f"mocktui: {n.level}: {n.text}", flush=True))
    if log_level in ("debug", "info"):
        engine.events.subscribe(_log_line)
    elif engine.controls.validate_responses:
        engine.events.subscribe(lambda event: _log_line(event) if event.notes else None)
    runner = ServerRunner(MockApp(engine, build_admin(engine, token)), sock)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runner.start()
        gc.collect()
        gc.freeze()  # start-up's objects (spec, compiled generators) out of the collector's way: shorter pauses
        extra = [p for p in (scenario_sources(options)[0], options.hooks) if p]
        reloader = Reloader(engine, options.spec, extra, on_extra_change=lambda: _reload_scenarios(engine))
        watcher = asyncio.create_task(reloader.run()) if options.reload else None
        if banner:
            host = f"[{runner.host}]" if ":" in runner.host else runner.host
            mode = f", stateful ({engine.state.store.kind} store)" if engine.state and engine.controls.stateful else ""
            print(
                f"mocktui: serving {spec.title!r} ({len(spec.operations)} operations{mode}) on "
                f"http://{host}:{runner.port}{spec.base_path}  (admin: /__mocktui/, Ctrl+C to stop)",
                flush=True,
            )
            if token:
                print(f"mocktui: admin API token: {token}  (Authorization: Bearer {token})", flush=True)
        await stop.wait()
        if watcher is not None:
            watcher.cancel()
        await runner.stop()
        if engine.state is not None:
            engine.state.store.close()

    try:
        import uvloop

        uvloop.run(serve())
    except ImportError:  # pragma: no cover - uvloop is a dependency, but optional in spirit
        asyncio.run(serve())
    return 0


def _log_line(event: RequestEvent) -> None:
    query = f"?{event.query}" if event.query else ""
    operation = f" [{event.operation}]" if event.operation else ""
    sys.stdout.write(
        f"{time.strftime('%H:%M:%S', time.localtime(event.time))} {event.status} {event.method} "
        f"{event.path}{query} {event.latency_ms:.1f}ms{operation}\n"
    )
    for note in event.notes:
        sys.stdout.write(f"  ! response breaks the spec: {note}\n")
    sys.stdout.flush()
