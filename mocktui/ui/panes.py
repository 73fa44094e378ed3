"""Provides the pane registry: one row per pane, read by the layout, focus, the pane keys, the palette and help.

Adding a pane is a widget module, one `Pane` row below and its test: the app composes a tab per
row (titled with its key), binds the key to show it, lists it in the palette (`Show ...`) and lists
the keys of its widgets on the `?` screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.widget import Widget

from mocktui.ui.backend import Backend
from mocktui.ui.controls import ControlsPane
from mocktui.ui.drift import DriftPane, DriftTable
from mocktui.ui.keys import ACTIONS, Action
from mocktui.ui.logbridge import LogPane
from mocktui.ui.requests import Display, RequestList, RequestsPane
from mocktui.ui.routes import RoutesPane, RoutesTable
from mocktui.ui.slider import Slider
from mocktui.ui.store import RecordsTable, StorePane
from mocktui.ui.webhooks import WebhooksPane, WebhooksTable

__all__ = ["PANES", "VOCABULARY", "Focusable", "Host", "Pane", "Shown"]


class Host(Protocol):
    """What a pane's factory may read from the app."""

    @property
    def backend(self) -> Backend: ...

    @property
    def display_options(self) -> Display: ...

    @property
    def history(self) -> int: ...


@runtime_checkable
class Focusable(Protocol):
    """A pane that knows which of its widgets takes the focus when it is shown (else the pane itself does)."""

    def focus_main(self) -> None: ...


@runtime_checkable
class Shown(Protocol):
    """A pane that catches up when it is shown (the store re-reads what changed while hidden)."""

    def pane_shown(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Pane:
    """One tab of the control room: its id (the `TabPane` id), title, key and widget."""

    id: str
    title: str
    key: str
    help: str
    make: Callable[[Host, str], Widget]  # (app, DOM id) -> the pane's widget
    keys_from: tuple[type[DOMNode], ...] = ()  # the widgets whose keys the help screen lists for this pane
    notes: tuple[tuple[str, str], ...] = ()  # help lines that are no binding: (what, does)

    @property
    def widget_id(self) -> str:
        return f"{self.id}-pane"

    @property
    def action(self) -> Action:
        """Its row in the actions table: `pane-<id>`, bound to its key, `Show <title>` in the palette."""
        return Action(
            f"pane-{self.id}", f"pane({self.id!r})", f"Show {self.title.lower()}", self.help, self.key, self.title,
            show=False,
        )  # fmt: skip


PANES: tuple[Pane, ...] = (
    Pane(
        "requests", "Requests", "1", "the live request log",
        lambda host, id: RequestsPane(host.display_options, host.history, id=id),
        keys_from=(RequestsPane, RequestList),
        notes=(("filter", "text  status:5xx  status:404  method:POST  path:/users*  op:  tag:  -term"),),
    ),
    Pane(
        "routes", "Routes", "2", "operations, hits, per-route overrides",
        lambda _host, id: RoutesPane(id=id), keys_from=(RoutesTable,),
    ),
    Pane(
        "controls", "Controls", "3", "delay, errors, rate limit, offline, packs",
        lambda _host, id: ControlsPane(id=id), keys_from=(Slider,), notes=(("space / click", "toggle a checkbox"),),
    ),
    Pane(
        "store", "Store", "4", "collections and records (stateful mode)",
        lambda host, id: StorePane(host.backend, id=id), keys_from=(StorePane, RecordsTable),
    ),
    Pane("log", "Log", "5", "server and library log lines", lambda _host, id: LogPane(id=id)),
    Pane(
        "drift", "Drift", "6", "where the backend behind --proxy breaks the spec",
        lambda host, id: DriftPane(host.backend, host.display_options.time, id=id), keys_from=(DriftTable,),
    ),
    Pane(
        "webhooks", "Webhooks", "7", "callbacks and webhooks: subscriptions, deliveries, fire one",
        lambda host, id: WebhooksPane(host.backend, id=id), keys_from=(WebhooksTable,),
    ),
)  # fmt: skip

VOCABULARY: tuple[Action, ...] = (*(pane.action for pane in PANES), *ACTIONS)
"""Every action of the control room: a switch per pane, then the actions table."""
