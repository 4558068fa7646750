"""AlertsWatcher, owned by the app: reads Prometheus's alerts, matches them to the groups, watches deleted ones resolve.

The app holds one (composition) and forwards to it what concerns alerts: each refresh, each new
snapshot of the groups (`rematch`), each delete (`watch_deleted`) and the two messages its
workers post (`loaded`, `failed`). Its workers run on the app, in the groups `ALERT_WORKERS`, so
their failures reach the app's one error router like every other worker's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any

from textual.app import App
from textual.worker import Worker

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import AlertsSnapshot, index_alerts, settle, track_deleted, unresolved
from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.durations import format_age
from pgwtui.errors import PrometheusError
from pgwtui.labels import key_text
from pgwtui.messages import AlertsLoaded
from pgwtui.state import AppState, Clock

RESOLVE_POLL = 1.0
"""After a delete, how often to re-read Prometheus until the deleted groups' alerts resolve."""
RESOLVE_DEADLINE = 300.0
"""…and for how long at most (the regular refresh keeps watching after that)."""
READ_ALERTS = "alerts"
"""The worker group of the regular read of Prometheus (a new read cancels the one in flight)."""
WATCH_RESOLVING = "resolve"
"""The worker group of the re-reads after a delete."""
ALERT_WORKERS = frozenset({READ_ALERTS, WATCH_RESOLVING})
"""Worker groups whose PrometheusError becomes the alerts banner."""


class AlertsWatcher:
    """The app's Prometheus side. Without a Prometheus every method does nothing.

    It reads the app's state through `state` and changes it only through `publish`; the app
    stays the one owner of the state and of the signal screens follow.
    """

    def __init__(
        self,
        app: App[None],
        prometheus: PrometheusClient | None,
        *,
        clock: Clock,
        state: Callable[[], AppState],
        publish: Callable[[AppState], None],
    ) -> None:
        self._app = app
        self.prometheus = prometheus
        self._clock = clock
        self._state = state
        self._publish = publish
        self.reading = False
        """A read of Prometheus is in flight (the refresh tick does not start another)."""

    @staticmethod
    def _keys(state: AppState) -> list[GroupKey]:
        return [g.key for g in state.snapshot.groups] if state.snapshot is not None else []

    def rematch(self, state: AppState) -> AppState:
        """`state` with its alerts matched to its groups again (after a new read of the gateway)."""
        if state.alerts is None:
            return state
        return replace(state, alert_index=index_alerts(self._keys(state), state.alerts.alerts))

    # ----------------------------------------------------------------- workers
    def _start(self, work: Callable[[], Coroutine[Any, Any, None]], name: str, group: str) -> Worker[None]:
        """Run `work` as a worker of the app (its failure reaches the app's router); it replaces one in flight."""
        return self._app.run_worker(work, name=name, group=group, exclusive=True, exit_on_error=False)

    def refresh(self) -> None:
        """Read Prometheus's pending and firing alerts now (restarts a read in flight)."""
        if self.prometheus is not None:
            self._start(self._read, "refresh_alerts", READ_ALERTS)

    def tick(self) -> None:
        """The refresh timer: read again, unless the last read is still in flight."""
        if not self.reading:
            self.refresh()

    async def _read(self) -> None:
        prometheus = self.prometheus
        if prometheus is None:
            return
        self.reading = True
        try:
            alerts = await prometheus.fetch_alerts()
        finally:
            self.reading = False
        self._app.post_message(AlertsLoaded(AlertsSnapshot(tuple(alerts), self._clock())))

    async def _watch_resolving(self) -> None:
        """Re-read the alerts every second until the deleted groups' alerts resolve."""
        prometheus = self.prometheus
        if prometheus is None:
            return
        deadline = time.monotonic() + RESOLVE_DEADLINE
        while unresolved(self._state().resolving) and time.monotonic() < deadline:
            await asyncio.sleep(RESOLVE_POLL)
            try:
                alerts = await prometheus.fetch_alerts()
            except PrometheusError:
                continue  # the regular refresh owns the banner
            self._app.post_message(AlertsLoaded(AlertsSnapshot(tuple(alerts), self._clock())))

    def watch_deleted(self, deleted: Sequence[GroupKey]) -> None:
        """Start watching the alerts of groups just deleted, until Prometheus resolves them."""
        state = self._state()
        alerts = state.alerts
        if not deleted or alerts is None or self.prometheus is None:
            return
        # The re-read after the delete already dropped these groups: match the alerts to them again.
        index = index_alerts([*self._keys(state), *deleted], alerts.alerts)
        watching = track_deleted(state.resolving, deleted, index, self._clock())
        if watching == state.resolving:
            return
        self._publish(replace(state, resolving=watching))
        self._app.notify(f"Watching {unresolved(watching)} alert(s) of the deleted group(s) resolve in Prometheus.")
        self._start(self._watch_resolving, "watch_resolving", WATCH_RESOLVING)

    # ----------------------------------------------------------------- results
    def loaded(self, snapshot: AlertsSnapshot) -> None:
        """Match a new answer to the groups; say which alerts of deleted groups resolved."""
        state = self._state()
        recovered = state.alerts_error is not None
        watching, resolved = settle(state.resolving, snapshot.alerts, snapshot.fetched_at)
        index = index_alerts(self._keys(state), snapshot.alerts)
        self._publish(replace(state, alerts=snapshot, alerts_error=None, alert_index=index, resolving=watching))
        if recovered:
            self._app.notify("Prometheus answers again.", title="Alerts")
        for entry in resolved:
            after = format_age(snapshot.fetched_at - entry.deleted_at)
            self._app.notify(
                f"{entry.alert.name} on {key_text(entry.key)} resolved in Prometheus, {after} after the delete.",
                title="Alert resolved",
                timeout=10,
            )

    def failed(self, text: str) -> None:
        """Keep the last alerts, show the alerts banner (the timer keeps retrying)."""
        self._publish(replace(self._state(), alerts_error=text))

    async def aclose(self) -> None:
        """Close the Prometheus client."""
        if self.prometheus is not None:
            await self.prometheus.aclose()
