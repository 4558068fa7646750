"""AlertsFeature, PgwApp's Prometheus side: the alert workers and what their answers do to the app's state."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from textual import work
from textual.app import App

from pgwtui.alerts import AlertsSnapshot, index_alerts, settle, track_deleted, unresolved
from pgwtui.config import Settings
from pgwtui.durations import format_age
from pgwtui.errors import PrometheusError
from pgwtui.messages import AlertsFailed, AlertsLoaded
from pgwtui.models import GroupKey, label_text
from pgwtui.prometheus import PrometheusClient
from pgwtui.state import AppState

Clock = Callable[[], float]
"""Wall-clock seconds (time.time); injected so tests and screenshots are reproducible."""

RESOLVE_POLL = 1.0
"""After a delete, how often to re-read Prometheus until the deleted groups' alerts resolve."""
RESOLVE_DEADLINE = 300.0
"""…and for how long at most (the regular refresh keeps watching after that)."""
ALERT_WORKERS = ("alerts", "resolve")
"""Worker groups whose PrometheusError becomes the alerts banner."""


class AlertsFeature(App[None]):
    """Base class of PgwApp: reads Prometheus's alerts, matches them to the groups, watches deleted groups' alerts.

    PgwApp owns the state and its signal; this class reads `state` and changes it only through
    `_publish`. Without a Prometheus every method here does nothing.
    """

    settings: Settings
    state: AppState
    clock: Clock
    prometheus: PrometheusClient | None
    _reading_alerts: bool = False

    def _publish(self, state: AppState) -> None:
        raise NotImplementedError  # PgwApp publishes on its signal

    @staticmethod
    def _keys(state: AppState) -> list[GroupKey]:
        return [g.key for g in state.snapshot.groups] if state.snapshot is not None else []

    def rematch(self, state: AppState) -> AppState:
        """`state` with its alerts matched to its groups again (after a new read of the gateway)."""
        if state.alerts is None:
            return state
        return replace(state, alert_index=index_alerts(self._keys(state), state.alerts.alerts))

    # ----------------------------------------------------------------- workers
    @work(exclusive=True, group="alerts", exit_on_error=False)
    async def refresh_alerts(self) -> None:
        """Read Prometheus's pending and firing alerts; the result arrives as AlertsLoaded."""
        if self.prometheus is None:
            return
        self._reading_alerts = True
        try:
            alerts = await self.prometheus.fetch_alerts()
        finally:
            self._reading_alerts = False
        self.post_message(AlertsLoaded(AlertsSnapshot(tuple(alerts), self.clock())))

    @work(exclusive=True, group="resolve", exit_on_error=False)
    async def watch_resolving(self) -> None:
        """After a delete, re-read the alerts every second until the deleted groups' alerts resolve."""
        if self.prometheus is None:
            return
        deadline = time.monotonic() + RESOLVE_DEADLINE
        while unresolved(self.state.resolving) and time.monotonic() < deadline:
            await asyncio.sleep(RESOLVE_POLL)
            try:
                alerts = await self.prometheus.fetch_alerts()
            except PrometheusError:
                continue  # the regular refresh owns the banner
            self.post_message(AlertsLoaded(AlertsSnapshot(tuple(alerts), self.clock())))

    def watch_deleted(self, deleted: Sequence[GroupKey]) -> None:
        """Start watching the alerts of groups just deleted, until Prometheus resolves them."""
        alerts = self.state.alerts
        if not deleted or alerts is None:
            return
        # The re-read after the delete already dropped these groups: match the alerts to them again.
        index = index_alerts([*self._keys(self.state), *deleted], alerts.alerts)
        watching = track_deleted(self.state.resolving, deleted, index, self.clock())
        if watching == self.state.resolving:
            return
        self._publish(replace(self.state, resolving=watching))
        self.notify(f"Watching {unresolved(watching)} alert(s) of the deleted group(s) resolve in Prometheus.")
        self.watch_resolving()

    # ----------------------------------------------------------------- results
    def on_alerts_loaded(self, message: AlertsLoaded) -> None:
        """Match the alerts to the groups; say which alerts of deleted groups resolved."""
        snapshot = message.snapshot
        recovered = self.state.alerts_error is not None
        watching, resolved = settle(self.state.resolving, snapshot.alerts, snapshot.fetched_at)
        index = index_alerts(self._keys(self.state), snapshot.alerts)
        self._publish(replace(self.state, alerts=snapshot, alerts_error=None, alert_index=index, resolving=watching))
        if recovered:
            self.notify("Prometheus answers again.", title="Alerts")
        for entry in resolved:
            after = format_age(snapshot.fetched_at - entry.deleted_at)
            self.notify(
                f"{entry.alert.name} on {label_text(entry.key)} resolved in Prometheus, {after} after the delete.",
                title="Alert resolved",
                timeout=10,
            )

    def on_alerts_failed(self, message: AlertsFailed) -> None:
        """Keep the last alerts, show the alerts banner (the timer keeps retrying)."""
        self._publish(replace(self.state, alerts_error=message.text))
