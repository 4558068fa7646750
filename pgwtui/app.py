"""PgwApp: wires screens, global keys, the gateway workers, the alerts watcher and the one worker-error router."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

import httpx
from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from pgwtui.alerts.history_watch import HistoryWatcher
from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.alerts.watch import ALERT_WORKERS, AlertsWatcher
from pgwtui.client import GatewayClient, collector_paused
from pgwtui.config import Settings
from pgwtui.errors import ConfigError, GatewayError, PrometheusError, user_message
from pgwtui.gateway_workers import PROBE_GATEWAY, READ_GROUPS, REREAD_DEADLINE, GatewayWorkers
from pgwtui.labels import key_text
from pgwtui.messages import (
    AlertsFailed,
    AlertsLoaded,
    CadenceFailed,
    CadenceLoaded,
    CadenceRequested,
    ConnectionFailed,
    DeleteFamilyRequested,
    DeleteGroupsRequested,
    FamilyDeleted,
    GatewayInfoLoaded,
    GatewayInfoRequested,
    GroupsDeleted,
    GroupsLoaded,
    HistoryFailed,
    HistoryLoaded,
    HistoryRequested,
    SortOrderChanged,
)
from pgwtui.models import Snapshot
from pgwtui.screens.base import AppContext, PgwScreen
from pgwtui.screens.groups import GroupsScreen
from pgwtui.screens.help import HelpScreen, help_sections, help_text
from pgwtui.state import AppState, Clock
from pgwtui.views.groups import GroupRow, SortedRows, refresh_rows
from pgwtui.views.help import about_lines


class PgwApp(App[None]):
    """The pgwtui application. Build it with `create_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "pgwtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self,
        settings: Settings,
        client: GatewayClient,
        *,
        clock: Clock = time.time,
        tz: tzinfo | None = None,
        notes: Sequence[str] = (),
        prometheus: PrometheusClient | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.client = client
        self.prometheus = prometheus
        self.clock = clock
        self.tz = tz
        self.notes = tuple(notes)
        self.state = AppState()
        self.state_changed: Signal[AppState] = Signal(self, "state_changed")
        self.alerts = AlertsWatcher(self, prometheus, clock=clock, state=lambda: self.state, publish=self._publish)
        self.gateway = GatewayWorkers(self, client, read=self._read)
        self.history = HistoryWatcher(self, prometheus, clock=clock, state=lambda: self.state, publish=self._publish)
        self._timer: Timer | None = None
        self.sort_order: tuple[str, bool] = ("status", True)
        """How the groups screen sorts (it says so): each read is sorted that way off the UI thread."""

    # ----------------------------------------------------------------- lifecycle
    def on_mount(self) -> None:
        """Open the groups view, start reading, start the refresh timer."""
        self.sub_title = self.client.url + ("  [read-only]" if self.settings.read_only else "")
        self.push_screen(GroupsScreen())
        if self.settings.refresh_interval > 0:
            self._timer = self.set_interval(self.settings.refresh_interval, self._tick, name="refresh")
        self.refresh_groups()
        self.gateway.load_info()
        self.alerts.refresh()
        for note in self.notes:
            self.notify(note, timeout=12)

    async def on_unmount(self) -> None:
        """Close the HTTP clients."""
        await self.client.aclose()
        await self.alerts.aclose()

    def _publish(self, state: AppState) -> None:
        self.state = state
        self.state_changed.publish(state)

    # ----------------------------------------------------------------- reads (the workers are GatewayWorkers)
    def _tick(self) -> None:
        # Never cancel a read in flight because the next tick came: on a slow gateway with a huge
        # answer, an exclusive restart on every tick would never finish a read.
        if not self.gateway.reading:
            self.refresh_groups()
        # Behind a load balancer each tick may reach another replica: keep the title saying which.
        info = self.state.info
        if info is not None and info.extensions.replica and not self.gateway.probing:
            self.gateway.load_info()
        self.alerts.tick()

    def action_refresh_now(self) -> None:
        """Read the gateway (and Prometheus) now (restarts a read in flight)."""
        self.refresh_groups()
        self.alerts.refresh()

    def refresh_groups(self) -> None:
        """Read every group; the result arrives as GroupsLoaded (restarts a read in flight)."""
        self.gateway.refresh_groups()

    async def _read(self) -> GroupsLoaded:
        """Read every group; decode and assess them off the UI thread (the screens then only sort and draw)."""
        body = await self.client.fetch_groups_body()
        return await asyncio.to_thread(self._digest, body, self.clock(), self.state.rows, self.sort_order)

    def _digest(self, body: bytes, now: float, previous: Sequence[GroupRow], order: tuple[str, bool]) -> GroupsLoaded:
        """In a worker thread: decode what changed since the last read, assess what may have changed, sort."""
        with collector_paused():
            groups, unreadable = self.client.decode_groups(body)
            rows = refresh_rows(groups, self.settings.policy, now, previous)
        return GroupsLoaded(Snapshot(tuple(groups), now, unreadable), tuple(rows), SortedRows.of(rows, order))

    # ----------------------------------------------------------------- requests (from the screens)
    def on_delete_groups_requested(self, message: DeleteGroupsRequested) -> None:
        """Delete what the user confirmed."""
        self.gateway.delete_groups(message.keys)

    def on_delete_family_requested(self, message: DeleteFamilyRequested) -> None:
        """Delete (or re-push without) the family the user confirmed."""
        self.gateway.delete_family(message.group, message.family, repush=message.repush)

    def on_gateway_info_requested(self, message: GatewayInfoRequested) -> None:
        """Probe the gateway again (a screen needs its extensions)."""
        self.gateway.load_info()

    def on_sort_order_changed(self, message: SortOrderChanged) -> None:
        """Sort the next reads the way the groups screen shows them."""
        self.sort_order = (message.column_id, message.descending)

    # ----------------------------------------------------------------- results
    def on_groups_loaded(self, message: GroupsLoaded) -> None:
        """Publish a new snapshot; say so if the gateway was down."""
        recovered = self.state.error is not None
        self._publish(
            self.alerts.rematch(
                replace(
                    self.state,
                    snapshot=message.snapshot,
                    rows=message.rows,
                    sorted_rows=message.sorted_rows,
                    error=None,
                )
            )
        )
        if recovered:
            self.notify("The gateway answers again.", title="Reconnected")
        if self.state.info is None and not self.gateway.probing:
            self.gateway.load_info()

    def on_gateway_info_loaded(self, message: GatewayInfoLoaded) -> None:
        """Show who we talk to."""
        where = message.info.where()
        self.title = f"pgwtui · {message.info.identity()}" + (f" · {where}" if where else "")
        self._publish(replace(self.state, info=message.info))

    def on_connection_failed(self, message: ConnectionFailed) -> None:
        """Keep the last snapshot, show the banner (the timer keeps retrying)."""
        self._publish(replace(self.state, error=message.text))

    def on_groups_deleted(self, message: GroupsDeleted) -> None:
        """Tell the user what happened, group by group when something failed; watch their alerts resolve."""
        if message.deleted:
            self.notify(f"Deleted {len(message.deleted)} group(s).", title="Deleted")
        self.alerts.watch_deleted(message.deleted)
        if message.still_present:
            self.notify(
                f"{len(message.still_present)} deleted group(s) still listed after {REREAD_DEADLINE:g}s; "
                "the gateway applies deletes asynchronously, the next refresh should show them gone.",
                severity="warning",
            )
        for key, text in message.failed[:5]:
            self.notify(f"{key_text(key)}: {text}", title="Delete failed", severity="error", timeout=15)
        if len(message.failed) > 5:
            self.notify(f"… and {len(message.failed) - 5} more failures.", severity="error", timeout=15)

    def on_family_deleted(self, message: FamilyDeleted) -> None:
        """Confirm a family delete."""
        how = " by re-pushing the group (push_time_seconds is now fresh)" if message.repushed else ""
        self.notify(f"Deleted {message.family} from {key_text(message.key)}{how}.", title="Deleted")

    def on_alerts_loaded(self, message: AlertsLoaded) -> None:
        """Match Prometheus's new answer to the groups."""
        self.alerts.loaded(message.snapshot)

    def on_alerts_failed(self, message: AlertsFailed) -> None:
        """Keep the last alerts, show the alerts banner."""
        self.alerts.failed(message.text)

    # ----------------------------------------------------------------- history and cadence (HistoryWatcher)
    def on_history_requested(self, message: HistoryRequested) -> None:
        """The detail wants a chart."""
        self.history.request_history(message.key, message.range_name, fresh=message.fresh)

    def on_cadence_requested(self, message: CadenceRequested) -> None:
        """The groups view has rows on screen without a cadence."""
        self.history.request_cadence(message.keys)

    @on(HistoryLoaded)
    @on(HistoryFailed)
    @on(CadenceLoaded)
    @on(CadenceFailed)
    def _history_answered(self, message: HistoryLoaded | HistoryFailed | CadenceLoaded | CadenceFailed) -> None:
        """Prometheus answered the chart or the column (or could not): the watcher applies it to the state."""
        self.history.answered(message)

    # ----------------------------------------------------------------- the one error router
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker failure ends here: reads become the banner, the rest notifications.

        The traceback goes to the Textual devtools log only, never to the screen.
        """
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        error = worker.error
        self.log.error(f"worker {worker.name!r} in group {worker.group!r} failed", error)
        text = user_message(error) if error is not None else "unknown error"
        if isinstance(error, GatewayError) and worker.group == READ_GROUPS:
            self.post_message(ConnectionFailed(text))
            return
        if isinstance(error, GatewayError) and worker.group == PROBE_GATEWAY:
            return  # the refresh loop owns the banner; the probe is retried after the next good read
        if isinstance(error, PrometheusError) and worker.group in ALERT_WORKERS:
            self.post_message(AlertsFailed(text))
            return
        self.notify(text, title="Action failed", severity="error", timeout=15)

    # ----------------------------------------------------------------- help & palette
    def about_lines(self) -> list[str]:
        """Describe where we are and what statuses, rules and alerts mean (top of the help page)."""
        info = self.state.info.identity() if self.state.info else "not known yet"
        prometheus = self.prometheus.url if self.prometheus is not None else None
        return about_lines(self.settings, self.client.url, info, prometheus)

    def action_help(self) -> None:
        """Show every binding."""
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_text(help_sections(self.BINDINGS), self.about_lines())))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Ctrl+P: Textual's commands, the app's, then the screen's own actions by name."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Refresh now", "Read every group from the gateway again", self.action_refresh_now)
        yield SystemCommand("Help", "Every key binding, statuses, staleness rules", self.action_help)
        if isinstance(screen, PgwScreen):
            yield from screen.palette_commands()


def _screen_context(app: PgwApp) -> AppContext:
    """Never called: makes mypy check that the app is everything a screen reads."""
    return app


def create_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = time.time,
    tz: tzinfo | None = None,
    notes: Sequence[str] = (),
    prometheus_transport: httpx.AsyncBaseTransport | None = None,
) -> PgwApp:
    """Build the app (the CLI, the tests, the screenshots and the benchmark all use this factory).

    `transport` talks to the gateway, `prometheus_transport` to Prometheus (both: httpx's default
    network transport when None).

    Raises:
        ConfigError: the settings name no gateway.

    """
    if settings.connection is None:
        raise ConfigError("no gateway URL: pass one, set PGWTUI_URL, or configure [gateways.NAME]")
    client = GatewayClient(settings.connection, transport=transport, read_only=settings.read_only)
    prometheus = None
    if settings.prometheus:
        prometheus = PrometheusClient(settings.prometheus, transport=prometheus_transport)
    return PgwApp(settings, client, clock=clock, tz=tz, notes=notes, prometheus=prometheus)
