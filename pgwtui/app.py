"""PgwApp: wires screens, global keys, the gateway workers, the alerts watcher and the one worker-error router."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import ClassVar

import httpx
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.alerts.watch import ALERT_WORKERS, AlertsWatcher
from pgwtui.client import GatewayClient, collector_paused
from pgwtui.config import Settings
from pgwtui.errors import ConfigError, GatewayError, PrometheusError, user_message
from pgwtui.labels import key_text
from pgwtui.messages import (
    AlertsFailed,
    AlertsLoaded,
    ConnectionFailed,
    DeleteFamilyRequested,
    DeleteGroupsRequested,
    FamilyDeleted,
    GatewayInfoLoaded,
    GatewayInfoRequested,
    GroupsDeleted,
    GroupsLoaded,
)
from pgwtui.models import Group, Snapshot
from pgwtui.screens.base import AppContext, PgwScreen
from pgwtui.screens.groups import GroupsScreen
from pgwtui.screens.help import HelpScreen, help_sections, help_text
from pgwtui.state import AppState, Clock
from pgwtui.views.groups import GroupRow, refresh_rows
from pgwtui.views.help import about_lines

REREAD_DEADLINE = 3.0
"""How long to keep re-reading after a delete until the gateway shows it (DELETE is async upstream)."""
READ_GROUPS = "refresh"
"""Worker group of the reads of every group: a GatewayError there becomes the banner."""
PROBE_GATEWAY = "info"
"""Worker group of the version and extensions probe: its GatewayError is left to the reads."""
MUTATE = "mutate"
"""Worker group of the deletes: a failure there is a notification."""


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
        self._timer: Timer | None = None
        self._reading = False
        self._probing = False

    # ----------------------------------------------------------------- lifecycle
    def on_mount(self) -> None:
        """Open the groups view, start reading, start the refresh timer."""
        self.sub_title = self.client.url + ("  [read-only]" if self.settings.read_only else "")
        self.push_screen(GroupsScreen())
        if self.settings.refresh_interval > 0:
            self._timer = self.set_interval(self.settings.refresh_interval, self._tick, name="refresh")
        self.refresh_groups()
        self.load_info()
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

    # ----------------------------------------------------------------- workers (all I/O is here)
    def _tick(self) -> None:
        # Never cancel a read in flight because the next tick came: on a slow gateway with a huge
        # answer, an exclusive restart on every tick would never finish a read.
        if not self._reading:
            self.refresh_groups()
        # Behind a load balancer each tick may reach another replica: keep the title saying which.
        info = self.state.info
        if info is not None and info.extensions.replica and not self._probing:
            self.load_info()
        self.alerts.tick()

    def action_refresh_now(self) -> None:
        """Read the gateway (and Prometheus) now (restarts a read in flight)."""
        self.refresh_groups()
        self.alerts.refresh()

    @work(exclusive=True, group=READ_GROUPS, exit_on_error=False)
    async def refresh_groups(self) -> None:
        """Read every group; the result arrives as GroupsLoaded."""
        self._reading = True
        try:
            loaded = await self._read()
        finally:
            self._reading = False
        self.post_message(loaded)

    async def _read(self) -> GroupsLoaded:
        """Read every group; decode and assess them off the UI thread (the screens then only sort and draw)."""
        body = await self.client.fetch_groups_body()
        return await asyncio.to_thread(self._digest, body, self.clock(), self.state.rows)

    def _digest(self, body: bytes, now: float, previous: Sequence[GroupRow]) -> GroupsLoaded:
        """In a worker thread: decode what changed since the last read, assess what may have changed."""
        with collector_paused():
            groups, unreadable = self.client.decode_groups(body)
            rows = refresh_rows(groups, self.settings.policy, now, previous)
        return GroupsLoaded(Snapshot(tuple(groups), now, unreadable), tuple(rows))

    @work(exclusive=True, group=PROBE_GATEWAY, exit_on_error=False)
    async def load_info(self) -> None:
        """Ask the gateway for its version and extensions."""
        self._probing = True
        try:
            info = await self.client.info()
        finally:
            self._probing = False
        self.post_message(GatewayInfoLoaded(info))

    # Mutations are deliberately not exclusive: a second delete must never cancel a first one halfway.
    @work(group=MUTATE, exit_on_error=False)
    async def delete_groups(self, keys: tuple[GroupKey, ...]) -> None:
        """Delete groups one by one, then re-read until they are gone (or a deadline passes)."""
        deleted: list[GroupKey] = []
        failed: list[tuple[GroupKey, str]] = []
        limit = asyncio.Semaphore(8)

        async def one(key: GroupKey) -> None:
            async with limit:
                try:
                    await self.client.delete_group(key)
                    deleted.append(key)
                except GatewayError as exc:
                    failed.append((key, user_message(exc)))

        await asyncio.gather(*(one(k) for k in keys))
        gone = set(deleted)
        present = await self._reread_until(lambda groups: not any(g.key in gone for g in groups))
        still = tuple(k for k in deleted if k in present)
        self.post_message(GroupsDeleted(tuple(deleted), tuple(failed), still))

    @work(group=MUTATE, exit_on_error=False)
    async def delete_family(self, group: Group, family: str, *, repush: bool) -> None:
        """Delete one family (extension), or re-push the group without it (Go, after a warning)."""
        if repush:
            await self.client.repush_without(group, family)
        else:
            await self.client.delete_family(group.key, family)

        def done(groups: Sequence[Group]) -> bool:
            return all(g.key != group.key or family not in g.family_names for g in groups)

        await self._reread_until(done)
        self.post_message(FamilyDeleted(group.key, family, repush))

    async def _reread_until(self, done: Callable[[Sequence[Group]], bool]) -> set[GroupKey]:
        """Re-read the gateway until `done` holds or the deadline passes; the keys present at the end."""
        deadline = time.monotonic() + REREAD_DEADLINE
        while True:
            try:
                loaded = await self._read()
            except GatewayError:
                return set()  # the refresh timer will show the problem
            groups = loaded.snapshot.groups
            if done(groups) or time.monotonic() > deadline:
                self.post_message(loaded)
                return {g.key for g in groups}
            await asyncio.sleep(0.1)

    # ----------------------------------------------------------------- requests (from the screens)
    def on_delete_groups_requested(self, message: DeleteGroupsRequested) -> None:
        """Delete what the user confirmed."""
        self.delete_groups(message.keys)

    def on_delete_family_requested(self, message: DeleteFamilyRequested) -> None:
        """Delete (or re-push without) the family the user confirmed."""
        self.delete_family(message.group, message.family, repush=message.repush)

    def on_gateway_info_requested(self, message: GatewayInfoRequested) -> None:
        """Probe the gateway again (a screen needs its extensions)."""
        self.load_info()

    # ----------------------------------------------------------------- results
    def on_groups_loaded(self, message: GroupsLoaded) -> None:
        """Publish a new snapshot; say so if the gateway was down."""
        recovered = self.state.error is not None
        self._publish(
            self.alerts.rematch(replace(self.state, snapshot=message.snapshot, rows=message.rows, error=None))
        )
        if recovered:
            self.notify("The gateway answers again.", title="Reconnected")
        if self.state.info is None and not self._probing:
            self.load_info()

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
