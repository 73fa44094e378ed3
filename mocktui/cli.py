"""Command line: `mocktui SPEC [--headless]`, `validate`, `init`, `attach` and `import`: parse, then hand over."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import shtab

from mocktui import __version__
from mocktui.engine.spec.errors import SpecError
from mocktui.engine.spec.model import Spec
from mocktui.engine.spec.mounts import Mounted, conflicts, mount, mount_of, spec_names
from mocktui.engine.spec.structure import load_checked
from mocktui.settings.parsers import parse_mounts
from mocktui.settings.resolve import ConfigError, add_arguments, resolve, spec_files
from mocktui.settings.table import Settings

LOAD_TICK_S = 1.0  # how often a slow spec load says it is still reading
MAX_LISTED = 50  # problems printed for a broken spec; the rest are counted


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocktui",
        allow_abbrev=False,  # `--headles` is a typo, not --headless
        description="Mock an OpenAPI 3.0/3.1 or Swagger 2.0 API, with a live terminal control room.",
        epilog="Other commands: 'mocktui validate SPEC', 'mocktui init [DIR]', 'mocktui attach URL', "
        "'mocktui import FILE.har --into examples|state|rules', 'mocktui export URL postman|har|pytest|scenario'. "
        "Every option also comes from the environment, .env or mocktui.yaml (see the README).",
    )
    spec = parser.add_argument("spec", nargs="*", default=None, metavar="SPEC",
                               help="OpenAPI/Swagger file (YAML or JSON), URL, or -; several: each mounted at its "
                               "base path (or --mount)")  # fmt: skip
    spec.complete = shtab.FILE  # type: ignore[attr-defined]
    parser.add_argument("--config", metavar="FILE", help="settings file (default: ./mocktui.yaml when present)")
    add_arguments(parser)
    parser.add_argument("--version", action="version", version=f"mocktui {__version__}")
    shtab.add_argument_to(parser, ["--print-completion"], help="print a shell completion script (bash, zsh, tcsh)")
    return parser


def validate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocktui validate", allow_abbrev=False, description="Check a spec and print its problems."
    )
    parser.add_argument("spec", nargs="+", metavar="SPEC",
                        help="OpenAPI/Swagger file (YAML or JSON); several: also checks that their routes do not "
                        "collide once mounted")  # fmt: skip
    parser.add_argument("--mount", action="append", default=[], metavar="/PREFIX=FILE",
                        help="mount a spec under this path instead of its servers base path (repeatable)")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:  # `mocktui --print-completion bash | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(args: list[str]) -> int:
    if args and args[0] == "validate":
        options = validate_parser().parse_args(args[1:])
        try:
            mounts = parse_mounts(options.mount)
        except ValueError as exc:
            print(f"mocktui validate: --mount: {exc}", file=sys.stderr)
            return 2
        return validate_all(spec_files(options.spec, mounts), mounts)
    if args and args[0] == "init":
        from mocktui.scaffold import init

        return init(args[1:])
    if args and args[0] == "attach":
        return attach(args[1:])
    if args and args[0] == "import":
        return import_har(args[1:])
    if args and args[0] == "export":
        from mocktui.exporting import export

        return export(args[1:])
    given = serve_parser().parse_args(args)
    try:
        settings = resolve(given, config=Path(given.config) if given.config else None)
    except ConfigError as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return 2
    if not settings.spec:
        print("mocktui: no spec: give SPEC, or `spec:` in mocktui.yaml", file=sys.stderr)
        return 2
    # Reading and compiling specs allocates millions of objects that live on; the cyclic collector would walk
    # them again and again (half the CPU of 31 specs' start-up). Off until the server runs: then one collection,
    # start-up's objects frozen out of its way, and on again (headless.serve, ui.room; at the latest, here).
    gc.disable()
    try:
        return _serve(settings)
    finally:
        gc.enable()


def _serve(settings: Settings) -> int:
    """The specs loaded, mounted and served, headless or in the control room; the exit code."""
    specs = load_mounted(settings.specs, settings.mounts)
    if specs is None:
        return 2
    spec: Spec | list[Spec] = specs[0] if len(specs) == 1 else specs
    from mocktui.headless import run_headless  # the server stack loads only to serve
    from mocktui.runtime import StartError

    try:
        if settings.headless:
            return run_headless(spec, settings)
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            print("mocktui: no terminal here, so serving headless (add --headless to say so)", file=sys.stderr)
            return run_headless(spec, settings)
        from mocktui.ui.app import run_tui

        return run_tui(spec, settings)
    except (ConfigError, StartError) as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return exc.code if isinstance(exc, StartError) else 2


def attach(argv: Sequence[str]) -> int:
    """`mocktui attach URL`: the control room for a headless mock running elsewhere."""
    parser = argparse.ArgumentParser(
        prog="mocktui attach", allow_abbrev=False, description="Open the control room over a running mock."
    )
    parser.add_argument("url", help="the mock's address, e.g. http://127.0.0.1:3000")
    parser.add_argument("--token", default=os.environ.get("ADMIN_TOKEN"), help="its admin token, if it has one")
    parser.add_argument("--config", metavar="FILE", help="settings file for `keys:` (default: ./mocktui.yaml)")
    options = parser.parse_args(argv)
    try:  # the same keys as the local control room: `keys:` in mocktui.yaml
        keys = resolve(argparse.Namespace(), config=Path(options.config) if options.config else None).keys
    except ConfigError as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return 2
    from mocktui.ui.app import run_attach

    return run_attach(options.url, options.token, keys)


def import_har(argv: Sequence[str]) -> int:
    """`mocktui import FILE.har --into examples|state|rules`: a recording as rules or seed data for the mock."""
    from mocktui.engine.har import HarError
    from mocktui.importer import TARGETS, run

    parser = argparse.ArgumentParser(
        prog="mocktui import", allow_abbrev=False, description="Compile a HAR recording into files the mock loads."
    )
    parser.add_argument("har", metavar="FILE.har", help="the recording (from --record, or a browser's HAR export)")
    parser.add_argument("--into", required=True, choices=TARGETS,
                        help="examples: a rules file of named examples; rules: the recorded sequences as rules; "
                        "state: {collection: [records]} for --state")  # fmt: skip
    parser.add_argument("--spec", help="the spec the recording is of (default: spec: in mocktui.yaml)")
    parser.add_argument("-o", "--output", metavar="OUT", help="where to write (default: beside FILE.har)")
    parser.add_argument("--config", metavar="FILE", help="settings file for `spec:` (default: ./mocktui.yaml)")
    options = parser.parse_args(argv)
    try:
        config = Path(options.config) if options.config else None
        spec_path = options.spec or resolve(argparse.Namespace(), config=config).spec
    except ConfigError as exc:
        print(f"mocktui: {exc}", file=sys.stderr)
        return 2
    if not spec_path:
        print("mocktui import: no spec: give --spec SPEC, or `spec:` in mocktui.yaml", file=sys.stderr)
        return 2
    spec = _load_or_report(spec_path)
    if spec is None:
        return 2
    try:
        result = run(options.har, options.into, spec, options.output)
    except (HarError, OSError) as exc:
        print(f"mocktui import: {options.har}: {exc}", file=sys.stderr)
        return 2
    for item in result.volatile:
        print(f"volatile: {item.line()}")
    print(f"wrote {result.out}: {result.written}")
    return 0


def _load_or_report(path: str, semantic: bool = False) -> Spec | None:
    try:
        return load_telling(path, semantic=semantic)
    except SpecError as exc:
        for problem in exc.problems[:MAX_LISTED]:
            print(problem.format(), file=sys.stderr)
        count = len(exc.problems)
        if count > MAX_LISTED:
            print(f"... and {count - MAX_LISTED} more", file=sys.stderr)
        print(f"mocktui: {path}: {count} error{'s' if count != 1 else ''}; not served", file=sys.stderr)
        return None


def load_telling(path: str, every: float = LOAD_TICK_S, *, semantic: bool = False) -> Spec:
    """`load_checked` (the model and the structure check; `semantic`: openapi-spec-validator's slower walk too),
    saying on stderr every `every` seconds that it is still reading (a 4 MB spec takes a few seconds, and a
    silent terminal looks hung); a quick load prints nothing."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mocktui-load") as pool:
        future = pool.submit(load_checked, path, semantic=semantic)
        started = time.perf_counter()
        while True:
            try:
                return future.result(timeout=every)
            except FutureTimeout:
                print(f"mocktui: reading {path}... {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)


def load_mounted(files: Sequence[str], mounts: Mapping[str, str], semantic: bool = False) -> list[Spec] | None:
    """Every spec loaded and mounted (its base path, or --mount's); None (said on stderr) when one is broken
    or two serve the same route: each collision names both places, `file:line`."""
    specs = [_load_or_report(file, semantic=semantic) for file in files]
    return mounted(files, specs, mounts)


def mounted(files: Sequence[str], specs: Sequence[Spec | None], mounts: Mapping[str, str]) -> list[Spec] | None:
    """The loaded specs mounted, or None: one did not load, or two serve the same route (said on stderr)."""
    if any(spec is None for spec in specs):
        return None
    loaded = [mount(spec, mount_of(file, mounts)) for file, spec in zip(files, specs, strict=True) if spec is not None]
    found = conflicts([Mounted(name, spec) for name, spec in zip(spec_names(files), loaded, strict=True)])
    for problem in found[:MAX_LISTED]:
        print(problem.format(), file=sys.stderr)
    if found:
        print(f"mocktui: {len(found)} route{'s' if len(found) != 1 else ''} served by two specs; not served",
              file=sys.stderr)  # fmt: skip
        return None
    return loaded


def validate_all(files: Sequence[str], mounts: Mapping[str, str]) -> int:
    """`mocktui validate SPEC...`: each spec checked, then (several) their routes once mounted; 2 on any error."""
    checked = [_validate(file) for file in files]
    if len(files) < 2 or None in checked:
        return 2 if None in checked else 0
    specs = mounted(files, checked, mounts)
    if specs is None:
        return 2
    print(f"ok: {len(specs)} specs, no route served twice: " + ", ".join(
        f"{name} at {spec.base_path or '/'}" for name, spec in zip(spec_names(files), specs, strict=True)))  # fmt: skip
    return 0


def validate(path: str) -> int:
    return 2 if _validate(path) is None else 0


def _validate(path: str) -> Spec | None:
    """The spec checked with every check there is, its warnings and resources printed; None when broken."""
    started = time.perf_counter()
    spec = _load_or_report(path, semantic=True)
    if spec is None:
        return None
    from mocktui.engine.contract.lint import example_problems, pattern_problems

    warnings = spec.warnings + example_problems(spec) + pattern_problems(spec)
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
    return spec


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
