"""The settings table: every setting declared once (flag, environment variable, config key, parser,
default, help), and `Settings`, the frozen, typed result of reading them.

The CLI, the config file, `.env.example` written by `mocktui init` and the README table all come
from `SETTINGS`, so they cannot drift apart; `tests/settings` checks `Settings` against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mocktui.settings.parsers import (
    LOG_LEVELS,
    parse_bool,
    parse_chaos,
    parse_choice,
    parse_count,
    parse_delay,
    parse_int,
    parse_keys,
    parse_list,
    parse_mix,
    parse_mounts,
    parse_number,
    parse_percent,
    parse_port,
    parse_rate,
    parse_retries,
    parse_session_from,
    parse_size,
    parse_text,
    parse_url,
    parse_webhooks,
)


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
    short: str | None = None  # a one-letter flag too (Prism's where they do not clash: -p, -d)

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(f for f in (self.short, self.flag) if f)


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "--host", "HOST", "server.host", parse_text, "127.0.0.1", "address to listen on"),
    Setting("port", "--port", "PORT", "server.port", parse_port, 3000, "port to listen on", short="-p"),
    Setting("mounts", "--mount", "MOUNT", "mount", parse_mounts, {},
            "serve a spec under this path instead of its servers base path: /PREFIX=FILE (repeatable)",
            metavar="/PREFIX=FILE"),
    Setting("log_level", "--log-level", "LOG_LEVEL", "log_level", parse_choice(*LOG_LEVELS), "info",
            "info prints one line per request; warning is quiet", metavar="LEVEL"),
    Setting("log_format", "--log-format", "LOG_FORMAT", "log_format", parse_choice("text", "json"), "text",
            "headless log lines: text, or json (one object per line, ISO timestamps)", metavar="FORMAT"),
    Setting("headless", "--headless", "HEADLESS", "headless", parse_bool, False, "run without the terminal UI",
            switch=True),
    Setting("dynamic", "--dynamic", "DYNAMIC", "dynamic", parse_bool, False,
            "generate a fresh response for every request", switch=True, short="-d"),
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
            "N processes on one port, steered as one (not with the memory store)", metavar="N"),
    Setting("cluster", "--cluster", "CLUSTER", "cluster", parse_text, None,
            "share controls, journal and counters with other instances through this Redis",
            metavar="redis://HOST:PORT/DB"),
    Setting("session_from", "--session-from", "SESSION_FROM", "session_from", parse_session_from,
            "header:X-Mocktui-Session", "where a client names its session (its own store view, counters and "
            "overrides): header:NAME, cookie:NAME or query:NAME", metavar="SOURCE"),
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
    Setting("journal_body_max", "--journal-body-max", "JOURNAL_BODY_MAX", "journal.body_max", parse_size,
            1024 * 1024, "bytes of each request and response body the journal keeps (verify matches them)",
            metavar="SIZE"),
    Setting("record", "--record", "RECORD", "record.file", parse_text, None,
            "write the traffic to this HAR 1.2 file as it happens: proxied exchanges (all with --record-all)",
            metavar="FILE.har"),
    Setting("record_all", "--record-all", "RECORD_ALL", "record.all", parse_bool, False,
            "record the mocked exchanges too, not only the proxied ones", switch=True),
    Setting("record_secrets", "--record-secrets", "RECORD_SECRETS", "record.secrets", parse_bool, False,
            "keep credentials, cookies and secret-looking fields in the recording (redacted by default)",
            switch=True),
    Setting("replay", "--replay", "REPLAY", "replay", parse_list, None,
            "answer requests recorded in these HAR files as recorded, the spec the rest (repeatable)",
            metavar="FILE.har"),
    Setting("proxy", "--proxy", "PROXY", "proxy.url", parse_url, None,
            "forward to this backend and check its answers against the spec (mode auto)", metavar="URL"),
    Setting("proxy_strict", "--proxy-strict", "PROXY_STRICT", "proxy.strict", parse_bool, False,
            "with --proxy: never answer from the spec when the backend fails (502/504)", switch=True),
    Setting("proxy_timeout", "--proxy-timeout", "PROXY_TIMEOUT", "proxy.timeout", parse_number, 10.0,
            "seconds to wait for the backend to connect or send", metavar="SECONDS"),
    Setting("fail_on_drift", "--fail-on-drift", "FAIL_ON_DRIFT", "fail_on_drift", parse_bool, False,
            "exit 1 at shutdown when the backend broke the spec (headless)", switch=True),
    Setting("webhooks", "--webhook", "WEBHOOKS", "webhooks", parse_webhooks, {},
            "subscribe to a webhook of the spec: NAME=URL (repeatable); in mocktui.yaml also every/on/delay",
            metavar="NAME=URL"),
    Setting("webhook_secret", "--webhook-secret", "WEBHOOK_SECRET", "webhook_secret", parse_text, None,
            "sign webhook and callback bodies: X-Mocktui-Signature: sha256=HMAC", metavar="SECRET"),
    Setting("webhook_retries", "--webhook-retries", "WEBHOOK_RETRIES", "webhook_retries", parse_retries, 3,
            "retries of a delivery on connection errors, timeouts and 5xx (exponential backoff)", metavar="N"),
    Setting("keys", None, None, "keys", parse_keys, {},
            "control room keys by action id, e.g. {offline: O} (see the README's key table)"),
)  # fmt: skip
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """What the mock was asked to be, from every source; one field per row of `SETTINGS`, plus
    `spec`, `config` and `seed_counts`. Built by `resolve`; never changed after start-up (live
    changes go through the controls)."""

    spec: str | None = None  # the first spec (the only one, but for several specs in one instance)
    specs: tuple[str, ...] = ()  # every spec to serve: SPEC..., `specs:` in mocktui.yaml, --mount files
    config: str | None = None
    host: str = "127.0.0.1"
    port: int = 3000
    mounts: Mapping[str, str] = field(default_factory=dict)  # spec file -> the prefix it is served under
    log_level: str = "info"
    log_format: str = "text"
    headless: bool = False
    dynamic: bool = False
    faker_seed: int | None = None
    cors_origin: str = "*"
    cors_credentials: bool = False
    validate_requests: bool = True
    security: bool = True
    validate_responses: bool = False
    max_body: int = 10 * 1024 * 1024
    require_auth: bool = False
    api_key: str | None = None
    stateful: bool = False
    store: str | None = None
    persist: str | None = None
    seed: int = 20
    state: str | None = None
    workers: int = 1
    cluster: str | None = None
    session_from: str = "header:X-Mocktui-Session"
    delay: tuple[float, float] | None = None
    min_delay: float | None = None
    max_delay: float | None = None
    delay_distribution: str = "uniform"
    error_rate: float = 0.0
    error_mix: Mapping[int, float] | None = None
    chaos: Mapping[str, float] | None = None
    chaos_seed: int | None = None
    rate_limit: tuple[int, float] | None = None
    enable_rate_limiting: bool = False
    rate_limit_requests: int = 100
    rate_limit_window: float = 60.0
    rate_limit_key: str = "ip"
    enable_scenarios: bool = False
    scenarios: tuple[str, ...] | None = None
    hooks: str | None = None
    admin_token: str | None = None
    reload: bool = True
    journal_body_max: int = 1024 * 1024
    record: str | None = None
    record_all: bool = False
    record_secrets: bool = False
    replay: tuple[str, ...] | None = None
    proxy: str | None = None
    proxy_strict: bool = False
    proxy_timeout: float = 10.0
    fail_on_drift: bool = False
    webhooks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    webhook_secret: str | None = None
    webhook_retries: int = 3
    keys: Mapping[str, str] = field(default_factory=dict)
    seed_counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def store_url(self) -> str | None:
        """The store asked for: `--store`, or SQLite at `--persist`; None when stateless."""
        return self.store or (f"sqlite:{self.persist}" if self.persist else None)

    @property
    def stateful_mode(self) -> bool:
        """Resources answer from a store: asked for, or implied by a store, a persist file or a state file."""
        return self.stateful or self.store_url is not None or self.state is not None
