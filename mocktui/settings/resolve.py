"""Reading settings from every source: CLI flags > environment > `.env` > `mocktui.yaml` > defaults.

A bad value anywhere stops start-up with one line naming where it came from.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv.parser import parse_stream

from mocktui.settings.parsers import parse_bool, parse_count
from mocktui.settings.table import SETTINGS, Settings

CONFIG_FILE = "mocktui.yaml"
DOTENV_FILE = ".env"


class ConfigError(ValueError):
    """A setting with a value it cannot take; the message names the setting and its source."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every setting with a flag, defaulting to "not given" so lower sources can fill it."""
    for setting in SETTINGS:
        if setting.flag is None:
            continue
        if setting.switch:
            parser.add_argument(*setting.flags, dest=setting.name, action="store_const", const=setting.switch_value,
                                default=argparse.SUPPRESS, help=setting.help)  # fmt: skip
        elif setting.name in ("replay", "webhooks", "mounts"):  # repeatable: --replay a.har --replay b.har
            parser.add_argument(*setting.flags, dest=setting.name, action="append", default=argparse.SUPPRESS,
                                metavar=setting.metavar, help=setting.help)  # fmt: skip
        elif setting.name == "scenarios":
            parser.add_argument(*setting.flags, dest=setting.name, nargs="*", default=argparse.SUPPRESS,
                                metavar=setting.metavar, help=setting.help)  # fmt: skip
        else:
            parser.add_argument(*setting.flags, dest=setting.name, default=argparse.SUPPRESS,
                                metavar=setting.metavar, help=setting.help)  # fmt: skip


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as python-dotenv reads them (quotes, `export`, `# comments` after values);
    a line it cannot parse stops start-up naming the line, instead of being skipped with a warning."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            line = binding.original.line
            if binding.key is None and not binding.error:
                continue  # a blank line or a comment
            if binding.error or binding.key is None:
                raise ConfigError(f"{path}:{line}: expected KEY=VALUE, got {binding.original.string.strip()!r}")
            if binding.value is None:
                raise ConfigError(f"{path}:{line}: expected KEY=VALUE, got {binding.key!r} without a value")
            out[binding.key] = binding.value
    return out


def read_config(path: Path) -> dict[str, Any]:
    """mocktui.yaml flattened to dotted keys (`server.port`), checked against the table."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    flat: dict[str, Any] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict) and dotted not in _KEYS and dotted not in _LEAVES:
                walk(value, dotted + ".")
            else:
                flat[dotted] = value

    walk(data, "")
    for dotted in flat:
        if dotted not in _KEYS and dotted not in _LEAVES:
            raise ConfigError(f"{path}: unknown setting {dotted!r}; known: {', '.join(sorted(_KEYS))}")
    return flat


_KEYS = {s.key: s for s in SETTINGS if s.key}
_LEAVES = {"spec", "specs", "seeds", "faults.mix", "faults.chaos"}  # config keys whose value is read whole


def resolve(
    given: argparse.Namespace,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config: Path | None = None,
) -> Settings:
    """The settings: each from the highest source that has it. Raises ConfigError."""
    cwd = cwd or Path.cwd()
    environ = os.environ if environ is None else environ
    config_path = config or cwd / CONFIG_FILE
    from_file = read_config(config_path)
    dotenv = read_dotenv(cwd / DOTENV_FILE)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        sources: list[tuple[str, Any]] = []
        if setting.name in vars(given):
            sources.append((setting.flag or setting.name, getattr(given, setting.name)))
        if setting.env and setting.env in environ:
            sources.append((f"${setting.env}", environ[setting.env]))
        if setting.env and setting.env in dotenv:
            sources.append((f"{DOTENV_FILE} {setting.env}", dotenv[setting.env]))
        if setting.key and setting.key in from_file:
            sources.append((f"{config_path.name} {setting.key}", from_file[setting.key]))
        if not sources:
            values[setting.name] = setting.default
            continue
        where, raw = sources[0]
        if setting.name == "api_key" and not where.startswith("--"):
            require = _first(environ, dotenv, from_file, "REQUIRE_AUTH", "auth.require")
            if not parse_bool(require or False):
                values[setting.name] = None  # the seed's rule: API_KEY alone does nothing
                continue
        try:
            value = raw if where.startswith("--") and setting.switch else setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        values[setting.name] = tuple(value) if isinstance(value, list) else value
    seeds = from_file.get("seeds") or {}
    if not isinstance(seeds, dict):
        raise ConfigError(f"{config_path.name} seeds: expected {{collection: count}}")
    from_seeds = {f"SEED_{name.upper()}": count for name, count in seeds.items()}
    values["seed_counts"] = _seed_counts({**from_seeds, **dotenv, **dict(environ)})
    given_specs = getattr(given, "spec", None) or from_file.get("specs") or from_file.get("spec")
    specs = spec_files(given_specs, values["mounts"])
    return Settings(spec=specs[0] if specs else None, specs=specs, config=getattr(given, "config", None), **values)


def spec_files(given: Any, mounts: Mapping[str, str]) -> tuple[str, ...]:
    """Every spec to serve: the ones given (a file, or a list: SPEC... or `specs:`), then --mount's others."""
    if given and not isinstance(given, (list, tuple)):
        given = [given]
    if given is not None and not all(isinstance(item, str) for item in given or ()):
        raise ConfigError(f"specs: expected a list of files, got {given!r}")
    files = [str(item) for item in given or ()]
    known = {os.path.abspath(f) for f in files}
    for file in mounts:
        if os.path.abspath(file) not in known:
            files.append(file)
            known.add(os.path.abspath(file))
    return tuple(files)


def _first(environ: Mapping[str, str], dotenv: dict[str, str], config: dict[str, Any], env: str, key: str) -> Any:
    for source, name in ((environ, env), (dotenv, env), (config, key)):
        if name in source:
            return source[name]
    return None


def _seed_counts(sources: Mapping[str, Any]) -> dict[str, int]:
    """SEED_USERS=50 and the like: per-collection seed sizes."""
    out = {}
    for key, value in sources.items():
        if key.startswith("SEED_") and len(key) > 5:
            try:
                out[key[5:].lower()] = parse_count(value)
            except ValueError as exc:
                raise ConfigError(f"${key}: {exc}") from None
    return out
