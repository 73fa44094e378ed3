"""Provides the routes pane: every operation with its hits, last status and override."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label

from mocktui.ui.backend import OperationInfo
from mocktui.ui.model import RouteStats, override_summary, status_class

_STATUS_VARIABLE = {"2xx": "success", "3xx": "secondary", "4xx": "warning", "5xx": "error"}


class RoutesTable(DataTable[Any]):
    """The operations table; enter edits the highlighted operation's override, x clears it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit", tooltip="edit the highlighted route's override"),
        Binding("x", "clear", "Clear", tooltip="clear the highlighted route's override"),
    ]

    class Edit(Message):
        def __init__(self, operation: str) -> None:
            super().__init__()
            self.operation = operation

    class Clear(Message):
        def __init__(self, operation: str) -> None:
            super().__init__()
            self.operation = operation

    @property
    def current(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def action_edit(self) -> None:
        if self.current:
            self.post_message(self.Edit(self.current))

    def action_clear(self) -> None:
        if self.current:
            self.post_message(self.Clear(self.current))


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
        self.table = RoutesTable(id="routes-table", cursor_type="row", zebra_stripes=True)
        self.state_label = Label("", id="routes-state")

    def compose(self) -> ComposeResult:
        yield self.state_label
        table = self.table
        table.add_column("method", key="method", width=7)
        table.add_column("path", key="path")
        table.add_column("operation", key="operation")
        table.add_column("hits", key="hits", width=6)
        table.add_column("last", key="last", width=4)
        table.add_column("override", key="override")
        yield table

    def load(self, operations: list[OperationInfo], stats: Mapping[str, RouteStats]) -> None:
        self.operations = {op.id: op for op in operations}
        table = self.table
        table.clear()
        for op in operations:
            hit = stats.get(op.id) or RouteStats()
            table.add_row(
                Text(op.method, style="bold"),
                op.path,
                op.id,
                *self._stat_cells(hit),
                override_summary(self.overrides.get(op.id)),
                key=op.id,
            )
        self._show_state()

    def _stat_cells(self, stats: RouteStats) -> tuple[Text, Text]:
        last = stats.last_status
        style = self.app.theme_variables.get(_STATUS_VARIABLE[status_class(last)], "") if last else ""
        return Text(str(stats.hits), justify="right"), Text(str(last) if last else "-", style=style)

    def update_stats(self, changed: Mapping[str, RouteStats]) -> None:
        table = self.table
        for op, stats in changed.items():
            if op not in self.operations:
                continue
            hits, last = self._stat_cells(stats)
            table.update_cell(op, "hits", hits)
            table.update_cell(op, "last", last)

    def show_overrides(self, overrides: Mapping[str, dict[str, Any]]) -> None:
        if overrides == self.overrides:
            return
        table = self.table
        for op in set(self.overrides) | set(overrides):
            if op in self.operations:
                summary = Text(override_summary(overrides.get(op)), style=self.app.theme_variables.get("warning", ""))
                table.update_cell(op, "override", summary, update_width=True)
        self.overrides = {k: dict(v) for k, v in overrides.items()}
        self._show_state()

    def _show_state(self) -> None:
        count = len(self.overrides)
        self.state_label.update(
            f"{len(self.operations)} operations · {count} override{'s' if count != 1 else ''}"
            " · enter: edit a route's override · x: clear it"
        )

    def focus_main(self) -> None:
        self.table.focus()
