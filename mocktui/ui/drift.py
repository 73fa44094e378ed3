"""Provides the drift pane: where the backend behind `--proxy` broke the spec, by operation, most findings first.

The rows are `Backend.drift()`, the service's summary of the journal's events tagged `drift`, so
every process of the mock counts and a local or an attached control room show the same. The summary
scans the journal, so it is re-read at most once a second, and only while the pane is on screen (or
when it is shown). The offending exchanges themselves come from the app's flush (`saw`): enter opens
an operation's last one in the request detail screen without asking the mock for it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from mocktui.engine.events import RequestEvent
from mocktui.ui.backend import Backend, BackendError

__all__ = ["EMPTY_HELP", "DriftPane", "DriftTable"]

REFRESH_S = 1.0  # the summary is re-read at most this often
KEEP = 500  # recent drift events kept for enter, besides each row's last one
FIXED = 5 + 8 + 8 + 8 + 6 * 2 + 2  # seen, findings, first, last, each column's padding, a scrollbar

EMPTY_HELP = (
    "No drift seen.\n\n"
    "Start with --proxy URL: findings of the backend against the spec show here, by operation "
    "(a wrong type at /3/username, an undeclared status or media type, a missing header). "
    "Enter opens the last offending exchange."
)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class DriftTable(DataTable[Any]):
    """Operations by findings; enter opens the highlighted operation's last offending exchange."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="the operation's last offending exchange in full"),
    ]

    class Open(Message):
        def __init__(self, event_id: int) -> None:
            super().__init__()
            self.event_id = event_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.last_events: dict[str, int] = {}  # row key (operation) -> its last offending event's id

    @property
    def current(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def action_open(self) -> None:
        event_id = self.last_events.get(self.current or "")
        if event_id is not None:
            self.post_message(self.Open(event_id))


class DriftPane(Vertical):
    """The drift summary: a row per operation, the highlighted one's notes with counts under it."""

    DEFAULT_CSS = """
    DriftPane { height: 1fr; }
    DriftPane #drift-state { height: 1; padding: 0 1; color: $text-muted; }
    DriftPane DriftTable { height: 1fr; }
    DriftPane #drift-notes { height: auto; max-height: 8; padding: 0 1; border-top: solid $warning 50%; }
    DriftPane #drift-empty { padding: 1 2; color: $text-muted; }
    """

    def __init__(self, backend: Backend, clock: Callable[[float], str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.backend = backend
        self.clock = clock  # the app's `Display.time`
        self.entries: list[dict[str, Any]] = []
        self.recent: dict[int, RequestEvent] = {}  # the last `KEEP` drift events the app saw, by id
        self.pinned: dict[int, RequestEvent] = {}  # each row's last offending event, whatever its age
        self.table = DriftTable(id="drift-table")
        self.state_label = Label("", id="drift-state")
        self.notes = Static("", id="drift-notes")
        self.empty = Static(EMPTY_HELP, id="drift-empty")
        self._loaded_at = 0.0

    def compose(self) -> ComposeResult:
        yield self.state_label
        yield self.table
        yield self.notes
        yield self.empty

    def on_mount(self) -> None:
        table = self.table
        table.add_column("operation", key="operation")
        table.add_column(Text("seen", justify="right"), key="exchanges", width=5)
        table.add_column(Text("findings", justify="right"), key="findings", width=8)
        table.add_column("first", key="first", width=8)
        table.add_column("last", key="last", width=8)
        table.add_column("most found", key="note")
        self._show([])
        self.set_interval(REFRESH_S, self._tick, name="drift")

    # -- what arrives -------------------------------------------------------------

    def saw(self, batch: Iterable[RequestEvent]) -> None:
        """New events from the app's flush: keep the drift ones for enter, and re-read the summary if shown."""
        found = False
        for event in batch:
            if "drift" in event.tags:
                found = True
                self.recent[event.id] = event
                if len(self.recent) > KEEP:
                    del self.recent[next(iter(self.recent))]
        if found and self.is_on_screen and time.monotonic() - self._loaded_at >= REFRESH_S:
            self.reload()

    def event(self, event_id: int) -> RequestEvent | None:
        """A drift event the app saw, by id (None once it is neither recent nor a row's last one)."""
        return self.recent.get(event_id) or self.pinned.get(event_id)

    def pane_shown(self) -> None:
        self.reload()

    def _tick(self) -> None:
        if self.is_on_screen:
            self.reload()

    @work(exclusive=True, group="drift-refresh")
    async def reload(self) -> None:
        """Read the summary again (a mock that cannot be reached says so in the state line)."""
        self._loaded_at = time.monotonic()
        try:
            entries = await self.backend.drift()
        except BackendError as exc:
            self.state_label.update(f"drift: {exc}")
            return
        if entries != self.entries:
            self._show(entries)

    # -- showing -----------------------------------------------------------------

    def _show(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        table = self.table
        current = table.current
        table.clear()
        table.last_events = {}
        room = max((table.size.width or self.app.size.width) - FIXED, 24)  # the operation and its top finding
        longest = max((len(str(e["operation"])) for e in entries), default=0)
        name_width = min(longest, max(room - 28, room // 2, 16))  # the finding keeps 28 columns when it can
        for entry in entries:
            name = str(entry["operation"])
            notes = entry.get("notes") or []
            top = max(notes, key=lambda n: int(n.get("count", 0)), default=None)
            note = f"{top['count']}× {str(top['note'])}" if top else ""
            table.add_row(
                Text(_cut(name, name_width), style="bold"),
                Text(str(entry.get("exchanges", 0)), justify="right"),
                Text(str(entry.get("findings", 0)), justify="right", style=self.app.theme_variables.get("warning", "")),
                self.clock(float(entry.get("first_seen", 0))),
                self.clock(float(entry.get("last_seen", 0))),
                _cut(note, max(room - name_width, 10)),
                key=name,
            )
            table.last_events[name] = int(entry.get("last_event", 0))
        if current in table.last_events:
            table.move_cursor(row=table.get_row_index(current))
        wanted = set(table.last_events.values())
        self.pinned = {i: e for i in wanted if (e := self.recent.get(i) or self.pinned.get(i)) is not None}
        empty = not entries
        self.empty.display = empty
        table.display = self.notes.display = not empty
        findings = sum(int(e.get("findings", 0)) for e in entries)
        exchanges = sum(int(e.get("exchanges", 0)) for e in entries)
        self.state_label.update(
            "no drift" if empty else
            f"{len(entries)} operation{'s' if len(entries) != 1 else ''} drifted · {findings} findings in "
            f"{exchanges} exchanges · enter: open the last one"
        )  # fmt: skip
        self._show_notes()

    def on_resize(self) -> None:
        if self.entries:
            self._show(self.entries)

    @on(DataTable.RowHighlighted, "#drift-table")
    def _highlighted(self) -> None:
        self._show_notes()

    @on(DataTable.RowSelected, "#drift-table")
    def _clicked(self) -> None:
        self.table.action_open()

    def _show_notes(self) -> None:
        """Every finding of the highlighted operation with how often it was seen."""
        name = self.table.current
        entry = next((e for e in self.entries if e["operation"] == name), None)
        if entry is None:
            self.notes.update("")
            return
        text = Text()
        text.append(f"{name}", style="bold")
        text.append(f" · last offending exchange #{entry.get('last_event')}", style="dim")
        warning = self.app.theme_variables.get("warning", "")
        for note in sorted(entry.get("notes") or [], key=lambda n: -int(n.get("count", 0))):
            text.append(f"\n{note['count']:>4}× ", style=warning)
            text.append(str(note["note"]))
        self.notes.update(text)

    def focus_main(self) -> None:
        self.table.focus()
