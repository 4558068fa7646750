"""What the store holds and says: groups, stored families, per-name indexes, changes, listeners."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import (
    PUSH_FAILURE_TIME,
    PUSH_TIME,
    Labels,
    MetricFamily,
    MetricType,
)


@dataclass(slots=True)
class StoredFamily:
    """A family as stored in one group, with the arrival time of the request that wrote it."""

    family: MetricFamily
    timestamp_ns: int


@dataclass(slots=True)
class Group:
    """One grouping key and its families."""

    key: GroupKey
    labels: dict[str, str]
    families: dict[str, StoredFamily] = field(default_factory=dict)

    def timestamp_value(self, name: str) -> float | None:
        """The first sample of a gateway timestamp family (as a gauge), or None if absent."""
        stored = self.families.get(name)
        if stored is None:
            return None
        metrics = stored.family.metrics
        if not metrics:
            return None
        return metrics[0].gauge or 0.0

    @property
    def last_push_successful(self) -> bool:
        """`failure <= success`, true when either is missing (storage/interface.go LastPushSuccess)."""
        failure = self.timestamp_value(PUSH_FAILURE_TIME)
        success = self.timestamp_value(PUSH_TIME)
        if failure is None or success is None:
            return True
        return failure <= success


@dataclass(slots=True)
class NameIndex:
    """Everything the store knows about one family name across groups."""

    groups: dict[GroupKey, StoredFamily] = field(default_factory=dict)
    type_counts: dict[MetricType, int] = field(default_factory=dict)
    nonempty_type_counts: dict[MetricType, int] = field(default_factory=dict)
    owners: dict[Labels, GroupKey] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    """What one write did to one group (or, with `wiped`, to the whole store); persistence replays it."""

    key: GroupKey
    labels: dict[str, str]
    written: dict[str, StoredFamily]
    removed: tuple[str, ...]
    group_removed: bool = False
    wiped: bool = False


WIPED = Change((), {}, {}, (), group_removed=True, wiped=True)


@dataclass(frozen=True, slots=True)
class PushResult:
    """The verdict on a push. `changes` is not empty when something was stored (even a failure)."""

    accepted: bool
    errors: list[str]
    changes: list[Change]


class StoreListener(Protocol):
    """Observes changes in order; called synchronously inside the store's methods."""

    def family_added(self, group: Group, stored: StoredFamily) -> None: ...

    def family_removed(self, group: Group, stored: StoredFamily) -> None: ...

    def family_replaced(self, group: Group, old: StoredFamily, new: StoredFamily) -> None: ...

    def group_changed(self, group: Group, removed: bool) -> None: ...

    def store_cleared(self, released: list[object]) -> None:
        """The store was wiped: swap big containers for empty ones and put the old ones in `released`.

        They are freed a batch at a time after the answer (freeing half a million series at once
        would stall every request for a second).
        """
