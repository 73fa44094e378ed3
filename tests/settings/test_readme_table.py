"""The README's settings table is the settings table: a new row shows up there or this fails."""

from __future__ import annotations

from typing import Any

from mocktui.settings.table import SETTINGS, Setting

from ..helpers import ROOT


def cell(value: Any) -> str:
    if value is None or value == {}:
        return ""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def row(setting: Setting) -> str:
    meaning = f"false: {setting.help}" if setting.switch and setting.switch_value is False else setting.help
    flag = ", ".join(f"`{f}`" for f in setting.flags)
    env = f"`{setting.env}`" if setting.env else ""
    key = f"`{setting.key}`" if setting.key else ""
    return f"| {flag} | {env} | {key} | {cell(setting.default)} | {meaning} |"


def test_every_setting_has_its_row_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [row(s) for s in SETTINGS if row(s) not in readme]
    assert missing == [], "README settings table is stale; expected rows:\n" + "\n".join(missing)
