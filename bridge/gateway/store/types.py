"""What the store holds and says: groups, stored families, per-name indexes, changes, listeners."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeAlias

from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import (
    PUSH_FAILURE_TIME,
    PUSH_TIME,
    Labels,
    MetricFamily,
    MetricType,
)

Consumed: TypeAlias = dict[str, MetricFamily]
"""Families handed over to the store with a push, as Go's `WriteRequest` hands them over.

The store sanitises them in place (grouping labels, `instance=""`, sorted labels) and keeps
them: the caller must neither read nor change them afterwards, and parses a fresh copy for
every attempt. Copying them instead would add 2-3 µs to a 10-series push of about 80 µs in
process (measured for issue 10), on the path every push takes.
"""


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
    """What one write did to one group (or, with `wiped`, to the whole store).

    The one description of a write: the store's listeners hear it as it is applied, the storage
    makes it durable, and a replica replays it from the change feed. It holds the new state only
    (`written`) and the names it removed, never what they replaced.
    """

    key: GroupKey
    labels: dict[str, str]
    written: dict[str, StoredFamily]
    removed: tuple[str, ...]
    group_removed: bool = False
    wiped: bool = False


WIPED = Change((), {}, {}, (), group_removed=True, wiped=True)


@dataclass(frozen=True, slots=True)
class PushResult:
    """The store's verdict on a push. `changes` is not empty when something was stored (even a failure)."""

    accepted: bool
    errors: list[str]
    changes: list[Change]


class StoreListener(Protocol):
    """A read model kept in step with the store; called synchronously, in order, as each change is applied."""

    def applied(self, group: Group, change: Change, before: dict[str, StoredFamily]) -> None:
        """`change` was applied to `group`.

        Args:
            group: the group after the change (after a group removal, no longer in the store).
            change: what was written and removed.
            before: what each name the change wrote over or removed held before it; names new to
                the group are absent.

        """

    def cleared(self, released: list[object]) -> None:
        """The store was wiped: swap big containers for empty ones and put the old ones in `released`.

        They are freed a batch at a time after the answer (freeing half a million series at once
        would stall every request for a second; see `bridge.gateway.deferred_free`).
        """
