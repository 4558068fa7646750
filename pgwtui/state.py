"""AppState: what the app currently knows about the gateway, published to screens on every change (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import AlertIndex, AlertsSnapshot, Resolving
from pgwtui.connection import GatewayInfo
from pgwtui.models import Group, Snapshot
from pgwtui.views.cadence import NO_CADENCES, Cadences
from pgwtui.views.groups import GroupRow, SortedRows
from pgwtui.views.history import History

Clock = Callable[[], float]
"""Wall-clock seconds (time.time); injected so tests and screenshots are reproducible."""


@dataclass(frozen=True, slots=True)
class AppState:
    """What the app knows: the last snapshot and its rows, the last connection error, the gateway's identity.

    `rows` are the snapshot's groups assessed at `snapshot.fetched_at`; `error` is None when healthy.
    With Prometheus configured: its last answer, the alerts matched to the snapshot's groups, the
    last error reading it, and the alerts of deleted groups we are watching resolve; the history
    the group detail shows (or why it cannot), and the cadence column's pushes per bucket.
    """

    snapshot: Snapshot | None = None
    error: str | None = None
    info: GatewayInfo | None = None
    rows: tuple[GroupRow, ...] = ()
    sorted_rows: SortedRows | None = None
    """`rows` in the groups screen's order when they were read, or None."""
    alerts: AlertsSnapshot | None = None
    alerts_error: str | None = None
    alert_index: AlertIndex = field(default_factory=AlertIndex)
    resolving: tuple[Resolving, ...] = ()
    history: History | None = None
    history_error: tuple[GroupKey, str, str] | None = None
    """(key, range name, why) of the last history that could not be read."""
    cadence: Cadences = NO_CADENCES

    def group(self, key: GroupKey) -> Group | None:
        """Find the group with this key in the last snapshot."""
        if self.snapshot is None:
            return None
        for group in self.snapshot.groups:
            if group.key == key:
                return group
        return None
