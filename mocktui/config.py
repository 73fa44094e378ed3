"""Settings from every source, in one table: CLI flags > environment > `.env` > `mocktui.yaml` > defaults.

Each setting is declared once (flag, environment variable, config key, parser, help), so the
CLI, the config file, `.env.example` written by `mocktui init` and the README table cannot
drift apart. A bad value anywhere stops start-up with one line naming where it came from.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LOG_LEVELS = ("debug", "info", "warning", "error")
CONFIG_FILE = "mocktui.yaml"
DOTENV_FILE = ".env"


class ConfigError(ValueError):
    """A setting with a value it cannot take; the message names the setting and its source."""


# -- parsers: raw value (text from the CLI or environment, or a YAML value) -> typed ----------


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def parse_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError(f"expected a whole number, got {raw!r}")
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {raw!r}") from None


def parse_count(raw: Any) -> int:
    number = parse_int(raw)
    if number < 0:
        raise ValueError(f"must not be negative, got {number}")
    return number


def parse_port(raw: Any) -> int:
    try:
        port = parse_int(raw)
    except ValueError:
        raise ValueError(f"invalid port {raw!r}: not a number") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"invalid port {port}: must be 0-65535")
    return port


def parse_number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"expected a number, got {raw!r}")
    try:
        return float(str(raw).strip())
    except ValueError:
        raise ValueError(f"expected a number, got {raw!r}") from None


def parse_percent(raw: Any) -> float:
    number = parse_number(str(raw).rstrip("% ") if isinstance(raw, str) else raw)
    if not 0 <= number <= 100:
        raise ValueError(f"a percentage must be 0-100, got {raw!r}")
    return number


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.I)


def parse_size(raw: Any) -> int:
    match = _SIZE.match(str(raw))
    if match is None:
        raise ValueError(f"invalid size {raw!r}: use bytes or a number with k, M or G")
    return int(float(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " "))


def parse_delay(raw: Any) -> tuple[float, float]:
    """`250` or `100-300` (milliseconds)."""
    text = str(raw).strip().lower().removesuffix("ms")
    low, sep, high = text.partition("-")
    lo = parse_number(low)
    hi = parse_number(high) if sep else lo
    if lo < 0 or hi < lo:
        raise ValueError(f"expected MS or MIN-MAX with 0 <= MIN <= MAX, got {raw!r}")
    return lo, hi


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)?\s*(ms|s|m|h)?\s*$")


def parse_rate(raw: Any) -> tuple[int, float]:
    """`100/60s`, `10/s`, `1000/1h`: requests per window."""
    match = _RATE.match(str(raw).lower())
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"expected REQUESTS/WINDOW such as 100/60s or 10/s, got {raw!r}")
    amount = float(match.group(2) or 1)
    unit = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600}[match.group(3)]
    return int(match.group(1)), amount * unit


def parse_weights(raw: Any, keys: Callable[[str], Any]) -> dict[Any, float]:
    """`503:50,500:50` (or a YAML mapping) -> {503: 50.0, 500: 50.0}."""
    items = raw.items() if isinstance(raw, Mapping) else (p.split(":", 1) for p in str(raw).split(",") if p.strip())
    out = {}
    for item in items:
        if len(item) != 2:
            raise ValueError(f"expected KEY:WEIGHT pairs separated by commas, got {raw!r}")
        key, weight = item
        out[keys(str(key).strip())] = parse_percent(weight)
    if not out:
        raise ValueError(f"expected KEY:WEIGHT pairs, got {raw!r}")
    return out


def parse_mix(raw: Any) -> dict[int, float]:
    def status(text: str) -> int:
        code = parse_int(text)
        if not 400 <= code <= 599:
            raise ValueError(f"injected statuses must be 400-599, got {code}")
        return code

    return parse_weights(raw, status)


def parse_chaos(raw: Any) -> dict[str, float]:
    def kind(text: str) -> str:
        if text not in ("reset", "hang", "truncate", "drip"):
            raise ValueError(f"chaos kinds are reset, hang, truncate, drip; got {text!r}")
        return text

    return parse_weights(raw, kind)


def parse_choice(*choices: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        text = str(raw).strip().lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {raw!r}")
        return text

    return parse


def parse_text(raw: Any) -> str:
    return str(raw)


def parse_list(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(v) for v in raw]
    return [p.strip() for p in str(raw).split(",") if p.strip()]


# -- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str  # attribute of the resolved options
    flag: str | None  # CLI flag; a `store_true` flag when `switch`
    env: str | None  # environment variable (also read from .env)
    key: str | None  # dotted key in mocktui.yaml
    parse: Callable[[Any], Any]
    default: Any
    help: str
    switch: bool = False  # the flag takes no value and sets `switch_value`
    switch_value: Any = True
    metavar: str | None = None


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "--host", "HOST", "server.host", parse_text, "127.0.0.1", "address to listen on"),
    Setting("port", "--port", "PORT", "server.port", parse_port, 3000, "port to listen on"),
    Setting("log_level", "--log-level", "LOG_LEVEL", "log_level", parse_choice(*LOG_LEVELS), "info",
            "info prints one line per request; warning is quiet", metavar="LEVEL"),
    Setting("headless", "--headless", "HEADLESS", "headless", parse_bool, False, "run without the terminal UI",
            switch=True),
    Setting("dynamic", "--dynamic", "DYNAMIC", "dynamic", parse_bool, False,
            "generate a fresh response for every request", switch=True),
    Setting("faker_seed", "--faker-seed", "FAKER_SEED", "faker_seed", parse_int, None,
            "seed for reproducible generated data", metavar="N"),
    Setting("cors_origin", "--cors-origin", "CORS_ORIGIN", "cors.origin", parse_text, "*",
            "allowed CORS origin(s), comma separated", metavar="ORIGIN"),
    Setting("cors_credentials", "--cors-credentials", "CORS_CREDENTIALS", "cors.credentials", parse_bool, False,
            "send Access-Control-Allow-Credentials", switch=True),
    Setting("validate_requests", "--no-validate", "VALIDATE_REQUESTS", "validate_requests", parse_bool, True,
            "accept requests that break the contract", switch=True, switch_value=False),
    Setting("security", "--no-security", "SECURITY", "security", parse_bool, True,
            "do not check the spec's security schemes", switch=True, switch_value=False),
    Setting("validate_responses", "--validate-responses", "VALIDATE_RESPONSES", "validate_responses", parse_bool,
            False, "check every response against the spec", switch=True),
    Setting("max_body", "--max-body", "MAX_BODY", "max_body", parse_size, 10 * 1024 * 1024,
            "largest request body, e.g. 512k, 10M", metavar="SIZE"),
    Setting("require_auth", None, "REQUIRE_AUTH", "auth.require", parse_bool, False,
            "with API_KEY: every mock route requires X-API-Key"),
    Setting("api_key", "--api-key", "API_KEY", "auth.api_key", parse_text, None,
            "every mock route requires 'X-API-Key: KEY' (from the environment only with REQUIRE_AUTH=true)",
            metavar="KEY"),
    Setting("stateful", "--stateful", "STATEFUL_MODE", "stateful", parse_bool, False,
            "CRUD that remembers: inferred resources answer from a seeded store", switch=True),
    Setting("store", "--store", "STORE", "store", parse_text, None,
            "memory, sqlite:FILE or redis://HOST:PORT/DB (implies --stateful)", metavar="URL"),
    Setting("persist", "--persist", "PERSIST", "persist", parse_text, None,
            "keep state in a SQLite file across restarts (implies --stateful)", metavar="FILE"),
    Setting("seed", "--seed", "SEED", "seed", parse_count, 20, "records per collection (SEED_<NAME>=N per collection)",
            metavar="N"),
    Setting("state", "--state", "STATE_FILE", "state", parse_text, None,
            "load a JSON state (from /__mocktui/store/export) at start-up", metavar="FILE"),
    Setting("workers", "--workers", "WORKERS", "workers", parse_count, 1,
            "headless: N processes on one port (needs a Redis store)", metavar="N"),
    Setting("delay", "--delay", "DELAY", "delay.range", parse_delay, None,
            "latency per request in ms: 250 or 100-300", metavar="MS"),
    Setting("min_delay", None, "MIN_DELAY", "delay.min_ms", parse_number, None, "lowest injected latency (ms)"),
    Setting("max_delay", None, "MAX_DELAY", "delay.max_ms", parse_number, None, "highest injected latency (ms)"),
    Setting("delay_distribution", "--delay-distribution", "DELAY_DISTRIBUTION", "delay.distribution",
            parse_choice("uniform", "normal", "longtail"), "uniform", "how delays spread: uniform, normal, longtail",
            metavar="SHAPE"),
    Setting("error_rate", "--error-rate", "ERROR_RATE", "faults.error_rate", parse_percent, 0.0,
            "percent of requests answered with an injected failure", metavar="PERCENT"),
    Setting("error_mix", "--error-mix", "ERROR_MIX", "faults.mix", parse_mix, None,
            "failure statuses and weights, e.g. 503:60,500:40 (default 500,502,503,504 equally)", metavar="MIX"),
    Setting("chaos", "--chaos", "CHAOS", "faults.chaos", parse_chaos, None,
            "chaos faults in percent: reset:2,hang:1,truncate:1,drip:1", metavar="FAULTS"),
    Setting("chaos_seed", "--chaos-seed", "CHAOS_SEED", "faults.seed", parse_int, None,
            "makes injected delays and failures reproducible", metavar="N"),
    Setting("rate_limit", "--rate-limit", None, "rate_limit.rule", parse_rate, None,
            "requests per window per client, e.g. 100/60s", metavar="N/WINDOW"),
    Setting("enable_rate_limiting", None, "ENABLE_RATE_LIMITING", "rate_limit.enabled", parse_bool, False,
            "turn rate limiting on (with RATE_LIMIT_REQUESTS / RATE_LIMIT_WINDOW)"),
    Setting("rate_limit_requests", None, "RATE_LIMIT_REQUESTS", "rate_limit.requests", parse_count, 100,
            "requests allowed per window"),
    Setting("rate_limit_window", None, "RATE_LIMIT_WINDOW", "rate_limit.window", parse_number, 60.0,
            "window in seconds"),
    Setting("rate_limit_key", "--rate-limit-key", "RATE_LIMIT_KEY", "rate_limit.key",
            parse_choice("ip", "client-id", "api-key"), "ip", "who a client is: ip, client-id (X-Client-Id), api-key",
            metavar="KEY"),
    Setting("enable_scenarios", None, "ENABLE_SCENARIOS", "scenarios.enabled", parse_bool, False,
            "turn on every built-in scenario pack"),
    Setting("scenarios", "--scenarios", "SCENARIOS", "scenarios.use", parse_list, None,
            "a rules file and/or built-in packs (payments, auth, variants); alone: every pack", metavar="FILE|PACK"),
    Setting("hooks", "--hooks", "HOOKS_FILE", "hooks", parse_text, None, "a Python hooks file", metavar="FILE"),
    Setting("admin_token", "--admin-token", "ADMIN_TOKEN", "admin.token", parse_text, None,
            "token the admin API requires (generated when listening beyond loopback)", metavar="TOKEN"),
    Setting("reload", "--no-reload", "RELOAD", "reload", parse_bool, True,
            "do not reload when the spec, rules or hooks file changes", switch=True, switch_value=False),
)  # fmt: skip
BY_NAME = {s.name: s for s in SETTINGS}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Every setting with a flag, defaulting to "not given" so lower sources can fill it."""
    for setting in SETTINGS:
        if setting.flag is None:
            continue
        if setting.switch:
            parser.add_argument(setting.flag, dest=setting.name, action="store_const", const=setting.switch_value,
                                default=argparse.SUPPRESS, help=setting.help)  # fmt: skip
        elif setting.name == "scenarios":
            parser.add_argument(setting.flag, dest=setting.name, nargs="*", default=argparse.SUPPRESS,
                                metavar=setting.metavar, help=setting.help)  # fmt: skip
        else:
            parser.add_argument(setting.flag, dest=setting.name, default=argparse.SUPPRESS,
                                metavar=setting.metavar, help=setting.help)  # fmt: skip


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments, optional `export`, single or double quotes."""
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[key.strip()] = value
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
_LEAVES = {"spec", "seeds", "faults.mix", "faults.chaos"}  # config keys whose value is read whole


def resolve(
    given: argparse.Namespace,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config: Path | None = None,
) -> argparse.Namespace:
    """The options: each setting from the highest source that has it. Raises ConfigError."""
    cwd = cwd or Path.cwd()
    environ = os.environ if environ is None else environ
    config_path = config or cwd / CONFIG_FILE
    from_file = read_config(config_path)
    dotenv = read_dotenv(cwd / DOTENV_FILE)
    options = argparse.Namespace(**vars(given))
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
            setattr(options, setting.name, setting.default)
            continue
        where, raw = sources[0]
        if setting.name == "api_key" and not where.startswith("--"):
            require = _first(environ, dotenv, from_file, "REQUIRE_AUTH", "auth.require")
            if not parse_bool(require or False):
                setattr(options, setting.name, None)  # the seed's rule: API_KEY alone does nothing
                continue
        try:
            value = raw if where.startswith("--") and setting.switch else setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        setattr(options, setting.name, value)
    seeds = from_file.get("seeds") or {}
    if not isinstance(seeds, dict):
        raise ConfigError(f"{config_path.name} seeds: expected {{collection: count}}")
    from_seeds = {f"SEED_{name.upper()}": count for name, count in seeds.items()}
    options.seed_counts = _seed_counts({**from_seeds, **dotenv, **dict(environ)})
    if "spec" not in vars(given) or not given.spec:
        options.spec = from_file.get("spec")
    return options


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
