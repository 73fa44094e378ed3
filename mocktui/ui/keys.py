"""Provides the control room's actions table: one row per action, read by the bindings, the palette and help.

Each row has a stable id (what `keys:` in mocktui.yaml names), its default key, the action string
it runs and its texts, so a key is written once: `MocktuiApp.BINDINGS`, the command palette, the
`?` screen and the header chips all derive from here. The pane switches (`pane-requests`, ...) are
rows too, made from the pane registry (`mocktui.ui.panes.VOCABULARY`). This module imports only
Textual's binding types, so any widget may use it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.keys import key_to_character

__all__ = ["ACTIONS", "APP", "Action", "KeysError", "action", "check_keys", "display_key", "effective_keys"]

APP = "app"  # the scope of a row the app binds itself: it works in every pane

_KEY_NAMES = {  # Textual's names, as people write them
    "question_mark": "?",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "esc",
    "delete": "del",
}


@dataclass(frozen=True, slots=True)
class Action:
    """One action of the control room.

    `scope` is `APP` for keys the app binds; a pane id for a key the pane's widget binds to its
    own `local` action (then the key only works there, and the palette runs `action` instead).
    An empty `key` makes a palette-only row: the user may still give it one.
    """

    id: str
    action: str
    name: str  # its title in the command palette
    help: str  # one line for the help screen and the palette
    key: str = ""  # Textual key names, comma-separated
    label: str = ""  # the footer's word for it
    show: bool = True  # in the footer
    scope: str = APP
    local: str = ""

    def binding(self, key: str | None = None) -> Binding:
        """The Textual binding; its id lets `App.set_keymap` move it to another key."""
        return Binding(
            key or self.key,
            self.local or self.action,
            self.label,
            show=self.show,
            tooltip=self.help,
            id=self.id,
        )


# fmt: off
ACTIONS: tuple[Action, ...] = (
    Action("help", "help", "Help: keys", "this list of keys", "question_mark", "Help"),
    Action("errors", "toggle_errors", "Toggle errors", "a 50% error rate, or back to the previous rate", "e", "Errors"),
    Action(
        "delay", "toggle_delay", "Toggle delay", "200-800 ms of latency, or back to the previous delay", "d", "Delay"
    ),
    Action("offline", "toggle_offline", "Toggle offline", "every route answers 503, or back online", "o", "Offline"),
    Action("rate-limit", "toggle_rate_limit", "Toggle rate limit", "the rate limit on or off", "l", "Limit"),
    Action("calm", "calm", "Reset failure modes", "no errors, no delay, online, no rate limit"),
    Action("clear-overrides", "clear_overrides", "Clear all overrides", "every route answers as the spec says"),
    Action(
        "mode", "cycle_mode", "Cycle the global mode",
        "mock, proxy or auto (with --proxy) for every route without a mode of its own", "M", "Mode", show=False,
    ),
    Action(
        "route-mode", "cycle_route_mode", "Cycle the route's mode",
        "the highlighted route: mock, proxy, auto; back at the global mode it follows that again", "m", "Mode",
        scope="routes", local="cycle_mode",
    ),
    Action("filter-server-errors", "set_filter('status:5xx')", "Filter: server errors", "show only 5xx requests"),
    Action("filter-client-errors", "set_filter('status:4xx')", "Filter: client errors", "show only 4xx requests"),
    Action("filter-writes", "set_filter('method:POST,PUT,PATCH,DELETE')", "Filter: writes", "show only writes"),
    Action("filter-clear", "set_filter('')", "Clear filter", "show every request"),
    Action(
        "follow", "toggle_follow", "Toggle follow", "follow new requests, or pause", "f", "Follow",
        scope="requests", local="follow",
    ),
    Action(
        "clear-log", "clear_log", "Clear request log", "forget the requests shown", "ctrl+l", "Clear log",
        show=False, scope="requests", local="clear",
    ),
    Action(
        "export", "export_requests", "Export the requests shown",
        "the requests the filter shows as HAR, Postman, pytest and rules files, in ./mocktui-export/", "x", "Export",
        show=False, scope="requests", local="export",
    ),
    Action("copy-curl", "copy_last_curl", "Copy last request as curl", "a curl command replaying the latest request"),
    Action(
        "reset-store", "reset_store", "Reset store to seed",
        "replace every record with freshly seeded data (asks first)", "R", "Reset", scope="store", local="reset",
    ),
    Action(
        "fire-webhook", "fire_webhook", "Fire the webhook", "the highlighted callback or webhook, now, to the target",
        "f", "Fire", scope="webhooks", local="fire",
    ),
    Action(
        "edit-webhook", "edit_webhook", "Edit and fire the webhook",
        "the highlighted hook's payload as JSON; ctrl+s fires the edited body", "e", "Edit",
        scope="webhooks", local="edit",
    ),
    Action("theme", "toggle_theme", "Toggle dark/light theme", "dark or light theme", "t", "Theme", show=False),
    Action("quit", "quit", "Quit", "stop the mock and leave", "q", "Quit"),
)
# fmt: on

_BY_ID = {row.id: row for row in ACTIONS}


def action(action_id: str) -> Action:
    """A row of `ACTIONS` by id: how a pane declares the binding of a row scoped to it."""
    return _BY_ID[action_id]


class KeysError(ValueError):
    """The user's key map names an action that does not exist, gives an empty key, or gives one key twice."""


def canonical_key(key: str) -> str:
    """Textual's name of a key: `?` is `question_mark` (as `App.set_keymap` normalises it)."""
    key = key.strip()
    if len(key) == 1 and not key.isalnum():
        try:
            return unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
        except ValueError:
            return key
    return key


def display_key(keys: str) -> str:
    """How a key is written for people: `question_mark` is `?`, `escape` is `esc`; a list is space-separated."""
    shown: list[str] = []
    for key in (canonical_key(k) for k in keys.split(",")):
        character = _KEY_NAMES.get(key) or key_to_character(key)
        printable = character is not None and character.isprintable() and not character.isspace()
        shown.append(character if character is not None and printable else key)
    return " ".join(shown)


def check_keys(keys: Mapping[str, str], actions: Iterable[Action]) -> dict[str, str]:
    """The user's map by action id, checked against `actions` before the terminal is taken.

    Refused: an id no row has, an empty key, and a key given to two rows of one scope (Textual
    would silently take it from one of them).
    """
    rows = {row.id: row for row in actions}
    checked: dict[str, str] = {}
    for action_id, key in keys.items():
        if action_id not in rows:
            raise KeysError(f"unknown action {action_id!r}; known: {', '.join(rows)}")
        parts = [canonical_key(part) for part in key.split(",")]
        if not all(parts):
            raise KeysError(f"empty key for {action_id!r}; give one, e.g. {action_id}: {rows[action_id].key or 'x'}")
        checked[action_id] = ",".join(parts)
    taken: dict[tuple[str, str], str] = {}
    for row, key in effective_keys(rows.values(), checked).items():
        for part in key.split(",") if key else ():
            other = taken.setdefault((row.scope, canonical_key(part)), row.id)
            if other != row.id:
                raise KeysError(f"{display_key(part)!r} is the key of both {other!r} and {row.id!r}")
    return checked


def effective_keys(actions: Iterable[Action], keymap: Mapping[str, str]) -> dict[Action, str]:
    """Each row's key after the user's map: the mapped key, else the default ("" for none)."""
    return {row: keymap.get(row.id, row.key) for row in actions}
