"""Provides `MocktuiApp`, the terminal control room over one `Backend` (`mocktui.ui.app` runs it).

The mock and the UI share one event loop: the server publishes each request event to a listener
that only appends it to a list and bumps counters (O(1)); a timer flushes that list into the
panes at most `tick` times a second, so the UI never renders per request and never starves the
server. The app only knows a `Backend`: a local engine with its server, or a remote mock. Its
panes come from the registry (`mocktui.ui.panes`), its keys from the actions table (`mocktui.ui.keys`).
A big store is seeded after the app is up: a bar under the header follows it, the store pane
waits (disabled) and loads when the seed is done.
"""

from __future__ import annotations

import gc
import json
import logging
import signal
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Footer, Input, TabbedContent, TabPane

from mocktui.engine.events import RequestEvent
from mocktui.ui.backend import Backend, BackendError, StoreInfo, route_of
from mocktui.ui.commands import Command, MocktuiCommands, palette
from mocktui.ui.controls import ControlsPane
from mocktui.ui.drift import DriftPane, DriftTable
from mocktui.ui.export import EXPORT_DIR, export_shown
from mocktui.ui.header import HeaderState, StatusHeader
from mocktui.ui.help import HelpScreen, key_rows
from mocktui.ui.keys import APP, check_keys, display_key, effective_keys
from mocktui.ui.logbridge import LogBridge, LogPane
from mocktui.ui.model import CALM, Counters, RouteStats, Toggles, curl_command, failure_chips, override_summary
from mocktui.ui.panes import PANES, VOCABULARY, Focusable, Shown
from mocktui.ui.requests import Display, RequestList, RequestsPane
from mocktui.ui.routes import RoutesPane, RoutesTable, next_mode
from mocktui.ui.screens import DetailScreen, OverrideScreen
from mocktui.ui.seeding import SeedingBar, seeding_of
from mocktui.ui.store import RecordsTable, StorePane
from mocktui.ui.traffic import Traffic, Worker
from mocktui.ui.webhooks import WebhooksPane

__all__ = ["MocktuiApp"]

log = logging.getLogger("mocktui.ui")
DARK, LIGHT = "textual-dark", "textual-light"
W = TypeVar("W", bound=Widget)


class MocktuiApp(App[int]):
    """The control room over one mock: a `LocalBackend` serves it here, a `RemoteBackend` attaches to it.

    `keys` moves actions to other keys by action id (`{"offline": "O"}`, see `mocktui.ui.keys`);
    a map naming no action, or giving an empty or a doubled key, raises `KeysError`.
    """

    TITLE = "mocktui"
    COMMANDS = App.COMMANDS | {MocktuiCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [row.binding() for row in VOCABULARY if row.scope == APP and row.key]

    CSS = """
    #panes { height: 1fr; }
    #panes > ContentSwitcher { height: 1fr; }
    TabPane { padding: 0; height: 1fr; }
    Tabs { height: 2; }
    """

    def __init__(
        self,
        backend: Backend,
        *,
        display: Display | None = None,
        history: int = 5000,
        tick: float = 0.1,
        log_level: int = logging.INFO,
        handle_signals: bool = False,
        dark: bool = True,
        keys: Mapping[str, str] | None = None,
    ) -> None:
        keymap = check_keys(keys or {}, VOCABULARY)  # refused before anything starts
        super().__init__()
        self.keymap = keymap
        self.set_keymap(keymap)
        for row, key in effective_keys(VOCABULARY, keymap).items():
            if row.scope == APP and key and not row.key:  # a palette-only action the user gave a key
                self.bind(key, row.action, description=row.label or row.name, show=False)
        self.shown_keys = {row.id: display_key(key) for row, key in effective_keys(VOCABULARY, keymap).items()}
        self.backend = backend
        self.export_dir = Path.cwd() / EXPORT_DIR  # where `x` writes the exports
        self.display_options = display or Display()
        self.blink = self.display_options.blink
        self.history = history
        self.tick = tick
        self.handle_signals = handle_signals
        self.counters = Counters()
        self.route_stats: dict[str, RouteStats] = {}
        self.traffic = Traffic(self.display_options.now)  # fed at each flush, drawn twice a second
        self.fleet: tuple[Worker, ...] = ()  # workers that answered lately (none in one process)
        self.controls: dict[str, Any] = {}
        self.store_info: StoreInfo | None = None
        self.toggles = Toggles()
        self.log_bridge = LogBridge(log_level)
        self.started = False
        self._pending: list[RequestEvent] = []
        self._dirty_routes: set[str] = set()
        self._dirty_collections: set[str] = set()
        self._writers: dict[str, str] = {}
        self._unsubscribe: Any = None
        self._unsubscribe_notices: Any = None
        self._last_event: RequestEvent | None = None
        self._signals_installed = False
        self.theme = DARK if dark else LIGHT

    # -- layout ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.header = StatusHeader(id="header")
        self.panes = {pane.id: pane.make(self, pane.widget_id) for pane in PANES}
        self.tabs = TabbedContent(initial=PANES[0].id, id="panes")
        self.seeding_bar = SeedingBar(id="seeding")
        yield self.header
        yield self.seeding_bar
        with self.tabs:
            for pane in PANES:
                with TabPane(f"{self.shown_keys[pane.action.id]} {pane.title}", id=pane.id):
                    yield self.panes[pane.id]
        yield Footer(compact=True)

    def pane(self, pane_id: str, kind: type[W]) -> W:
        """The widget of pane `pane_id`, checked to be a `kind`."""
        widget = self.panes[pane_id]
        assert isinstance(widget, kind), f"pane {pane_id} is a {type(widget).__name__}, not a {kind.__name__}"
        return widget

    @property
    def requests_pane(self) -> RequestsPane:
        return self.pane("requests", RequestsPane)

    @property
    def routes_pane(self) -> RoutesPane:
        return self.pane("routes", RoutesPane)

    @property
    def controls_pane(self) -> ControlsPane:
        return self.pane("controls", ControlsPane)

    @property
    def store_pane(self) -> StorePane:
        return self.pane("store", StorePane)

    @property
    def log_pane(self) -> LogPane:
        return self.pane("log", LogPane)

    @property
    def drift_pane(self) -> DriftPane:
        return self.pane("drift", DriftPane)

    @property
    def webhooks_pane(self) -> WebhooksPane:
        return self.pane("webhooks", WebhooksPane)

    @property
    def base_url(self) -> str:
        return self.backend.info.url

    # -- lifecycle ----------------------------------------------------------------

    async def on_mount(self) -> None:
        self.log_bridge.install()
        try:
            await self.backend.start()
        except (BackendError, OSError, RuntimeError) as exc:
            self.exit(1, return_code=1, message=f"mocktui: {exc}")
            return
        self.started = True
        token = getattr(self.backend, "token", None)
        if token and not self.backend.info.remote:
            logging.getLogger("mocktui").warning("admin API token: %s  (Authorization: Bearer %s)", token, token)
        self._unsubscribe = self.backend.subscribe(self._on_event)
        self._unsubscribe_notices = self.backend.subscribe_notices(self._on_notice)
        self.call_after_refresh(_settle_heap)
        for event in self.backend.history():
            self._on_event(event, live=False)
        info = self.backend.info
        self.requests_pane.base_path = info.base_path
        self.routes_pane.latency_text = self.display_options.latency
        self.routes_pane.load(info.operations, self.route_stats)
        self._show_controls(await self.backend.controls())
        seeding = seeding_of(self.backend)
        if seeding is not None:  # the store loads when the seed is done (`_flush_events` sees it end)
            self.seeding_bar.follow(seeding)
            self.store_pane.disabled = True
        else:
            await self._load_store()
        self._flush_events()
        self.set_interval(self.tick, self._flush_events, name="flush")
        self.set_interval(0.5, self._show_traffic, name="traffic")
        self.set_interval(1.0, self._poll_controls, name="controls")
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.handle_signals:
            self._install_signals()
        self.requests_pane.focus_main()

    async def _load_store(self) -> None:
        self.store_pane.disabled = False
        await self.store_pane.load()
        self.store_info = self.store_pane.info
        self._writers = dict(self.store_info.writers) if self.store_info else {}
        self._show_header()

    async def on_unmount(self) -> None:
        for unsubscribe in (self._unsubscribe, self._unsubscribe_notices):
            if unsubscribe is not None:
                unsubscribe()
        self._unsubscribe = self._unsubscribe_notices = None
        if self._signals_installed:
            import asyncio

            asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
        if self.started:
            self.started = False
            await self.backend.stop()
        self.log_bridge.uninstall()

    def _install_signals(self) -> None:
        import asyncio

        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
            self._signals_installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            pass

    # -- the hot path: one call per request, O(1) ---------------------------------

    def _on_event(self, event: RequestEvent, live: bool = True) -> None:
        self._pending.append(event)
        self.counters.add(event.status, live)
        self._last_event = event
        op = route_of(event)  # several specs: `spec:operationId`
        if op is not None:
            stats = self.route_stats.get(op)
            if stats is None:
                stats = self.route_stats[op] = RouteStats()
            stats.hits += 1
            stats.last_status = event.status
            self._dirty_routes.add(op)
            collection = self._writers.get(op)
            if collection is not None and event.status < 400:
                self._dirty_collections.add(collection)

    def _on_notice(self, level: str, text: str) -> None:
        """The mock reports something (a reload, a broken edit): log it, show it, re-read the routes."""
        levelno = {"error": logging.ERROR, "warning": logging.WARNING}.get(level, logging.INFO)
        logging.getLogger("mocktui").log(levelno, "%s", text)
        if levelno < logging.ERROR:  # errors are toasted by the log drain
            self.notify(text, title="mocktui", severity="warning" if levelno == logging.WARNING else "information")
        self.call_later(self._reload_operations)

    def _reload_operations(self) -> None:
        if not self.is_running:
            return
        operations = self.backend.info.operations
        if [op.id for op in operations] != list(self.routes_pane.operations):
            self.routes_pane.load(operations, self.route_stats)
            self.routes_pane.show_overrides(self.controls.get("overrides") or {})

    def _flush_events(self) -> None:
        """At most `tick` times a second: new rows, route counters, store refresh, header, log lines."""
        if self._pending:
            batch, self._pending = self._pending, []
            self.requests_pane.add(batch)
            self.traffic.add(batch)
            self.drift_pane.saw(batch)
        if self._dirty_routes:
            dirty, self._dirty_routes = self._dirty_routes, set()
            self.routes_pane.update_stats({op: self.route_stats[op] for op in dirty})
        if self._dirty_collections:
            dirty, self._dirty_collections = self._dirty_collections, set()
            self.store_pane.changed(dirty)
        if self.seeding_bar.active and not self.seeding_bar.show():
            self.call_later(self._load_store)
        self._show_header()
        records = self.log_bridge.drain()
        if records:
            for record in records:
                self.log_pane.add(record, self.log_bridge.formatter or logging.Formatter(), self.display_options.time)
                if record.levelno >= logging.ERROR:
                    self.notify(record.getMessage()[:300], title=record.name, severity="error")

    def _show_traffic(self) -> None:
        """Twice a second: the req/s sparkline and status bar, the routes' p50/p99/err%, the workers up."""
        traffic = self.traffic
        self.requests_pane.traffic.show(traffic.per_second(), traffic.classes())
        self.routes_pane.show_latency(traffic.changed_routes())
        self.fleet = tuple(traffic.workers())

    def _show_header(self) -> None:
        info = self.backend.info
        store = self.store_info
        if self.seeding_bar.active:
            mode = "stateful, seeding"
        elif store is None:
            mode = "stateless"
        elif store.stateful:
            mode = f"stateful ({store.kind})"
        else:
            mode = f"stateless ({store.kind} store off)"
        rate = self.display_options.rate
        self.header.show(
            HeaderState(
                url=self.display_options.url or f"{info.url}{info.base_path}",
                title=info.title,
                version=info.version,
                mode=mode,
                rate=self.counters.rate() if rate is None else rate,
                total=self.counters.total,
                client_errors=self.counters.client_errors,
                server_errors=self.counters.server_errors,
                chips=tuple(failure_chips(self.controls, self.shown_keys)),
                overrides=len(self.controls.get("overrides") or {}),
                problem=self.backend.problem,
                remote=info.remote,
                workers=self.fleet,
            )
        )

    # -- controls -------------------------------------------------------------------

    def _show_controls(self, snapshot: dict[str, Any]) -> None:
        self.controls = snapshot
        if not self.is_running:
            return  # a change that completed while the app shuts down
        self.controls_pane.sync(snapshot)
        self.routes_pane.show_mode(str(snapshot.get("mode") or "mock"))
        self.routes_pane.show_overrides(snapshot.get("overrides") or {})
        if self.store_info is not None and self.store_info.stateful != bool(snapshot.get("stateful", True)):
            self.store_info.stateful = bool(snapshot.get("stateful"))
        self._show_header()

    async def _poll_controls(self) -> None:
        """Changes made elsewhere (the admin API, another client) show within a second."""
        try:
            snapshot = await self.backend.controls()
        except BackendError:
            return
        if snapshot != self.controls:
            self._show_controls(snapshot)

    async def apply_controls(self, changes: dict[str, Any]) -> bool:
        """Change the live settings through the backend (`Controls.update`); a refusal is shown, not raised."""
        try:
            snapshot = await self.backend.update_controls(changes)
        except BackendError as exc:
            self.notify(str(exc), title="refused", severity="error")
            self._show_controls(await self.backend.controls())
            return False
        log.info("controls: %s", json.dumps(changes, separators=(", ", ": ")))
        self._show_controls(snapshot)
        return True

    async def replace_override(self, operation: str, override: dict[str, Any] | None) -> bool:
        try:
            snapshot = await self.backend.put_override(operation, override)
        except BackendError as exc:
            self.notify(str(exc), title="refused", severity="error")
            return False
        self._show_controls(snapshot)
        summary = override_summary(override) or "as the spec says"
        log.info("override %s: %s", operation, summary)
        self.notify(f"{operation}: {summary}", title="override", timeout=2)
        return True

    @on(ControlsPane.Change)
    async def _controls_changed(self, message: ControlsPane.Change) -> None:
        await self.apply_controls(message.changes)

    # -- panes and screens -------------------------------------------------------------

    @on(TabbedContent.TabActivated, "#panes")
    def _tab_activated(self, message: TabbedContent.TabActivated) -> None:
        pane_id = message.pane.id or ""
        widget = self.panes.get(pane_id)
        if isinstance(widget, Shown):
            widget.pane_shown()
        self.call_after_refresh(self._focus_pane, pane_id)

    def _focus_pane(self, pane_id: str) -> None:
        if self.tabs.active != pane_id:
            return  # another pane was chosen since: focusing this one would switch back
        pane = self.panes.get(pane_id)
        focused = self.focused
        if pane is not None and (focused is None or pane not in focused.ancestors_with_self):
            if isinstance(pane, Focusable):
                pane.focus_main()
            else:
                pane.focus()

    @on(RequestList.Selected)
    def _request_selected(self, message: RequestList.Selected) -> None:
        self.push_screen(DetailScreen(message.event, self.base_url, self.display_options))

    @on(RoutesTable.Edit)
    async def _edit_route(self, message: RoutesTable.Edit) -> None:
        op = self.backend.info.operations
        info = next((o for o in op if o.id == message.operation), None)
        if info is None:
            return
        current = (self.controls.get("overrides") or {}).get(message.operation)

        async def done(result: dict[str, Any] | None) -> None:
            if result is not None:
                await self.replace_override(message.operation, result or None)

        await self.push_screen(OverrideScreen(info, current), done)

    @on(RoutesTable.Clear)
    async def _clear_route(self, message: RoutesTable.Clear) -> None:
        await self.replace_override(message.operation, None)

    @on(RoutesTable.CycleMode)
    async def _cycle_route_mode(self, message: RoutesTable.CycleMode) -> None:
        """mock -> proxy -> auto; a route that comes round to the global mode drops its own and follows it."""
        op = message.operation
        new = next_mode(self.routes_pane.mode_of(op)[0])
        follows = new == self.routes_pane.mode
        try:
            snapshot = await self.backend.patch_override(op, {"mode": None if follows else new})
        except BackendError as exc:
            self.notify(str(exc), title="refused", severity="error")
            return
        self._show_controls(snapshot)
        log.info("mode %s: %s", op, f"{new} (the global mode)" if follows else new)
        self.notify(f"{op}: {new}" + (" (follows the global mode)" if follows else ""), title="mode", timeout=2)

    @on(DriftTable.Open)
    def _drift_opened(self, message: DriftTable.Open) -> None:
        event = self.drift_pane.event(message.event_id)
        if event is None:
            self.notify(
                f"exchange #{message.event_id} is no longer kept here (GET /__mocktui/events has the journal)",
                title="drift", severity="warning",
            )  # fmt: skip
            return
        self.push_screen(DetailScreen(event, self.base_url, self.display_options))

    @on(RoutesTable.RowSelected, "#routes-table")
    def _route_clicked(self, message: RoutesTable.RowSelected) -> None:
        self.routes_pane.table.action_edit()

    @on(RecordsTable.RowSelected, "#records")
    async def _record_clicked(self) -> None:
        await self.store_pane.action_edit()

    def _theme_changed(self, _theme: object) -> None:
        self.requests_pane.request_list.clear_cache()

    # -- actions ---------------------------------------------------------------------

    def action_pane(self, name: str) -> None:
        tabs = self.tabs
        if tabs.active == name:
            self._focus_pane(name)
        else:
            self.screen.set_focus(None)  # else hiding the focused widget moves focus within its own pane
            tabs.active = name

    async def action_toggle_errors(self) -> None:
        await self.apply_controls(self.toggles.errors_change(self.controls))

    async def action_toggle_delay(self) -> None:
        await self.apply_controls(self.toggles.delay_change(self.controls))

    async def action_toggle_offline(self) -> None:
        await self.apply_controls({"offline": not self.controls.get("offline")})

    async def action_toggle_rate_limit(self) -> None:
        enabled = bool((self.controls.get("rate_limit") or {}).get("enabled"))
        await self.apply_controls({"rate_limit": {"enabled": not enabled}})

    async def action_calm(self) -> None:
        await self.apply_controls(CALM)

    async def action_cycle_mode(self) -> None:
        """The global mode, mock -> proxy -> auto (the routes with a mode of their own keep it)."""
        new = next_mode(str(self.controls.get("mode") or "mock"))
        if await self.apply_controls({"mode": new}):
            self.notify(f"every route without its own mode: {new}", title="mode", timeout=2)

    def action_cycle_route_mode(self) -> None:
        self.action_pane("routes")
        self.routes_pane.table.action_cycle_mode()

    def action_fire_webhook(self) -> None:
        self.action_pane("webhooks")
        self.webhooks_pane.table.action_fire()

    def action_edit_webhook(self) -> None:
        self.action_pane("webhooks")
        self.webhooks_pane.table.action_edit()

    async def action_clear_overrides(self) -> None:
        for op in list(self.controls.get("overrides") or {}):
            await self.replace_override(op, None)

    def action_set_filter(self, text: str) -> None:
        self.action_pane("requests")
        self.requests_pane.query_one("#filter", Input).value = text
        self.requests_pane.set_filter(text)

    def action_toggle_follow(self) -> None:
        self.requests_pane.action_follow()

    def action_clear_log(self) -> None:
        self.requests_pane.clear()

    async def action_export_requests(self) -> None:
        """Every export format of the requests the filter shows, into `export_dir`."""
        text, severity = await export_shown(self.backend, self.requests_pane.shown_ids(), self.export_dir)
        self.notify(text, title="export", severity="error" if severity == "error" else "information")

    def action_copy_last_curl(self) -> None:
        event = self.requests_pane.request_list.selected or self._last_event
        if event is None:
            self.notify("no request yet", severity="warning")
            return
        command = curl_command(event, self.base_url)
        self.copy_to_clipboard(command)
        self.notify(command, title="copied as curl")

    async def action_reset_store(self) -> None:
        if self.seeding_bar.active:
            self.notify("the store is still being seeded", title="store", severity="warning")
            return
        self.action_pane("store")
        await self.store_pane.action_reset()

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.key_rows(), help_key=self.keymap.get("help", "question_mark")))

    async def action_quit(self) -> None:
        self.exit(0)

    # -- discoverability --------------------------------------------------------------

    def key_rows(self) -> Iterator[tuple[str, str, str]]:
        """Every key of the app, by where it works, as the user's map left them (the help screen)."""
        return key_rows(VOCABULARY, PANES, self.keymap)

    def palette_commands(self) -> Sequence[Command]:
        """Every action by name for the command palette, with its key after the user's map."""
        return palette(VOCABULARY, self.keymap)


def _settle_heap() -> None:
    """Move what start-up built (the spec, compiled generators, widgets) out of the collector's way.

    A full collection walks every tracked object; with the app's and the engine's long-lived ones
    frozen, the pauses it makes in the shared loop stay short under load.
    """
    gc.collect()
    gc.freeze()
    gc.enable()  # the CLI turned it off while it read and compiled the specs
