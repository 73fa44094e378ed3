"""The README's key table is the actions table: every action id with its default key and help."""

from __future__ import annotations

from mocktui.ui.keys import Action, display_key
from mocktui.ui.panes import VOCABULARY

from ..helpers import ROOT


def row(action: Action) -> str:
    key = f"`{display_key(action.key)}`" if action.key else ""
    return f"| `{action.id}` | {key} | {action.help} |"


def test_every_action_has_its_row_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [row(a) for a in VOCABULARY if row(a) not in readme]
    assert missing == [], "README key table is stale; expected rows:\n" + "\n".join(missing)
