"""Results of the app's workers, as small dataclass messages (the only way results reach the UI)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from pgwtui.alerts import AlertsSnapshot
from pgwtui.client import GatewayInfo
from pgwtui.models import GroupKey, Snapshot
from pgwtui.views import GroupRow


@dataclass
class GroupsLoaded(Message):
    """A fresh read of `/api/v1/metrics`. A newer one replaces an older one still queued."""

    snapshot: Snapshot
    rows: tuple[GroupRow, ...]
    """Every group assessed at `snapshot.fetched_at` (done off the UI thread)."""
    received_at: float
    """`time.perf_counter()` when the response was parsed (for the benchmark)."""

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
