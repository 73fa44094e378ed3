"""Provides the store pane (stateful mode): collections, their records, view/edit/create/delete/reset, and the
client sessions (`X-Mocktui-Session`) under them when there are any."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from mocktui.ui.backend import Backend, BackendError, StoreInfo
from mocktui.ui.keys import action
from mocktui.ui.model import cell_text, record_columns
from mocktui.ui.routes import GROUP
from mocktui.ui.screens import ConfirmScreen, RecordScreen

PAGE = 100
SESSIONS_SHOWN = 5  # sessions listed under the records; the rest are counted
REFRESH_S = 0.5  # live refreshes of the shown records, at most this often
STATELESS_HELP = """\
[b]No store: this mock is stateless.[/b]

Every response comes from the spec (examples or generated data), and nothing is remembered.
Start the mock with [b]--stateful[/b] (in memory), [b]--persist FILE[/b] (SQLite) or
[b]--store redis://HOST:PORT/DB[/b] to get CRUD that remembers: POST a record, GET it back,
list, change and delete it. The collections and their records then appear here, live.

    mocktui specs/shop.yaml --stateful
"""


class RecordsTable(DataTable[Any]):
    """The records of one collection; enter edits the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit", tooltip="edit the record as JSON (checked against the schema on save)")
    ]

    class Edit(Message):
        pass

    def action_edit(self) -> None:
        self.post_message(self.Edit())


class StorePane(Vertical):
    """Collections on the left, the records of the chosen one on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "view", "View", tooltip="view the record as JSON"),
        Binding("n", "new", "New", tooltip="create a record (starts from a copy of the highlighted one)"),
        Binding("delete,x", "delete", "Delete", tooltip="delete the highlighted record (asks first)"),
        action("reset-store").binding(),
        Binding("r", "reload", "Reload", show=False, tooltip="read the store again"),
        Binding("left_square_bracket", "page(-1)", "Prev page", show=False, tooltip="previous page of records"),
        Binding("right_square_bracket", "page(1)", "Next page", show=False, tooltip="next page of records"),
    ]

    DEFAULT_CSS = """
    StorePane { height: 1fr; }
    StorePane #store-state { height: 1; padding: 0 1; color: $text-muted; }
    StorePane #store-body { height: 1fr; }
    StorePane #collections { width: 24; height: 1fr; border: none; padding: 0; }
    StorePane #records { width: 1fr; height: 1fr; }
    StorePane #store-off { padding: 1 2; height: auto; }
    StorePane #sessions { height: auto; max-height: 8; padding: 0 1; border-top: solid $primary-darken-2; }
    """

    def __init__(self, backend: Backend, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.backend = backend
        self.info: StoreInfo | None = None
        self.collection: str | None = None
        self.page_offset = 0
        self.stale: set[str] = set()
        self.loaded = False
        self._scheduled = False
        self._refreshed = 0.0

    def compose(self) -> ComposeResult:
        yield Label("", id="store-state")
        with Horizontal(id="store-body"):
            yield OptionList(id="collections")
            yield RecordsTable(id="records", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sessions")
        yield Static(STATELESS_HELP, id="store-off")

    def on_mount(self) -> None:
        self.query_one("#store-off").display = False
        self.query_one("#sessions").display = False

    def pane_shown(self) -> None:
        """Shown again: re-read the collections that changed over HTTP while hidden."""
        if self.stale:
            self.refresh_stale()

    def focus_main(self) -> None:
        if self.info is None:
            return
        self.query_one("#records" if self.collection else "#collections").focus()

    @property
    def id_field(self) -> str:
        return self.info.id_fields.get(self.collection or "", "id") if self.info else "id"

    # -- loading ---------------------------------------------------------------

    async def load(self) -> None:
        """Read the store's collections and the current collection's records."""
        try:
            self.info = await self.backend.store()
        except BackendError as exc:
            self.app.notify(str(exc), title="store", severity="error")
            return
        self.loaded = True
        await self.load_sessions()
        self.query_one("#store-body").display = self.info is not None
        self.query_one("#store-off").display = self.info is None
        if self.info is None:
            self.query_one("#store-state", Label).update("stateless: no store")
            return
        options = self.query_one("#collections", OptionList)
        names = list(self.info.collections)
        listed = self._listed(names)
        if [o.id for o in options.options] != [option.id for option in listed]:
            options.clear_options()
            options.add_options(listed)
        else:
            for name in names:
                options.replace_option_prompt(name, self._prompt(name))
        if self.collection not in self.info.collections:
            self.collection = names[0] if names else None
            self.page_offset = 0
        if self.collection is not None:
            options.highlighted = options.get_option_index(self.collection)
        await self.load_records()

    async def load_sessions(self) -> None:
        """The client sessions, under the records: shown only when there are some."""
        try:
            sessions = await self.backend.sessions()
        except BackendError:
            sessions = []
        box = self.query_one("#sessions", Static)
        box.display = bool(sessions)
        if sessions:
            box.update(sessions_text(sessions))

    def _listed(self, names: list[str]) -> list[Option]:
        """The collections; of several specs (`spec:collection`), each spec's under a row naming it."""
        listed: list[Option] = []
        group = None
        for name in names:
            spec = self._spec_of(name)
            if spec is not None and spec != group:
                group = spec
                listed.append(Option(f"[b]{escape(spec[:21])}[/b]", id=GROUP + spec, disabled=True))
            listed.append(Option(self._prompt(name), id=name))
        return listed

    def _spec_of(self, collection: str) -> str | None:
        """The spec a collection belongs to when the mock serves several (its key is `spec:collection`)."""
        return collection.partition(":")[0] if self.backend.info.specs else None

    def _prompt(self, name: str) -> str:
        count = self.info.collections.get(name, 0) if self.info else 0
        short = name.partition(":")[2] if self._spec_of(name) is not None else name
        return escape(f"{short[:14]:<14}{count:>7}")

    async def load_records(self) -> None:
        table = self.query_one("#records", RecordsTable)
        if self.collection is None or self.info is None:
            table.clear(columns=True)
            self._show_state()
            return
        try:
            records = await self.backend.records(self.collection, self.page_offset, PAGE)
        except BackendError as exc:
            self.app.notify(str(exc), title="store", severity="error")
            return
        cursor = table.cursor_row
        columns = record_columns(records, self.id_field)
        if [str(c.value) for c in table.columns] != columns:
            table.clear(columns=True)
            for name in columns:
                table.add_column(name, key=name)
        else:
            table.clear()
        for record in records:
            key = str(record.get(self.id_field, ""))
            if key in table.rows:
                continue
            table.add_row(*(cell_text(record.get(c)) for c in columns), key=key)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)
        self._show_state()

    def _show_state(self) -> None:
        label = self.query_one("#store-state", Label)
        if self.info is None or self.collection is None:
            label.update(f"{self.info.kind + ' store · ' if self.info else ''}no collections")
            return
        total = self.info.collections.get(self.collection, 0)
        pages = max((total + PAGE - 1) // PAGE, 1)
        stateful = "" if self.info.stateful else " (stateful off)"
        label.update(
            f"{self.info.kind} store{stateful} · {escape(self.collection)}: {total} records · "
            f"page {self.page_offset // PAGE + 1}/{pages}" + (" · [ ] pages" if pages > 1 else "")
        )

    def changed(self, collections: set[str]) -> None:
        """Records of `collections` changed over HTTP: reload if shown (at most twice a second), else when shown."""
        self.stale |= collections
        if not (self.loaded and self.is_on_screen) or self._scheduled:
            return
        wait = REFRESH_S - (time.monotonic() - self._refreshed)
        self._scheduled = True
        if wait > 0.01:
            self.set_timer(wait, self.refresh_stale)
        else:
            self.refresh_stale()

    @work(exclusive=True, group="store-refresh")
    async def refresh_stale(self) -> None:
        self._scheduled = False
        self._refreshed = time.monotonic()
        self.stale.clear()
        await self.load()

    # -- user actions ------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#collections")
    async def _collection_chosen(self, message: OptionList.OptionHighlighted) -> None:
        name = message.option.id
        if name is not None and name != self.collection:
            self.collection = name
            self.page_offset = 0
            await self.load_records()

    @on(OptionList.OptionSelected, "#collections")
    def _collection_entered(self) -> None:
        self.query_one("#records").focus()

    def _selected_id(self) -> str | None:
        table = self.query_one("#records", RecordsTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    async def _open(self, read_only: bool) -> None:
        record_id = self._selected_id()
        if self.collection is None or record_id is None:
            self.app.notify("no record selected", severity="warning")
            return
        record = await self.backend.record(self.collection, record_id)
        if record is None:
            self.app.notify(f"{self.collection}/{record_id} is gone", severity="warning")
            await self.load()
            return
        screen = RecordScreen(self.backend, self.collection, record, record_id, read_only=read_only)
        await self.app.push_screen(screen, self._after_save)

    async def _after_save(self, saved: str | None) -> None:
        if saved is not None:
            self.app.notify(f"saved {self.collection}/{saved}", title="store")
            await self.load()

    @on(RecordsTable.Edit)
    async def action_edit(self) -> None:
        await self._open(read_only=False)

    async def action_view(self) -> None:
        await self._open(read_only=True)

    async def action_new(self) -> None:
        if self.collection is None:
            return
        template: dict[str, Any] = {}
        record_id = self._selected_id()
        if record_id is not None:
            template = dict(await self.backend.record(self.collection, record_id) or {})
            unique = self.info.unique.get(self.collection, ()) if self.info is not None else ()
            for name in (self.id_field, *unique):  # a copy to start from, without what must not repeat
                template.pop(name, None)
        await self.app.push_screen(RecordScreen(self.backend, self.collection, template, None), self._after_save)

    async def action_delete(self) -> None:
        record_id = self._selected_id()
        collection = self.collection
        if collection is None or record_id is None:
            return

        async def confirmed(yes: bool | None) -> None:
            if yes:
                await self.backend.delete_record(collection, record_id)
                self.app.notify(f"deleted {collection}/{record_id}", title="store")
                await self.load()

        await self.app.push_screen(ConfirmScreen(f"Delete {collection}/{record_id}?"), confirmed)

    async def action_reset(self) -> None:
        if self.info is None:
            return
        spec = self._spec_of(self.collection or "")  # several specs: the shown collection's spec is reset

        async def confirmed(yes: bool | None) -> None:
            if yes:
                await self.backend.reset_store(spec)
                self.app.notify(f"{spec + ' ' if spec else ''}store reset to its seed", title="store")
                await self.load()

        question = f"Replace every record of {spec} with freshly seeded data?" if spec else \
            "Replace every record with freshly seeded data?"  # fmt: skip
        await self.app.push_screen(ConfirmScreen(question), confirmed)

    async def action_reload(self) -> None:
        await self.load()

    async def action_page(self, direction: int) -> None:
        if self.info is None or self.collection is None:
            return
        total = self.info.collections.get(self.collection, 0)
        offset = self.page_offset + direction * PAGE
        if 0 <= offset < max(total, 1):
            self.page_offset = offset
            await self.load_records()


def sessions_text(sessions: list[dict[str, Any]]) -> str:
    """The sessions as lines: id, requests seen, records written, last seen, its overrides."""
    lines = [f"[b]Sessions[/b] {len(sessions)} · each sees the seeded records plus its own writes"]
    for session in sessions[:SESSIONS_SHOWN]:
        seen = time.strftime("%H:%M:%S", time.localtime(session["last_seen"])) if session.get("last_seen") else "-"
        overrides = f"  overrides: {', '.join(session['overrides'])}" if session.get("overrides") else ""
        lines.append(
            f"  {escape(str(session['id'])[:24]):<24} {session.get('requests', 0):>6} requests "
            f"{session.get('records', 0):>6} records  {seen}{overrides}"
        )
    if len(sessions) > SESSIONS_SHOWN:
        lines.append(f"  and {len(sessions) - SESSIONS_SHOWN} more")
    return "\n".join(lines)
