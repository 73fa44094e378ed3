"""Provides `MocktuiApp`, the terminal control room, and its entry points `run_tui` and `run_attach`.

The mock and the UI share one event loop: the server publishes each request event to a listener
that only appends it to a list and bumps counters (O(1)); a timer flushes that list into the
panes at most `tick` times a second, so the UI never renders per request and never starves the
server. The app only knows a `Backend`: a local engine with its server, or a remote mock.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import signal
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, TabbedContent, TabPane

from mocktui.engine.events import RequestEvent
from mocktui.runtime import admin_token, build, listen
from mocktui.ui.backend import Backend, BackendError, StoreInfo
from mocktui.ui.commands import MocktuiCommands
from mocktui.ui.controls import ControlsPane
from mocktui.ui.header import HeaderState, StatusHeader
from mocktui.ui.local import LocalBackend
from mocktui.ui.logbridge import LogBridge, LogPane
from mocktui.ui.model import Counters, RouteStats, Toggles, curl_command, failure_chips, override_summary
from mocktui.ui.remote import RemoteBackend
from mocktui.ui.requests import Display, RequestList, RequestsPane
from mocktui.ui.routes import RoutesPane, RoutesTable
from mocktui.ui.screens import DetailScreen, HelpScreen, OverrideScreen, RecordScreen
from mocktui.ui.slider import Slider
from mocktui.ui.store import RecordsTable, StorePane

if TYPE_CHECKING:
    from mocktui.engine.spec.model import Spec
    from mocktui.settings.table import Settings

__all__ = ["Display", "MocktuiApp", "run_attach", "run_tui"]

log = logging.getLogger("mocktui.ui")
DEMO_ERROR_RATE = 50.0
DEMO_DELAY = (200.0, 800.0)
DARK, LIGHT = "textual-dark", "textual-light"
_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "esc",
    "delete": "del",
}


class MocktuiApp(App[int]):
    """The control room over one mock: a `LocalBackend` serves it here, a `RemoteBackend` attaches to it."""

    TITLE = "mocktui"
    COMMANDS = App.COMMANDS | {MocktuiCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pane('requests')", "Requests", show=False, tooltip="the live request log"),
        Binding("2", "pane('routes')", "Routes", show=False, tooltip="operations, hits, per-route overrides"),
        Binding("3", "pane('controls')", "Controls", show=False, tooltip="delay, errors, rate limit, offline, packs"),
        Binding("4", "pane('store')", "Store", show=False, tooltip="collections and records (stateful mode)"),
        Binding("5", "pane('log')", "Log", show=False, tooltip="server and library log lines"),
        Binding("question_mark", "help", "Help", tooltip="this list of keys"),
        Binding("e", "toggle_errors", "Errors", tooltip="a 50% error rate, or back to the previous rate"),
        Binding("d", "toggle_delay", "Delay", tooltip="200-800 ms of latency, or back to the previous delay"),
        Binding("o", "toggle_offline", "Offline", tooltip="every route answers 503, or back online"),
        Binding("l", "toggle_rate_limit", "Limit", tooltip="the rate limit on or off"),
        Binding("t", "toggle_theme", "Theme", show=False, tooltip="dark or light theme"),
        Binding("q", "quit", "Quit", tooltip="stop the mock and leave"),
    ]

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
    ) -> None:
        super().__init__()
        self.backend = backend
        self.display_options = display or Display()
        self.blink = self.display_options.blink
        self.history = history
        self.tick = tick
        self.handle_signals = handle_signals
        self.counters = Counters()
        self.route_stats: dict[str, RouteStats] = {}
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
        self.requests_pane = RequestsPane(self.display_options, self.history, id="requests-pane")
        self.routes_pane = RoutesPane(id="routes-pane")
        self.controls_pane = ControlsPane(id="controls-pane")
        self.store_pane = StorePane(self.backend, id="store-pane")
        self.log_pane = LogPane(id="log-pane")
        self.tabs = TabbedContent(initial="requests", id="panes")
        yield self.header
        with self.tabs:
            with TabPane("1 Requests", id="requests"):
                yield self.requests_pane
            with TabPane("2 Routes", id="routes"):
                yield self.routes_pane
            with TabPane("3 Controls", id="controls"):
                yield self.controls_pane
            with TabPane("4 Store", id="store"):
                yield self.store_pane
            with TabPane("5 Log", id="log"):
                yield self.log_pane
        yield Footer(compact=True)

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
        self.routes_pane.load(info.operations, self.route_stats)
        self._show_controls(await self.backend.controls())
        await self.store_pane.load()
        self.store_info = self.store_pane.info
        self._writers = dict(self.store_info.writers) if self.store_info else {}
        self._flush_events()
        self.set_interval(self.tick, self._flush_events, name="flush")
        self.set_interval(1.0, self._poll_controls, name="controls")
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.handle_signals:
            self._install_signals()
        self.requests_pane.focus_main()

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
        op = event.operation
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
        if self._dirty_routes:
            dirty, self._dirty_routes = self._dirty_routes, set()
            self.routes_pane.update_stats({op: self.route_stats[op] for op in dirty})
        if self._dirty_collections:
            dirty, self._dirty_collections = self._dirty_collections, set()
            self.store_pane.changed(dirty)
        self._show_header()
        records = self.log_bridge.drain()
        if records:
            for record in records:
                self.log_pane.add(record, self.log_bridge.formatter or logging.Formatter(), self.display_options.time)
                if record.levelno >= logging.ERROR:
                    self.notify(record.getMessage()[:300], title=record.name, severity="error")

    def _show_header(self) -> None:
        info = self.backend.info
        store = self.store_info
        if store is None:
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
                chips=tuple(failure_chips(self.controls)),
                overrides=len(self.controls.get("overrides") or {}),
                problem=self.backend.problem,
                remote=info.remote,
            )
        )

    # -- controls -------------------------------------------------------------------

    def _show_controls(self, snapshot: dict[str, Any]) -> None:
        self.controls = snapshot
        if not self.is_running:
            return  # a change that completed while the app shuts down
        self.controls_pane.sync(snapshot)
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
        if pane_id == "store" and self.store_pane.stale:
            self.store_pane.refresh_stale()
        self.call_after_refresh(self._focus_pane, pane_id)

    def _focus_pane(self, pane_id: str) -> None:
        if self.tabs.active != pane_id:
            return  # another pane was chosen since: focusing this one would switch back
        panes: dict[str, RequestsPane | RoutesPane | ControlsPane | StorePane | LogPane] = {
            "requests": self.requests_pane,
            "routes": self.routes_pane,
            "controls": self.controls_pane,
            "store": self.store_pane,
            "log": self.log_pane,
        }
        pane = panes.get(pane_id)
        focused = self.focused
        if pane is not None and (focused is None or pane not in focused.ancestors_with_self):
            pane.focus_main()

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
        rate = float((self.controls.get("faults") or {}).get("error_rate") or 0)
        if rate == DEMO_ERROR_RATE:
            target, self.toggles.errors = self.toggles.errors or 0.0, None
        else:
            target, self.toggles.errors = DEMO_ERROR_RATE, rate
        await self.apply_controls({"faults": {"error_rate": target}})

    async def action_toggle_delay(self) -> None:
        delay = self.controls.get("delay") or {}
        current = (float(delay.get("min_ms") or 0), float(delay.get("max_ms") or 0))
        if current == DEMO_DELAY:
            target, self.toggles.delay = self.toggles.delay or (0.0, 0.0), None
        else:
            target, self.toggles.delay = DEMO_DELAY, current
        await self.apply_controls({"delay": {"min_ms": target[0], "max_ms": target[1]}})

    async def action_toggle_offline(self) -> None:
        await self.apply_controls({"offline": not self.controls.get("offline")})

    async def action_toggle_rate_limit(self) -> None:
        enabled = bool((self.controls.get("rate_limit") or {}).get("enabled"))
        await self.apply_controls({"rate_limit": {"enabled": not enabled}})

    async def action_calm(self) -> None:
        await self.apply_controls(
            {
                "faults": {"error_rate": 0, "chaos": {}},
                "delay": {"min_ms": 0, "max_ms": 0},
                "offline": False,
                "rate_limit": {"enabled": False},
            }
        )

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

    def action_copy_last_curl(self) -> None:
        event = self.requests_pane.request_list.selected or self._last_event
        if event is None:
            self.notify("no request yet", severity="warning")
            return
        command = curl_command(event, self.base_url)
        self.copy_to_clipboard(command)
        self.notify(command, title="copied as curl")

    async def action_reset_store(self) -> None:
        self.action_pane("store")
        await self.store_pane.action_reset()

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.key_rows()))

    async def action_quit(self) -> None:
        self.exit(0)

    # -- discoverability --------------------------------------------------------------

    def key_rows(self) -> Iterator[tuple[str, str, str]]:
        """Every key of the app, by where it works (for the help screen)."""
        from mocktui.ui.requests import RequestList as _List
        from mocktui.ui.screens import ConfirmScreen, DetailScreen

        scopes: list[tuple[str, list[BindingType]]] = [
            ("everywhere", list(MocktuiApp.BINDINGS)),
            ("requests", list(RequestsPane.BINDINGS) + list(_List.BINDINGS)),
            ("routes", list(RoutesTable.BINDINGS)),
            ("controls", list(Slider.BINDINGS)),
            ("store", list(StorePane.BINDINGS) + list(RecordsTable.BINDINGS)),
            ("request details", list(DetailScreen.BINDINGS)),
            ("override editor", list(OverrideScreen.BINDINGS)),
            ("record editor", list(RecordScreen.BINDINGS)),
            ("confirm", list(ConfirmScreen.BINDINGS)),
        ]
        yield ("everywhere", "ctrl+p", "command palette: every action by name")
        yield ("everywhere", "ctrl+q", "quit")
        yield ("everywhere", "tab", "next widget (mouse works too)")
        for scope, bindings in scopes:
            for binding in bindings:
                if isinstance(binding, Binding):
                    keys = " ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))
                    yield (scope, keys, binding.tooltip or binding.description or binding.action)
        yield ("controls", "space / click", "toggle a checkbox")
        yield ("requests", "filter", "text  status:5xx  status:404  method:POST  path:/users*  op:  tag:  -term")


def _log_level(settings: Settings) -> int:
    return int(getattr(logging, settings.log_level.upper(), logging.INFO))


def _settle_heap() -> None:
    """Move what start-up built (the spec, compiled generators, widgets) out of the collector's way.

    A full collection walks every tracked object; with the app's and the engine's long-lived ones
    frozen, the pauses it makes in the shared loop stay short under load.
    """
    gc.collect()
    gc.freeze()


def _fast_loop() -> None:
    """uvloop under the app as under the headless server: the mock shares this loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a dependency (uvicorn[standard]), optional in spirit
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def run_tui(spec: Spec, settings: Settings) -> int:
    """`mocktui SPEC` without --headless: build the runtime, run the control room over it until quit."""
    if settings.workers > 1:
        print("mocktui: --workers runs headless only; add --headless", file=sys.stderr)
        return 2
    sock = listen(settings)
    runtime = build(spec, settings, sock, token=admin_token(settings))
    app = MocktuiApp(LocalBackend(runtime), log_level=_log_level(settings), handle_signals=True)
    _fast_loop()
    try:
        result = app.run()
    finally:
        sock.close()
        runtime.close()
    return app.return_code if app.return_code else int(result or 0)


def run_attach(url: str, token: str | None = None) -> int:
    """`mocktui attach URL`: the control room over a mock running elsewhere (through its admin API)."""
    if "://" not in url:
        url = f"http://{url}"
    app = MocktuiApp(RemoteBackend(url, token=token), handle_signals=True)
    result = app.run()
    return app.return_code if app.return_code else int(result or 0)
