"""Provides the webhooks pane: every callback and webhook of the spec, their subscriptions and deliveries.

The rows are `Backend.webhooks()`, the service's list (deliveries are what every attempt recorded),
re-read at most once a second and only while the pane is on screen. `f` fires the highlighted hook
and `e` opens its payload as JSON to edit first. A callback goes where its URL expression says only
when an operation triggers it, so firing by hand needs a target: the pane offers this mock's own
sink (`/__mocktui/sink/demo`); an emptied target sends a webhook to its subscribers instead.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static, TextArea

from mocktui.engine.outbox import NO_BODY
from mocktui.ui.backend import Backend, BackendError
from mocktui.ui.keys import action
from mocktui.ui.routes import GROUP

__all__ = ["SINK", "EMPTY_HELP", "PayloadScreen", "WebhooksPane", "WebhooksTable"]

REFRESH_S = 1.0
SINK = "/__mocktui/sink/demo"  # the built-in receiver offered as the target
SHOWN = 8  # deliveries listed under the table for the highlighted hook

EMPTY_HELP = (
    "This spec declares no callbacks or webhooks.\n\n"
    "OAS 3 `callbacks` on an operation and 3.1 top-level `webhooks` show here, with their subscriptions "
    "(--webhook NAME=URL) and deliveries; f fires the highlighted one, e edits its payload first."
)


class WebhooksTable(DataTable[Any]):
    """A row per hook; `f` fires the highlighted one, `e` edits its payload and fires."""

    BINDINGS: ClassVar[list[BindingType]] = [
        action("fire-webhook").binding(),
        action("edit-webhook").binding(),
    ]

    class Fire(Message):
        def __init__(self, name: str, edit: bool) -> None:
            super().__init__()
            self.name = name
            self.edit = edit

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    @property
    def current(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None and not str(key).startswith(GROUP) else None  # not a spec's row

    def action_fire(self) -> None:
        if self.current is not None:
            self.post_message(self.Fire(self.current, edit=False))

    def action_edit(self) -> None:
        if self.current is not None:
            self.post_message(self.Fire(self.current, edit=True))


class WebhooksPane(Vertical):
    """The hooks table, the target firing sends to, and the highlighted hook's deliveries."""

    DEFAULT_CSS = """
    WebhooksPane { height: 1fr; }
    WebhooksPane #webhooks-state { height: 1; padding: 0 1; color: $text-muted; }
    WebhooksPane #webhooks-target-row { height: 1; padding: 0 1; }
    WebhooksPane #webhooks-target-row Label { width: auto; padding-right: 1; }
    WebhooksPane #webhooks-target { width: 1fr; }
    WebhooksPane WebhooksTable { height: 1fr; }
    WebhooksPane #webhooks-detail { height: auto; max-height: 11; padding: 0 1; border-top: solid $accent 50%; }
    WebhooksPane #webhooks-empty { padding: 1 2; color: $text-muted; }
    """

    def __init__(self, backend: Backend, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.backend = backend
        self.entries: list[dict[str, Any]] = []
        self.table = WebhooksTable(id="webhooks-table")
        self.state_label = Label("", id="webhooks-state")
        self.target = Input(placeholder="empty: a webhook's subscribers", id="webhooks-target", compact=True)
        self.detail = Static("", id="webhooks-detail")
        self.empty = Static(EMPTY_HELP, id="webhooks-empty", markup=False)

    def compose(self) -> ComposeResult:
        yield self.state_label
        with Horizontal(id="webhooks-target-row"):
            yield Label("target", markup=False)
            yield self.target
        yield self.table
        yield self.detail
        yield self.empty

    def on_mount(self) -> None:
        self.target.value = self.backend.info.url.rstrip("/") + SINK
        table = self.table
        table.add_column("name", key="name")
        table.add_column("kind", key="kind", width=8)
        table.add_column("method", key="method", width=6)
        table.add_column(Text("subs", justify="right"), key="subs", width=4)
        table.add_column(Text("sent", justify="right"), key="sent", width=4)
        table.add_column("last delivery", key="last")
        self._show([])
        self.set_interval(REFRESH_S, self._tick, name="webhooks")

    def pane_shown(self) -> None:
        self.reload()

    def _tick(self) -> None:
        if self.is_on_screen:
            self.reload()

    @work(exclusive=True, group="webhooks-refresh")
    async def reload(self) -> None:
        try:
            entries = await self.backend.webhooks()
        except BackendError as exc:
            self.state_label.update(f"webhooks: {exc}")
            return
        if entries != self.entries:
            self._show(entries)

    def entry(self, name: str) -> dict[str, Any] | None:
        return next((e for e in self.entries if e["name"] == name), None)

    # -- firing ------------------------------------------------------------------

    @on(WebhooksTable.Fire)
    async def _fire_asked(self, message: WebhooksTable.Fire) -> None:
        message.stop()
        if message.edit:
            await self.edit(message.name)
        else:
            await self.fire(message.name)

    async def fire(self, name: str, body: Any = NO_BODY) -> bool:
        """Send `name` now to the target (or its subscribers); a refusal is a notice, never a crash."""
        url = self.target.value.strip() or None
        try:
            fired = await self.backend.fire_webhook(name, body, url)
        except BackendError as exc:
            self.app.notify(str(exc), title=f"fire {name}", severity="error")
            return False
        targets = fired.get("targets") or [url]
        self.app.notify(f"{name} → {', '.join(str(t) for t in targets)}", title="fired", timeout=3)
        self.reload()
        return True

    async def edit(self, name: str) -> None:
        """The payload as JSON in an editor; ctrl+s fires the edited body."""
        entry = self.entry(name)
        payload = entry.get("payload") if entry is not None else None
        screen = PayloadScreen(self, name, {} if payload is None else payload)
        await self.app.push_screen(screen)

    # -- showing -----------------------------------------------------------------

    def _show(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        table = self.table
        current = table.current
        table.clear()
        group = None
        for entry in entries:
            if entry.get("spec") and entry["spec"] != group:  # several specs: each one's hooks under a row naming it
                group = str(entry["spec"])
                count = sum(1 for e in entries if e.get("spec") == group)
                heading = Text(f"{group} · {count} hook{'s' if count != 1 else ''}", style="bold")
                table.add_row(heading, Text("spec", style="dim"), *[""] * (len(table.columns) - 2), key=GROUP + group)
            deliveries = entry.get("deliveries") or []
            table.add_row(
                Text(str(entry["name"]), style="bold"),
                str(entry.get("kind", "")),
                str(entry.get("method", "")).upper(),
                Text(str(len(entry.get("subscriptions") or [])), justify="right"),
                Text(str(len(deliveries)), justify="right"),
                _delivery(deliveries[-1]) if deliveries else Text("never sent", style="dim"),
                key=str(entry["name"]),
            )
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
        empty = not entries
        self.empty.display = empty
        table.display = self.detail.display = not empty
        webhooks = sum(1 for e in entries if e.get("kind") == "webhook")
        self.state_label.update(
            "no callbacks or webhooks" if empty else
            f"{webhooks} webhook{'s' if webhooks != 1 else ''}, {len(entries) - webhooks} callback"
            f"{'s' if len(entries) - webhooks != 1 else ''} · f: fire to the target · e: edit the payload, then fire"
        )  # fmt: skip
        self._show_detail()

    @on(DataTable.RowHighlighted, "#webhooks-table")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(Input.Submitted, "#webhooks-target")
    def _target_set(self) -> None:
        self.table.focus()

    def _show_detail(self) -> None:
        """The highlighted hook: what triggers it, where it goes, and its latest attempts."""
        entry = self.entry(self.table.current or "")
        if entry is None:
            self.detail.update("")
            return
        text = Text()
        text.append(str(entry["name"]), style="bold")
        if entry.get("summary"):
            text.append(f" · {entry['summary']}", style="dim")
        if entry.get("kind") == "callback":
            text.append(f"\nafter {entry.get('operation')} → {entry.get('url')}")
        subscriptions = entry.get("subscriptions") or []
        if entry.get("kind") == "webhook":
            text.append("\nsubscribed: " + (", ".join(subscriptions) if subscriptions else "nobody"))
        for delivery in (entry.get("deliveries") or [])[-SHOWN:][::-1]:
            text.append("\n  ")
            text.append_text(_delivery(delivery))
            text.append(f"  {delivery.get('url', '')}", style="dim")
        self.detail.update(text)

    def focus_main(self) -> None:
        self.table.focus()


def _delivery(delivery: dict[str, Any]) -> Text:
    """One attempt: its outcome, the receiver's status (or none) and which attempt it was."""
    outcome = str(delivery.get("outcome", ""))
    style = {"delivered": "green", "retrying": "yellow", "failed": "red"}.get(outcome, "")
    status = int(delivery.get("status") or 0)
    text = Text(f"{outcome:<9}", style=style)
    text.append(f" {status if status else '---'}")
    text.append(f" attempt {delivery.get('attempt', 0)}", style="dim")
    return text


class PayloadScreen(ModalScreen[None]):
    """A hook's payload as JSON; ctrl+s fires the edited body (the editor stays open when it is refused)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Fire", priority=True),
        Binding("escape", "cancel", "Close", priority=True),
    ]

    DEFAULT_CSS = """
    PayloadScreen { align: center middle; }
    PayloadScreen #payload { width: 90%; max-width: 110; height: 90%; border: round $accent; background: $surface; }
    PayloadScreen #payload-title { padding: 0 1; text-style: bold; }
    PayloadScreen TextArea { height: 1fr; }
    PayloadScreen #payload-errors { color: $error; height: auto; max-height: 6; padding: 0 1; }
    PayloadScreen #payload-buttons { height: 1; padding: 0 1; }
    PayloadScreen Button { margin-right: 2; }
    """

    def __init__(self, pane: WebhooksPane, name: str, payload: Any) -> None:
        super().__init__()
        self.pane = pane
        self.hook = name
        self.payload = payload

    def compose(self) -> ComposeResult:
        target = self.pane.target.value.strip() or "its subscribers"
        with Vertical(id="payload"):
            yield Label(f"{self.hook} → {target}  ·  ctrl+s fires this body, esc cancels", id="payload-title",
                        markup=False)  # fmt: skip
            yield TextArea(
                json.dumps(self.payload, indent=2, ensure_ascii=False),
                id="payload-json",
                show_line_numbers=True,
                tab_behavior="indent",
            )
            yield Static("", id="payload-errors", markup=False)
            with Horizontal(id="payload-buttons"):
                yield Button("Fire ^s", id="send", variant="primary", compact=True)
                yield Button("Close esc", id="close", compact=True)

    def on_mount(self) -> None:
        area = self.query_one("#payload-json", TextArea)
        area.cursor_blink = bool(getattr(self.app, "blink", True))
        area.focus()

    @on(Button.Pressed, "#send")
    async def _send_pressed(self) -> None:
        await self.action_send()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_cancel()

    async def action_send(self) -> None:
        text = self.query_one("#payload-json", TextArea).text
        try:
            body = json.loads(text)
        except ValueError as exc:
            self.query_one("#payload-errors", Static).update(f"not JSON: {exc}")
            return
        if await self.pane.fire(self.hook, body):
            self.dismiss(None)
        else:
            self.query_one("#payload-errors", Static).update("refused: see the notice")

    def action_cancel(self) -> None:
        self.dismiss(None)
