"""`Settings` is the settings table, typed: one field per row, with the row's default."""

from __future__ import annotations

from dataclasses import fields

import pytest

from mocktui.settings.resolve import ConfigError, resolve
from mocktui.settings.table import SETTINGS, Settings

from ..helpers import ROOT

EXTRA = {"spec", "specs", "config", "seed_counts"}  # not rows: the positional specs, --config, SEED_<NAME>


def test_one_field_per_row_with_the_rows_default() -> None:
    names = {f.name for f in fields(Settings)}
    assert names - EXTRA == {s.name for s in SETTINGS}
    defaults = Settings()
    for setting in SETTINGS:
        value = getattr(defaults, setting.name)
        assert value == setting.default, setting.name


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().port = 1  # type: ignore[misc]


def test_keys_come_from_the_config_file_only(tmp_path: pytest.TempPathFactory) -> None:
    import argparse
    from pathlib import Path

    cwd = Path(str(tmp_path))
    (cwd / "mocktui.yaml").write_text("keys: {offline: O, errors: E}\n")
    given = argparse.Namespace(spec=str(ROOT / "specs" / "petstore.yaml"))
    assert resolve(given, environ={}, cwd=cwd).keys == {"offline": "O", "errors": "E"}
    (cwd / "mocktui.yaml").write_text("keys: [O]\n")
    with pytest.raises(ConfigError, match=r"mocktui.yaml keys: expected \{action: key\}"):
        resolve(given, environ={}, cwd=cwd)


def test_store_url_and_stateful_mode() -> None:
    assert Settings().store_url is None and not Settings().stateful_mode
    assert Settings(persist="x.db").store_url == "sqlite:x.db" and Settings(persist="x.db").stateful_mode
    assert Settings(store="redis://h/0", persist="x.db").store_url == "redis://h/0"
    assert Settings(state="s.json").stateful_mode


def test_dotenv_reads_quotes_and_trailing_comments(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from mocktui.settings.resolve import read_dotenv

    env = Path(str(tmp_path)) / ".env"
    env.write_text("PORT=\"3050\"  # the port\nexport HOST=0.0.0.0\nCORS_ORIGIN='http://a.test' # c\n")
    assert read_dotenv(env) == {"PORT": "3050", "HOST": "0.0.0.0", "CORS_ORIGIN": "http://a.test"}
    env.write_text("PORT=1\n=oops\n")
    with pytest.raises(ConfigError, match=r"\.env:2: expected KEY=VALUE, got '=oops'"):
        read_dotenv(env)
