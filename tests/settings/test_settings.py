"""Settings: CLI > environment > .env > mocktui.yaml > defaults; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocktui.cli import serve_parser
from mocktui.runtime import controls_from
from mocktui.settings.resolve import ConfigError, resolve
from mocktui.settings.table import Settings

from ..helpers import ROOT

PETSTORE = str(ROOT / "specs" / "petstore.yaml")


def options(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Settings:
    return resolve(serve_parser().parse_args(args), environ=env or {}, cwd=cwd or Path("/nonexistent"))


def test_defaults() -> None:
    o = options([PETSTORE])
    assert (o.host, o.port, o.log_level, o.seed, o.error_rate, o.reload) == ("127.0.0.1", 3000, "info", 20, 0.0, True)
    controls = controls_from(o)
    assert controls.delay.max_ms == 0 and not controls.rate_limit.enabled and controls.faults.error_rate == 0


def test_precedence_cli_env_dotenv_yaml(tmp_path: Path) -> None:
    (tmp_path / "mocktui.yaml").write_text("server: {port: 4001, host: 0.0.0.0}\nfaults: {error_rate: 1}\nseed: 5\n")
    (tmp_path / ".env").write_text("PORT=4002\nERROR_RATE=2\n# a comment\nexport LOG_LEVEL='warning'\n")
    env = {"PORT": "4003"}
    o = options([PETSTORE, "--port", "4004"], env, tmp_path)
    assert o.port == 4004  # CLI beats everything
    o = options([PETSTORE], env, tmp_path)
    assert o.port == 4003 and o.error_rate == 2 and o.log_level == "warning"  # env, then .env
    o = options([PETSTORE], {}, tmp_path)
    assert o.port == 4002 and o.host == "0.0.0.0" and o.seed == 5  # .env, then mocktui.yaml


def test_seed_flags_and_env_vars_map_to_controls(tmp_path: Path) -> None:
    env = {
        "STATEFUL_MODE": "true",
        "ERROR_RATE": "5",
        "MIN_DELAY": "100",
        "MAX_DELAY": "300",
        "CORS_ORIGIN": "https://app.example",
        "CORS_CREDENTIALS": "true",
        "ENABLE_RATE_LIMITING": "true",
        "RATE_LIMIT_REQUESTS": "50",
        "RATE_LIMIT_WINDOW": "30",
        "SEED_USERS": "7",
        "API_KEY": "k",
        "REQUIRE_AUTH": "true",
        "ENABLE_SCENARIOS": "true",
    }
    o = options([PETSTORE], env, tmp_path)
    c = controls_from(o)
    assert c.stateful and c.faults.error_rate == 5 and (c.delay.min_ms, c.delay.max_ms) == (100, 300)
    assert c.cors_origin == "https://app.example" and c.cors_credentials
    assert c.rate_limit.enabled and (c.rate_limit.requests, c.rate_limit.window_s) == (50, 30)
    assert o.seed_counts == {"users": 7} and c.api_key == "k" and o.enable_scenarios
    assert options([PETSTORE], {"API_KEY": "k"}).api_key is None  # the seed's rule: only with REQUIRE_AUTH


def test_flags_for_behaviour() -> None:
    o = options([PETSTORE, "--delay", "100-300", "--delay-distribution", "longtail", "--error-rate", "5",
                 "--error-mix", "503:60,500:40", "--chaos", "reset:1,drip:2", "--chaos-seed", "9",
                 "--rate-limit", "100/60s", "--rate-limit-key", "client-id"])  # fmt: skip
    c = controls_from(o)
    assert (c.delay.min_ms, c.delay.max_ms, c.delay.distribution) == (100, 300, "longtail")
    assert c.faults.mix == {503: 60, 500: 40} and c.faults.chaos == {"reset": 1, "drip": 2}
    assert c.chaos_seed == 9 and c.rate_limit.enabled and c.rate_limit.requests == 100
    assert c.rate_limit.window_s == 60 and c.rate_limit.key == "client-id"
    assert options([PETSTORE, "--delay", "250"]).delay == (250, 250)
    assert options([PETSTORE, "--rate-limit", "10/s"]).rate_limit == (10, 1)


@pytest.mark.parametrize(
    ("args", "env", "dotenv", "config", "message"),
    [
        ([], {"ERROR_RATE": "lots"}, "", "", "$ERROR_RATE: expected a number"),
        ([], {"PORT": "99999"}, "", "", "$PORT: invalid port 99999"),
        (["--rate-limit", "fast"], {}, "", "", "--rate-limit: expected REQUESTS/WINDOW"),
        (["--delay", "300-100"], {}, "", "", "--delay: expected MS or MIN-MAX"),
        ([], {}, "MAX_BODY=huge\n", "", ".env MAX_BODY: invalid size"),
        ([], {}, "", "faults: {error_rate: 120}\n", "mocktui.yaml faults.error_rate: a percentage must be 0-100"),
        ([], {}, "", "nonsense: 1\n", "mocktui.yaml: unknown setting 'nonsense'"),
        ([], {"SEED_USERS": "-1"}, "", "", "$SEED_USERS: must not be negative"),
        ([], {}, "NOT A PAIR\n", "", ".env:1: expected KEY=VALUE"),
    ],
)
def test_bad_values_name_their_source(
    tmp_path: Path, args: list[str], env: dict[str, str], dotenv: str, config: str, message: str
) -> None:
    if dotenv:
        (tmp_path / ".env").write_text(dotenv)
    if config:
        (tmp_path / "mocktui.yaml").write_text(config)
    with pytest.raises(ConfigError) as error:
        options([PETSTORE, *args], env, tmp_path)
    assert message in str(error.value)
