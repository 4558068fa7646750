"""The app's messages, as small dataclasses: what workers found out, and what screens ask the app to do.

Results travel from the workers to the app (the only way they reach the UI); requests travel
from the screens to the app, which owns every worker, so a screen never starts I/O itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import AlertsSnapshot
from pgwtui.connection import GatewayInfo
from pgwtui.models import Group, Snapshot
from pgwtui.views.groups import GroupRow, SortedRows
from pgwtui.views.history import History


# ----------------------------------------------------------------- results (workers → app)
@dataclass
class GroupsLoaded(Message):
    """A fresh read of `/api/v1/metrics`. A newer one replaces an older one still queued."""

    snapshot: Snapshot
    rows: tuple[GroupRow, ...]
    """Every group assessed at `snapshot.fetched_at` (done off the UI thread)."""
    sorted_rows: SortedRows | None = None
    """The same rows in the groups screen's order when the read began (sorted off the UI thread too)."""

    def can_replace(self, message: Message) -> bool:
        """Only the newest snapshot matters."""
        return isinstance(message, GroupsLoaded)


@dataclass
class GatewayInfoLoaded(Message):
    """The gateway's version and extensions."""

    info: GatewayInfo


@dataclass
class ConnectionFailed(Message):
    """Reading the gateway failed; `text` is for the banner."""

    text: str


@dataclass
class GroupsDeleted(Message):
    """The outcome of deleting one or more groups (after re-reading the gateway)."""

    deleted: tuple[GroupKey, ...]
    failed: tuple[tuple[GroupKey, str], ...]
    still_present: tuple[GroupKey, ...]


@dataclass
class FamilyDeleted(Message):
    """One family was removed from a group (by the extension, or by re-pushing the group)."""

    key: GroupKey
    family: str
    repushed: bool


@dataclass
class AlertsLoaded(Message):
    """A fresh read of Prometheus's `/api/v1/alerts`. A newer one replaces an older one still queued."""

    snapshot: AlertsSnapshot

    def can_replace(self, message: Message) -> bool:
        """Only the newest answer matters."""
        return isinstance(message, AlertsLoaded)


@dataclass
class AlertsFailed(Message):
    """Reading Prometheus failed; `text` is for the alerts banner (the groups keep working)."""

    text: str


@dataclass
class HistoryLoaded(Message):
    """A group's history over one range, from Prometheus's range queries."""

    history: History


@dataclass
class HistoryFailed(Message):
    """Reading a group's history failed; `text` says why (the detail shows it instead of the chart)."""

    key: GroupKey
    range_name: str
    text: str


@dataclass
class CadenceLoaded(Message):
    """Pushes per bucket of the groups asked for (`asked`; those not in `found` have no series)."""

    found: dict[GroupKey, tuple[int, ...]]
    asked: tuple[GroupKey, ...]
    fetched_at: float


@dataclass
class CadenceFailed(Message):
    """Reading the cadence column failed; `reason` is its one cell, `text` the whole story."""

    text: str
    reason: str
    at: float


# ----------------------------------------------------------------- requests (screens → app)
@dataclass
class DeleteGroupsRequested(Message):
    """The user confirmed deleting these groups."""

    keys: tuple[GroupKey, ...]


@dataclass
class DeleteFamilyRequested(Message):
    """The user confirmed deleting one family of a group: by the extension, or (`repush`) by re-pushing the rest."""

    group: Group
    family: str
    repush: bool


@dataclass
class GatewayInfoRequested(Message):
    """A screen needs the gateway's identity and extensions, and they are not known yet."""


@dataclass
class SortOrderChanged(Message):
    """The groups screen sorts by another column or direction now: later reads come sorted that way."""

    column_id: str
    descending: bool


@dataclass
class HistoryRequested(Message):
    """The group detail wants a group's history over a range (`fresh`: not from the cache)."""

    key: GroupKey
    range_name: str
    fresh: bool = False


@dataclass
class CadenceRequested(Message):
    """The groups view has these groups on screen without a (recent) cadence. A newer request replaces an older one."""

    keys: tuple[GroupKey, ...]

    def can_replace(self, message: Message) -> bool:
        """Only the rows on screen now matter."""
        return isinstance(message, CadenceRequested)
