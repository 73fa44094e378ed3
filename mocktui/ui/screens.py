"""Provides the screens over the panes: request details, override editor, record editor, confirm (help: `help.py`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Footer, Label, Select, Static, TextArea

from mocktui.engine.events import RequestEvent
from mocktui.ui.model import curl_command, header_value, pretty_body, status_class
from mocktui.ui.slider import Slider

if TYPE_CHECKING:
    from mocktui.ui.backend import Backend, OperationInfo
    from mocktui.ui.requests import Display


def _body(body: bytes, headers: list[tuple[str, str]], dark: bool) -> Syntax | Text:
    text, lexer = pretty_body(body, header_value(headers, "content-type"))
    if not text:
        return Text("(empty)", style="dim")
    if lexer == "json":
        theme = "ansi_dark" if dark else "ansi_light"
        return Syntax(text, "json", theme=theme, word_wrap=True, background_color="default")
    return Text(text)


def _headers(headers: list[tuple[str, str]]) -> Text:
    text = Text()
    for i, (name, value) in enumerate(headers):
        if i:
            text.append("\n")
        text.append(name, style="bold")
        text.append(f": {value}")
    return text or Text("(none)", style="dim")


class DetailScreen(Screen[None]):
    """One request: the request line, status, tags and notes, headers and pretty bodies both ways."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_curl", "Copy as curl", tooltip="copy a curl command replaying the request"),
        Binding("escape,q", "close", "Back", tooltip="back to the panes"),
    ]

    DEFAULT_CSS = """
    DetailScreen #detail-title { height: 1; width: 100%; background: $panel; padding: 0 1; text-style: bold; }
    DetailScreen #detail-body { padding: 0 1; }
    DetailScreen .section { margin-top: 1; color: $accent; text-style: bold; }
    DetailScreen #notes { color: $warning; }
    DetailScreen #curl { display: none; margin-top: 1; padding: 0 1; border: round $accent; height: auto; }
    DetailScreen #curl.-shown { display: block; }
    DetailScreen .s2xx { color: $success; }
    DetailScreen .s3xx { color: $secondary; }
    DetailScreen .s4xx { color: $warning; }
    DetailScreen .s5xx { color: $error; }
    """

    def __init__(self, event: RequestEvent, base_url: str, display: Display) -> None:
        super().__init__()
        self.event = event
        self.base_url = base_url
        self.display_options = display

    def compose(self) -> ComposeResult:
        e = self.event
        query = f"?{e.query}" if e.query else ""
        dark = self.app.current_theme.dark
        yield Label(f"{e.method} {e.path}{query}", id="detail-title")
        with VerticalScroll(id="detail-body"):
            summary = Text()
            summary.append(f"{e.status}", style="bold")
            summary.append(f" · {self.display_options.latency(e.latency_ms)} · {e.operation or 'no operation'}")
            summary.append(f" · {self.display_options.time(e.time)} · from {e.client or '?'}")
            yield Static(summary, id="summary", classes=f"s{status_class(e.status)}")
            if e.tags:
                yield Static(Text("tags: " + ", ".join(e.tags)), id="tags")
            if e.notes:
                yield Static(Text("\n".join(f"! {note}" for note in e.notes)), id="notes")
            yield Static(id="curl")
            yield Label("Request headers", classes="section")
            yield Static(_headers(e.request_headers), id="request-headers")
            yield Label("Request body", classes="section")
            yield Static(_body(e.request_body, e.request_headers, dark), id="request-body")
            yield Label("Response headers", classes="section")
            yield Static(_headers(e.response_headers), id="response-headers")
            yield Label("Response body", classes="section")
            yield Static(_body(e.response_body, e.response_headers, dark), id="response-body")
        yield Footer(compact=True)

    @property
    def curl(self) -> str:
        return curl_command(self.event, self.base_url)

    def action_copy_curl(self) -> None:
        command = self.curl
        self.app.copy_to_clipboard(command)
        shown = self.query_one("#curl", Static)
        shown.update(Text(command))
        shown.border_title = "copied to the clipboard"
        shown.add_class("-shown")
        self.app.notify("copied as curl", timeout=2)

    def action_close(self) -> None:
        self.dismiss()


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen #confirm { width: 60; height: auto; border: round $warning; background: $surface; padding: 1 2; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(self.question)
            with Horizontal():
                yield Button("Yes (y)", id="yes", variant="warning", compact=True)
                yield Button("No (n)", id="no", compact=True)

    @on(Button.Pressed)
    def _pressed(self, message: Button.Pressed) -> None:
        self.dismiss(message.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


_INHERIT = "inherit"


class OverrideScreen(ModalScreen[dict[str, Any] | None]):
    """Edit one operation's override. Dismisses with the whole new override ({} clears), or None to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply"),
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+x", "clear", "Clear override"),
    ]

    DEFAULT_CSS = """
    OverrideScreen { align: center middle; }
    OverrideScreen #override { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1; }
    OverrideScreen #override-title { text-style: bold; margin-bottom: 1; }
    OverrideScreen .row { height: 1; margin-bottom: 1; }
    OverrideScreen .name { width: 14; color: $text-muted; }
    OverrideScreen Select { width: 1fr; }
    OverrideScreen #buttons { height: 1; margin-bottom: 0; }
    OverrideScreen Button { margin-right: 2; }
    """

    def __init__(self, operation: OperationInfo, current: dict[str, Any] | None) -> None:
        super().__init__()
        self.operation = operation
        self.current = dict(current or {})

    def compose(self) -> ComposeResult:
        op = self.operation
        current = self.current
        statuses = [int(k) for k in op.statuses if k.isdigit()]
        statuses += [int(k[0]) * 100 for k in op.statuses if k.endswith("XX") and int(k[0]) * 100 not in statuses]
        forced = current.get("status")
        if forced is not None and forced not in statuses:
            statuses.append(int(forced))
        example = current.get("example")
        examples = list(op.examples) + ([example] if example and example not in op.examples else [])
        delay = current.get("delay") or {}
        with Vertical(id="override"):
            yield Label(f"{op.method} {op.path}  [{op.id}]", id="override-title", markup=False)
            with Horizontal(classes="row"):
                yield Label("status", classes="name")
                yield Select(
                    [("as the spec says", _INHERIT)] + [(str(s), str(s)) for s in sorted(statuses)],
                    value=str(forced) if forced is not None else _INHERIT,
                    allow_blank=False,
                    compact=True,
                    id="status",
                )
            with Horizontal(classes="row"):
                yield Label("example", classes="name")
                yield Select(
                    [("none forced", _INHERIT)] + [(name, name) for name in examples],
                    value=example if example else _INHERIT,
                    allow_blank=False,
                    compact=True,
                    id="example",
                    disabled=not examples,
                )
            with Horizontal(classes="row"):
                yield Label("dynamic", classes="name")
                dynamic = current.get("dynamic")
                yield Select(
                    [("as the controls say", _INHERIT), ("fresh data per request", "on"), ("stable data", "off")],
                    value=_INHERIT if dynamic is None else "on" if dynamic else "off",
                    allow_blank=False,
                    compact=True,
                    id="dynamic",
                )
            with Horizontal(classes="row"):
                yield Label("extra delay", classes="name")
                yield Slider(
                    float(delay.get("max_ms") or 0), maximum=5000, step=10, big_step=250,
                    format=lambda v: f"{v:g} ms", id="delay",
                )  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("error rate", classes="name")
                rate = current.get("error_rate")
                yield Checkbox("own", rate is not None, compact=True, id="own-rate")
                yield Slider(float(rate or 0), maximum=100, step=1, big_step=10, format=lambda v: f"{v:g} %", id="rate")
            with Horizontal(classes="row"):
                yield Label("disable", classes="name")
                disabled = current.get("disabled")
                yield Select(
                    [("no", _INHERIT), ("404: not there", "404"), ("503: down", "503")],
                    value=str(disabled) if disabled else _INHERIT,
                    allow_blank=False,
                    compact=True,
                    id="disabled",
                )
            with Horizontal(classes="row", id="buttons"):
                yield Button("Apply ^s", id="apply", variant="primary", compact=True)
                yield Button("Clear ^x", id="clear", variant="warning", compact=True)
                yield Button("Cancel esc", id="cancel", compact=True)
            yield Label("", id="override-error")

    def on_mount(self) -> None:
        self.query_one("#rate", Slider).disabled = not self.query_one("#own-rate", Checkbox).value
        self.query_one("#status", Select).focus()

    @on(Checkbox.Changed, "#own-rate")
    def _own_rate(self, message: Checkbox.Changed) -> None:
        self.query_one("#rate", Slider).disabled = not message.value

    @on(Slider.Changed)
    def _slider(self, message: Slider.Changed) -> None:
        message.stop()  # the screen reads the sliders on apply

    def value(self) -> dict[str, Any]:
        """The override the widgets describe."""
        out: dict[str, Any] = {}
        status = self.query_one("#status", Select).value
        if isinstance(status, str) and status != _INHERIT:
            out["status"] = int(status)
        example = self.query_one("#example", Select).value
        if isinstance(example, str) and example != _INHERIT:
            out["example"] = example
        dynamic = self.query_one("#dynamic", Select).value
        if dynamic in ("on", "off"):
            out["dynamic"] = dynamic == "on"
        delay = self.query_one("#delay", Slider).value
        if delay > 0:
            out["delay"] = {"min_ms": delay, "max_ms": delay}
        if self.query_one("#own-rate", Checkbox).value:
            out["error_rate"] = self.query_one("#rate", Slider).value
        disabled = self.query_one("#disabled", Select).value
        if isinstance(disabled, str) and disabled != _INHERIT:
            out["disabled"] = int(disabled)
        for kept in ("rate_limit", "mode"):  # kept: not editable here (the mode is the routes pane's `m`)
            if self.current.get(kept):
                out[kept] = self.current[kept]
        return out

    @on(Button.Pressed)
    def _pressed(self, message: Button.Pressed) -> None:
        {"apply": self.action_apply, "clear": self.action_clear, "cancel": self.action_cancel}[
            message.button.id or "cancel"
        ]()

    def action_apply(self) -> None:
        self.dismiss(self.value())

    def action_clear(self) -> None:
        self.dismiss({})

    def action_cancel(self) -> None:
        self.dismiss(None)


class RecordScreen(ModalScreen[str | None]):
    """View or edit one record as JSON; saving checks it against the schema first and shows refusals inline."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Close", priority=True),  # the text area would only let go of focus
    ]

    DEFAULT_CSS = """
    RecordScreen { align: center middle; }
    RecordScreen #record { width: 90%; max-width: 110; height: 90%; border: round $accent; background: $surface; }
    RecordScreen #record-title { padding: 0 1; text-style: bold; }
    RecordScreen TextArea { height: 1fr; }
    RecordScreen #record-errors { color: $error; height: auto; max-height: 6; padding: 0 1; }
    RecordScreen #record-buttons { height: 1; padding: 0 1; }
    RecordScreen Button { margin-right: 2; }
    """

    def __init__(
        self,
        backend: Backend,
        collection: str,
        record: dict[str, Any],
        record_id: str | None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.collection = collection
        self.record = record
        self.record_id = record_id
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        what = f"{self.collection}/{self.record_id}" if self.record_id else f"new record in {self.collection}"
        mode = "view" if self.read_only else "edit: ctrl+s saves (checked against the schema), esc cancels"
        with Vertical(id="record"):
            yield Label(f"{what}  ·  {mode}", id="record-title", markup=False)
            yield TextArea(
                json.dumps(self.record, indent=2, ensure_ascii=False),
                id="record-json",
                read_only=self.read_only,
                show_line_numbers=True,
                tab_behavior="indent",
            )
            yield Static("", id="record-errors", markup=False)
            with Horizontal(id="record-buttons"):
                if not self.read_only:
                    yield Button("Save ^s", id="save", variant="primary", compact=True)
                yield Button("Close esc", id="close", compact=True)

    def on_mount(self) -> None:
        area = self.query_one("#record-json", TextArea)
        area.cursor_blink = bool(getattr(self.app, "blink", True))
        area.focus()

    @on(Button.Pressed, "#save")
    async def _save_pressed(self) -> None:
        await self.action_save()

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_cancel()

    def show_errors(self, errors: list[str]) -> None:
        self.query_one("#record-errors", Static).update("\n".join(errors))

    async def action_save(self) -> None:
        if self.read_only:
            return
        text = self.query_one("#record-json", TextArea).text
        try:
            record = json.loads(text)
        except ValueError as exc:
            self.show_errors([f"not JSON: {exc}"])
            return
        if not isinstance(record, dict):
            self.show_errors(["a record is a JSON object: {...}"])
            return
        from mocktui.ui.backend import BackendError

        try:
            saved, errors = await self.backend.save_record(self.collection, record, self.record_id)
        except BackendError as exc:
            self.show_errors([str(exc)])
            return
        if errors:
            self.show_errors([f"refused: {e}" for e in errors])
            return
        self.dismiss(saved)

    def action_cancel(self) -> None:
        self.dismiss(None)
