"""What the store holds and says: groups, stored families, indexes, changes, listeners; sanitising."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Protocol

from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import (
    PUSH_FAILURE_TIME,
    PUSH_FAILURE_TIME_HELP,
    PUSH_TIME,
    PUSH_TIME_HELP,
    Labels,
    Metric,
    MetricFamily,
    MetricType,
)

_BY_NAME = itemgetter(0)
_INSTANCE_EMPTY = ("instance", "")


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


def bare_labels(grouping: dict[str, tuple[str, str]]) -> Labels:
    """The labels of a metric that has none of its own: the grouping labels and `instance`, sorted."""
    labels = list(grouping.values())
    if "instance" not in grouping:
        labels.append(_INSTANCE_EMPTY)
    labels.sort(key=_BY_NAME)
    return tuple(labels)


def sanitize(family: MetricFamily, grouping: dict[str, tuple[str, str]], bare: Labels | None = None) -> None:
    """Force grouping labels onto every metric, add `instance=""` if absent, sort by name.

    Metrics without labels of their own share one tuple, `bare` (computed if not given).
    """
    for metric in family.metrics:
        if not metric.labels:
            if bare is None:
                bare = bare_labels(grouping)
            metric.labels = bare
            continue
        labels: list[tuple[str, str]] = []
        done: set[str] = set()
        has_instance = False
        for pair in metric.labels:
            name = pair[0]
            if name in grouping and name not in done:
                labels.append(grouping[name])
                done.add(name)
            else:
                labels.append(pair)
            if name == "instance":
                has_instance = True
        for name, pair in grouping.items():
            if name not in done:
                labels.append(pair)
                if name == "instance":
                    has_instance = True
        if not has_instance:
            labels.append(_INSTANCE_EMPTY)
        labels.sort(key=_BY_NAME)
        metric.labels = tuple(labels)


def timestamp_family(
    name: str, grouping: dict[str, tuple[str, str]], value: float, bare: Labels | None = None
) -> MetricFamily:
    """A gateway-managed timestamp gauge for a group."""
    help_text = PUSH_TIME_HELP if name == PUSH_TIME else PUSH_FAILURE_TIME_HELP
    family = MetricFamily(name=name, type=MetricType.GAUGE, help=help_text, metrics=[Metric(gauge=value)])
    sanitize(family, grouping, bare)
    return family
