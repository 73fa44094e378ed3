"""Provides the `?` screen and its rows: every key, by where it works, as the user's key map left them.

The rows are read from the same places the keys are bound: the actions table for the keys that
work everywhere, the pane registry for the widgets of each pane, the screens' own bindings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar

from rich.table import Table
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from mocktui.ui.keys import APP, Action, canonical_key, display_key, effective_keys
from mocktui.ui.panes import Pane
from mocktui.ui.screens import ConfirmScreen, DetailScreen, OverrideScreen, RecordScreen

__all__ = ["HelpScreen", "key_rows"]

SCREENS: tuple[tuple[str, type[DOMNode]], ...] = (
    ("request details", DetailScreen),
    ("override editor", OverrideScreen),
    ("record editor", RecordScreen),
    ("confirm", ConfirmScreen),
)

Row = tuple[str, str, str]  # where, key, does


def key_rows(actions: Iterable[Action], panes: Iterable[Pane], keymap: Mapping[str, str]) -> Iterator[Row]:
    """Every key: Textual's own, the app's (`actions`), each pane's widgets', the screens', then the notes."""
    yield ("everywhere", "ctrl+p", "command palette: every action by name")
    yield ("everywhere", "ctrl+q", "quit")
    yield ("everywhere", "tab", "next widget (mouse works too)")
    for row, key in effective_keys(actions, keymap).items():
        if row.scope == APP and key:
            yield ("everywhere", display_key(key), row.help)
    panes = tuple(panes)
    scopes = [(pane.id, pane.keys_from) for pane in panes] + [(name, (screen,)) for name, screen in SCREENS]
    for scope, nodes in scopes:
        for node in nodes:
            for binding in node.BINDINGS:
                if isinstance(binding, Binding):
                    key = keymap.get(binding.id, binding.key) if binding.id else binding.key
                    yield (scope, display_key(key), binding.tooltip or binding.description or binding.action)
    for pane in panes:
        for what, does in pane.notes:
            yield (pane.id, what, does)


class HelpScreen(ModalScreen[None]):
    """Every key, by where it works; the help key (however mapped), `q` or esc closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help { width: 94%; max-width: 110; height: 92%; border: round $accent; background: $surface; }
    HelpScreen #help-title { padding: 0 1; text-style: bold; }
    HelpScreen VerticalScroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, rows: Iterable[Row], help_key: str = "question_mark") -> None:
        super().__init__()
        self.rows = list(rows)
        self.help_keys = {canonical_key(key) for key in help_key.split(",")}

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False, header_style="bold")
        table.add_column("where", style="dim", no_wrap=True, ratio=2)
        table.add_column("key", style="bold", no_wrap=True, ratio=2)
        table.add_column("does", ratio=7)
        previous = ""
        for scope, key, does in self.rows:
            table.add_row(scope if scope != previous else "", key, does)
            previous = scope
        with Vertical(id="help"):
            yield Label("Keys  ·  ctrl+p: every action by name  ·  esc: close", id="help-title")
            with VerticalScroll():
                yield Static(table, id="help-table")

    def on_key(self, event: events.Key) -> None:
        """A remapped help key closes the screen too (the app's own binding does not reach past a modal)."""
        if event.key in self.help_keys:
            event.stop()
            self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
