"""Command line: `mocktui SPEC [--headless]` and `mocktui validate SPEC`."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Sequence

from mocktui import __version__
from mocktui.engine.errors import SpecError
from mocktui.engine.events import RequestEvent
from mocktui.engine.spec import Spec, load_spec

LOG_LEVELS = ("debug", "info", "warning", "error")


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}: not a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: must be 0-65535")
    return port


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.I)


def _size(value: str) -> int:
    match = _SIZE.match(value)
    if match is None:
        raise argparse.ArgumentTypeError(f"invalid size {value!r}: use bytes or a number with k, M or G")
    return int(float(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " "))


def _env_port() -> int:
    raw = os.environ.get("PORT")
    if raw is None:
        return 3000
    try:
        return _port(raw)
    except argparse.ArgumentTypeError as exc:
        print(f"mocktui: PORT: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocktui",
        description="Mock an OpenAPI 3.0/3.1 or Swagger 2.0 API, with a live terminal control room.",
        epilog="Other commands: 'mocktui validate SPEC' checks a spec and exits.",
    )
    parser.add_argument("spec", help="OpenAPI/Swagger file (YAML or JSON)")
    parser.add_argument("--headless", action="store_true", help="run the mock without the terminal UI")
    parser.add_argument(
        "--host", default=os.environ.get("HOST", "127.0.0.1"), help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=_port, default=None, help="port to listen on (default 3000, or $PORT)")
    parser.add_argument("--dynamic", action="store_true", help="generate a fresh response for every request")
    parser.add_argument("--faker-seed", type=int, default=None, help="seed for reproducible generated data")
    parser.add_argument(
        "--log-level",
        default=os.environ.get("LOG_LEVEL", "info").lower(),
        choices=LOG_LEVELS,
        help="info logs one line per request (default info)",
    )
    parser.add_argument("--cors-origin", default=os.environ.get("CORS_ORIGIN", "*"), help="allowed CORS origin(s)")
    parser.add_argument("--no-security", action="store_true", help="do not check the spec's security schemes")
    parser.add_argument("--no-validate", action="store_true", help="accept requests that break the contract")
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the spec; violations are logged and tagged in the events",
    )
    parser.add_argument(
        "--max-body", type=_size, default=10 * 1024 * 1024, help="largest request body, e.g. 512k, 10M (default 10M)"
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="with REQUIRE_AUTH=true (or this flag), every mock route requires 'X-API-Key: KEY' ($API_KEY)",
    )
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
    options = serve_parser().parse_args(args)
    if options.port is None:
        options.port = _env_port()
    spec = _load_or_report(options.spec)
    if spec is None:
        return 2
    # The terminal UI arrives with its own issue; until then both modes serve headless.
    return run_headless(spec, options)


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
    from mocktui.engine.lint import example_problems

    warnings = spec.warnings + example_problems(spec)
    for warning in warnings:
        print(warning.format())
    elapsed = time.perf_counter() - started
    name = {"2.0": "Swagger 2.0"}.get(spec.version, f"OpenAPI {spec.version}")
    print(
        f"ok: {spec.file} ({name}, {spec.title!r} {spec.api_version}): {len(spec.operations)} operations, "
        f"{spec.named_schemas} schemas, {len(warnings)} warnings, base path {spec.base_path or '/'} "
        f"({elapsed:.2f}s)"
    )
    return 0


def run_headless(spec: Spec, options: argparse.Namespace) -> int:
    from mocktui.engine.control import Controls
    from mocktui.engine.mock import MockEngine
    from mocktui.server.admin import build_admin
    from mocktui.server.app import MockApp
    from mocktui.server.runner import PortInUse, ServerRunner, bind

    try:
        sock = bind(options.host, options.port)
    except PortInUse as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return 1
    require_auth = os.environ.get("REQUIRE_AUTH", "").lower() in ("1", "true", "yes", "on")
    api_key = options.api_key or (os.environ.get("API_KEY") if require_auth else None)
    controls = Controls(
        dynamic=options.dynamic,
        cors_origin=options.cors_origin,
        security=not options.no_security,
        validate_requests=not options.no_validate,
        api_key=api_key,
        validate_responses=options.validate_responses,
        max_body=options.max_body,
    )
    engine = MockEngine(spec, controls=controls, faker_seed=options.faker_seed)
    if options.log_level in ("debug", "info"):
        engine.events.subscribe(_log_line)
    elif options.log_level == "warning" and options.validate_responses:
        engine.events.subscribe(lambda event: _log_line(event) if event.notes else None)
    runner = ServerRunner(MockApp(engine, build_admin(engine)), sock)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runner.start()
        host = f"[{runner.host}]" if ":" in runner.host else runner.host
        print(
            f"mocktui: serving {spec.title!r} ({len(spec.operations)} operations) on "
            f"http://{host}:{runner.port}{spec.base_path}  (admin: /__mocktui/, Ctrl+C to stop)",
            flush=True,
        )
        await stop.wait()
        await runner.stop()

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
