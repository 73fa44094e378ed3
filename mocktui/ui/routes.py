"""Provides the routes pane: every operation with its hits, last status, recent latency and errors, mode and override.

p50, p99 and err% (the share of 5xx answers) cover the last minute (`mocktui.ui.traffic`). Under
100 columns the operation id column gives way to them (the override editor names the operation).
The mode is where answers come from (mock, proxy, auto with `--proxy`): the route's own, shown
highlighted, else the global one, dim. Under 100 columns its column shows only once some route is
not plain mock, so a mock without `--proxy` keeps its figures on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label

from mocktui.engine.steer.controls import MODES
from mocktui.ui.backend import OperationInfo
from mocktui.ui.keys import action
from mocktui.ui.model import RouteStats, latency_text, override_summary, status_class
from mocktui.ui.traffic import RouteLatency

_STATUS_VARIABLE = {"2xx": "success", "3xx": "secondary", "4xx": "warning", "5xx": "error"}
WIDE = 100  # from this many columns the table also shows the operation id
GROUP = "\x00spec:"  # the row key of a spec's header row, when the mock serves several


def next_mode(mode: str) -> str:
    """The mode after `mode`: mock -> proxy -> auto -> mock."""
    return MODES[(MODES.index(mode) + 1) % len(MODES)] if mode in MODES else MODES[0]


def error_text(pct: float) -> str:
    """A 5xx share as a short percentage: `0%`, `<1%`, `2.5%`, `40%`."""
    if not pct:
        return "0%"
    if pct < 1:
        return "<1%"
    return f"{pct:.1f}%" if pct < 10 and pct != int(pct) else f"{pct:.0f}%"


class RoutesTable(DataTable[Any]):
    """The operations table; enter edits the highlighted operation's override, x clears it, m cycles its mode."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit", tooltip="edit the highlighted route's override"),
        Binding("x", "clear", "Clear", tooltip="clear the highlighted route's override"),
        action("route-mode").binding(),
    ]

    class Edit(Message):
        def __init__(self, operation: str) -> None:
            super().__init__()
            self.operation = operation

    class Clear(Message):
        def __init__(self, operation: str) -> None:
            super().__init__()
            self.operation = operation

    class CycleMode(Message):
        def __init__(self, operation: str) -> None:
            super().__init__()
            self.operation = operation

    @property
    def current(self) -> str | None:
        """The highlighted route (None on a spec's header row)."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None and not str(key).startswith(GROUP) else None

    def action_edit(self) -> None:
        if self.current:
            self.post_message(self.Edit(self.current))

    def action_clear(self) -> None:
        if self.current:
            self.post_message(self.Clear(self.current))

    def action_cycle_mode(self) -> None:
        if self.current:
            self.post_message(self.CycleMode(self.current))


class RoutesPane(Vertical):
    """Operations with live hit counts; select one to edit its override."""

    DEFAULT_CSS = """
    RoutesPane { height: 1fr; }
    RoutesPane #routes-state { height: 1; padding: 0 1; color: $text-muted; }
    RoutesPane RoutesTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.operations: dict[str, OperationInfo] = {}
        self.overrides: dict[str, dict[str, Any]] = {}
        self.mode = "mock"  # the global mode (`controls["mode"]`)
        self.shown_modes: dict[str, tuple[str, bool]] = {}  # what each mode cell shows
        self.stats: Mapping[str, RouteStats] = {}
        self.latency: dict[str, RouteLatency] = {}
        self.latency_text: Callable[[float], str] = latency_text  # the app's `Display.latency`
        self.wide: bool | None = None  # whether the columns include the operation id; None before the first load
        self.with_mode = False  # whether they include the mode
        self.table = RoutesTable(id="routes-table", cursor_type="row", zebra_stripes=True)
        self.state_label = Label("", id="routes-state")

    def compose(self) -> ComposeResult:
        yield self.state_label
        yield self.table

    def _layout(self) -> tuple[bool, bool]:
        """(the operation id column, the mode column) for the app's width and the modes in play."""
        wide = self.app.size.width >= WIDE
        return wide, wide or self.mode != "mock" or any(o.get("mode") for o in self.overrides.values())

    def _add_columns(self, wide: bool, with_mode: bool) -> None:
        table = self.table
        table.clear(columns=True)
        table.add_column("method", key="method", width=7)
        table.add_column("path", key="path")
        if wide:
            table.add_column("operation", key="operation")
        table.add_column("hits", key="hits", width=6)
        table.add_column("last", key="last", width=4)
        table.add_column(Text("p50", justify="right"), key="p50", width=5)
        table.add_column(Text("p99", justify="right"), key="p99", width=5)
        table.add_column(Text("err%", justify="right"), key="errors", width=4)
        if with_mode:
            table.add_column("mode", key="mode", width=5)
        table.add_column("override", key="override")
        self.wide, self.with_mode = wide, with_mode

    def load(self, operations: list[OperationInfo], stats: Mapping[str, RouteStats]) -> None:
        self.operations = {op.id: op for op in operations}
        self.stats = stats
        wide, with_mode = layout = self._layout()
        table = self.table
        row = table.cursor_row
        if layout != (self.wide, self.with_mode):
            self._add_columns(wide, with_mode)
        else:
            table.clear()
        self.shown_modes = {op.id: self.mode_of(op.id) for op in operations} if with_mode else {}
        group = None
        for op in operations:
            if op.spec and op.spec != group:  # several specs: each one's routes under a row naming it
                group = op.spec
                count = sum(1 for o in operations if o.spec == group)
                heading = Text(f"{group} · {count} operation{'s' if count != 1 else ''}", style="bold")
                table.add_row(Text("spec", style="dim"), heading, *[""] * (len(table.columns) - 2), key=GROUP + group)
            hit = stats.get(op.id) or RouteStats()
            table.add_row(
                Text(op.method, style="bold"),
                op.path,
                *((op.id,) if wide else ()),
                *self._stat_cells(hit),
                *self._latency_cells(self.latency.get(op.id)),
                *((self._mode_cell(self.shown_modes[op.id]),) if with_mode else ()),
                override_summary(self.overrides.get(op.id)),
                key=op.id,
            )
        if 0 < row < table.row_count:
            table.move_cursor(row=row)
        self._show_state()

    def on_resize(self, event: events.Resize) -> None:
        if self.wide is not None and self._layout() != (self.wide, self.with_mode):
            self.load(list(self.operations.values()), self.stats)

    def _stat_cells(self, stats: RouteStats) -> tuple[Text, Text]:
        last = stats.last_status
        style = self.app.theme_variables.get(_STATUS_VARIABLE[status_class(last)], "") if last else ""
        return Text(str(stats.hits), justify="right"), Text(str(last) if last else "-", style=style)

    def _latency_cells(self, latency: RouteLatency | None) -> tuple[Text, Text, Text]:
        if latency is None:
            return Text("-", justify="right"), Text("-", justify="right"), Text("-", justify="right")
        style = self.app.theme_variables.get("error", "") if latency.error_pct else ""
        return (
            Text(self.latency_text(latency.p50_ms), justify="right"),
            Text(self.latency_text(latency.p99_ms), justify="right"),
            Text(error_text(latency.error_pct), style=style, justify="right"),
        )

    def show_latency(self, changed: Mapping[str, RouteLatency | None]) -> None:
        """New p50, p99 and err% figures for the operations in `changed` (None: no request lately)."""
        table = self.table
        for op, latency in changed.items():
            if latency is None:
                self.latency.pop(op, None)
            else:
                self.latency[op] = latency
            if op in self.operations:
                for key, cell in zip(("p50", "p99", "errors"), self._latency_cells(latency), strict=True):
                    table.update_cell(op, key, cell)

    def update_stats(self, changed: Mapping[str, RouteStats]) -> None:
        table = self.table
        for op, stats in changed.items():
            if op not in self.operations:
                continue
            hits, last = self._stat_cells(stats)
            table.update_cell(op, "hits", hits)
            table.update_cell(op, "last", last)

    def mode_of(self, operation: str) -> tuple[str, bool]:
        """Where the operation's answers come from (its override's mode, else the global one); True when its own."""
        own = (self.overrides.get(operation) or {}).get("mode")
        return (str(own), True) if own else (self.mode, False)

    def _mode_cell(self, mode: tuple[str, bool]) -> Text:
        name, own = mode
        return Text(name, style=f"bold {self.app.theme_variables.get('accent', '')}" if own else "dim")

    def show_mode(self, mode: str) -> None:
        """The global mode (`controls["mode"]`): the routes without a mode of their own follow it."""
        self.mode = mode
        self._show_modes()
        self._show_state()

    def _show_modes(self) -> None:
        if self.wide is not None and self._layout() != (self.wide, self.with_mode):
            self.load(list(self.operations.values()), self.stats)  # the mode column comes or goes
            return
        if not self.with_mode:
            return
        for op in self.operations:
            mode = self.mode_of(op)
            if self.shown_modes.get(op) != mode:
                self.shown_modes[op] = mode
                self.table.update_cell(op, "mode", self._mode_cell(mode))

    def show_overrides(self, overrides: Mapping[str, dict[str, Any]]) -> None:
        if overrides == self.overrides:
            return
        table = self.table
        for op in set(self.overrides) | set(overrides):
            if op in self.operations:
                summary = Text(override_summary(overrides.get(op)), style=self.app.theme_variables.get("warning", ""))
                table.update_cell(op, "override", summary, update_width=True)
        self.overrides = {k: dict(v) for k, v in overrides.items()}
        self._show_modes()
        self._show_state()

    def _show_state(self) -> None:
        count = len(self.overrides)
        specs = len({op.spec for op in self.operations.values() if op.spec})
        self.state_label.update(
            (f"{specs} specs · " if specs else "")
            + f"{len(self.operations)} operations · {count} override{'s' if count != 1 else ''} · mode {self.mode}"
            " · enter: edit a route's override · x: clear it"
        )

    def focus_main(self) -> None:
        self.table.focus()
