"""The metric store: every rule of what a push, delete or wipe does, with incremental consistency.

Pure state and rules, no I/O. A push is checked only against what it touches: per-family
indexes (types, series owners) stand in for the Go gateway's full re-gather of the store, and
give the same verdicts. Listeners (exposition and API caches, persistence) hear every change.

Concurrency: not thread-safe; the gateway calls it from its event loop only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Protocol

from bridge.gateway.consistency import family_errors, metric_text, suffix_base
from bridge.protocol.gostr import go_quote
from bridge.protocol.grouping import GroupKey, group_key
from bridge.protocol.model import (
    PUSH_FAILURE_TIME,
    PUSH_FAILURE_TIME_HELP,
    PUSH_TIME,
    PUSH_TIME_HELP,
    TIMESTAMP_FAMILIES,
    Labels,
    Metric,
    MetricFamily,
    MetricType,
)

_BY_NAME = itemgetter(0)
_INSTANCE_EMPTY = ("instance", "")
TIMESTAMP_ERROR = "pushed metrics must not have timestamps"


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

    def store_cleared(self) -> None: ...


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


def _has_timestamps(families: dict[str, MetricFamily]) -> bool:
    return any(m.timestamp_ms is not None for f in families.values() for m in f.metrics)


class Store:
    """Groups, per-name indexes and the rules of every write."""

    def __init__(self, own_families: dict[str, tuple[MetricType, str]] | None = None) -> None:
        """Create an empty store.

        Args:
            own_families: the gateway's own metric names with their type and HELP; pushes
                must not change their type.

        """
        self.groups: dict[GroupKey, Group] = {}
        self.names: dict[str, NameIndex] = {}
        self.own_families = own_families or {}
        self._listeners: list[StoreListener] = []

    def add_listener(self, listener: StoreListener) -> None:
        """Register a listener; it first hears the current content as additions."""
        self._listeners.append(listener)
        for group in self.groups.values():
            for stored in group.families.values():
                listener.family_added(group, stored)
            listener.group_changed(group, False)

    # ------------------------------------------------------------------ writes
    def push(
        self,
        grouping: dict[str, str],
        families: dict[str, MetricFamily],
        *,
        replace: bool,
        now_ns: int,
    ) -> PushResult:
        """Apply a push (PUT if `replace`, else POST) or record its failure.

        The pushed families are sanitised in place.
        """
        key = group_key(grouping)
        group = self.groups.get(key)
        pairs = {name: (name, value) for name, value in grouping.items()}
        if _has_timestamps(families):
            return self._fail(key, grouping, group, pairs, [TIMESTAMP_ERROR], now_ns)
        bare = bare_labels(pairs)
        for family in families.values():
            sanitize(family, pairs, bare)
        writes = dict(families)
        writes[PUSH_TIME] = timestamp_family(PUSH_TIME, pairs, now_ns / 1e9, bare)
        if group is None or PUSH_FAILURE_TIME not in group.families:
            writes[PUSH_FAILURE_TIME] = timestamp_family(PUSH_FAILURE_TIME, pairs, 0.0, bare)
        removes: tuple[str, ...] = ()
        if replace and group is not None:
            removes = tuple(n for n in group.families if n not in TIMESTAMP_FAMILIES and n not in writes)
        errors = self.check(key, writes, removes)
        if errors:
            return self._fail(key, grouping, group, pairs, errors, now_ns)
        return PushResult(True, [], [self._apply(key, grouping, writes, removes, now_ns)])

    def _fail(
        self,
        key: GroupKey,
        grouping: dict[str, str],
        group: Group | None,
        pairs: dict[str, tuple[str, str]],
        errors: list[str],
        now_ns: int,
    ) -> PushResult:
        writes = {PUSH_FAILURE_TIME: timestamp_family(PUSH_FAILURE_TIME, pairs, now_ns / 1e9)}
        if group is None or PUSH_TIME not in group.families:
            writes[PUSH_TIME] = timestamp_family(PUSH_TIME, pairs, 0.0)
        if self.check(key, writes, ()):
            # Recording the failure would itself break the store (the grouping key is what is
            # wrong); the Go gateway records it anyway and then fails every scrape and push.
            return PushResult(False, errors, [])
        return PushResult(False, errors, [self._apply(key, grouping, writes, (), now_ns)])

    def delete(self, grouping: dict[str, str]) -> Change | None:
        """Delete exactly this group, timestamps included; None if it does not exist."""
        group = self.groups.pop(group_key(grouping), None)
        if group is None:
            return None
        return self._drop_group(group)

    def _drop_group(self, group: Group) -> Change:
        for name, stored in group.families.items():
            self._unindex(group.key, name, stored)
            for listener in self._listeners:
                listener.family_removed(group, stored)
        for listener in self._listeners:
            listener.group_changed(group, True)
        return Change(group.key, group.labels, {}, tuple(group.families), group_removed=True)

    def wipe(self) -> Change | None:
        """Delete every group at once; the change that says so, or None if the store was empty."""
        if not self.groups:
            return None
        self.groups.clear()
        self.names.clear()
        for listener in self._listeners:
            listener.store_cleared()
        return WIPED

    def delete_family(self, grouping: dict[str, str], name: str) -> Change | None:
        """Extension: drop one family from a group, leaving its timestamps alone.

        Returns None if the group or the family does not exist.

        Raises:
            ValueError: `name` is one of the gateway-managed timestamp families.

        """
        if name in TIMESTAMP_FAMILIES:
            raise ValueError(f"{name} is managed by the gateway and cannot be deleted on its own")
        key = group_key(grouping)
        group = self.groups.get(key)
        if group is None or name not in group.families:
            return None
        return self._apply(key, group.labels, {}, (name,), None)

    def restore_group(self, labels: dict[str, str], families: dict[str, StoredFamily]) -> None:
        """Load a persisted group as it was (no checks, no timestamps touched)."""
        key = group_key(labels)
        group = Group(key, dict(labels))
        self.groups[key] = group
        for name, stored in families.items():
            group.families[name] = stored
            self._index(key, name, stored)
            for listener in self._listeners:
                listener.family_added(group, stored)
        for listener in self._listeners:
            listener.group_changed(group, False)

    # ------------------------------------------------------------------ checks
    def check(self, key: GroupKey, writes: dict[str, MetricFamily], removes: tuple[str, ...]) -> list[str]:
        """Errors that writing `writes` and removing `removes` in group `key` would cause.

        The store is consistent before the write, so only the written names, their series and
        their summary/histogram suffix neighbours need checking.
        """
        group = self.groups.get(key)
        errors: list[str] = []
        for name, family in writes.items():
            problems = family_errors(family)
            if problems:
                errors.extend(problems)
                continue
            own = self.own_families.get(name)
            if own is not None and own[0] is not family.type:
                errors.append(
                    f"gathered metric family {name} has type {family.type.name} but should have {own[0].name}"
                )
                continue
            index = self.names.get(name)
            if index is not None:
                old = group.families.get(name) if group is not None else None
                errors.extend(self._cross_group_errors(key, family, index, old))
            errors.extend(self._suffix_errors(name, family.type, group, writes, removes))
        return errors

    @staticmethod
    def _cross_group_errors(
        key: GroupKey, family: MetricFamily, index: NameIndex, old: StoredFamily | None
    ) -> list[str]:
        errors: list[str] = []
        if family.metrics:
            for mtype, count in index.nonempty_type_counts.items():
                if mtype is family.type:
                    continue
                if old is not None and old.family.metrics and old.family.type is mtype:
                    count -= 1
                if count > 0:
                    errors.append(
                        f"collected metric {go_quote(family.name)} {{ {metric_text(family.metrics[0])}}} "
                        f"is not a {mtype.name}"
                    )
                    break
        owners = index.owners
        for metric in family.metrics:
            owner = owners.get(metric.labels)
            if owner is not None and owner != key:
                errors.append(
                    f"collected metric {go_quote(family.name)} {{ {metric_text(metric)}}} was collected "
                    "before with the same name and label values"
                )
        return errors

    def _types_after(
        self, name: str, group: Group | None, writes: dict[str, MetricFamily], removes: tuple[str, ...]
    ) -> set[MetricType]:
        """The family types `name` would have anywhere in the gathered result after the write."""
        types: set[MetricType] = set()
        own = self.own_families.get(name)
        if own is not None:
            types.add(own[0])
        written = writes.get(name)
        if written is not None:
            types.add(written.type)
        index = self.names.get(name)
        if index is not None:
            old = group.families.get(name) if group is not None else None
            replaced = old is not None and (name in writes or name in removes)
            for mtype, count in index.type_counts.items():
                if replaced and old is not None and old.family.type is mtype:
                    count -= 1
                if count > 0:
                    types.add(mtype)
        return types

    def _suffix_errors(
        self,
        name: str,
        mtype: MetricType,
        group: Group | None,
        writes: dict[str, MetricFamily],
        removes: tuple[str, ...],
    ) -> list[str]:
        errors: list[str] = []
        split = suffix_base(name)
        if split is not None:
            base, suffix = split
            base_types = self._types_after(base, group, writes, removes)
            if MetricType.SUMMARY in base_types and suffix != "_bucket":
                errors.append(
                    f"collected metric named {go_quote(name)} collides with previously collected summary named {go_quote(base)}"
                )
            if MetricType.HISTOGRAM in base_types:
                errors.append(
                    f"collected metric named {go_quote(name)} collides with previously collected histogram named {go_quote(base)}"
                )
        if mtype is MetricType.SUMMARY or mtype is MetricType.HISTOGRAM:
            suffixes = ("_count", "_sum", "_bucket") if mtype is MetricType.HISTOGRAM else ("_count", "_sum")
            for suffix in suffixes:
                if self._types_after(name + suffix, group, writes, removes):
                    kind = "histogram" if suffix == "_bucket" else "histogram or summary"
                    errors.append(
                        f"collected {kind} named {go_quote(name)} collides with previously collected "
                        f"metric named {go_quote(name + suffix)}"
                    )
        return errors

    # ------------------------------------------------------------------ application
    def _apply(
        self,
        key: GroupKey,
        grouping: dict[str, str],
        writes: dict[str, MetricFamily],
        removes: tuple[str, ...],
        now_ns: int | None,
    ) -> Change:
        group = self.groups.get(key)
        if group is None:
            group = Group(key, dict(grouping))
            self.groups[key] = group
        listeners = self._listeners
        families = group.families
        for name in removes:
            stored = families.pop(name)
            self._unindex(key, name, stored)
            for listener in listeners:
                listener.family_removed(group, stored)
        written: dict[str, StoredFamily] = {}
        for name, family in writes.items():
            old = families.get(name)
            if old is not None:
                self._unindex(key, name, old)
            assert now_ns is not None
            stored = StoredFamily(family, now_ns)
            families[name] = stored
            written[name] = stored
            self._index(key, name, stored)
            for listener in listeners:
                if old is None:
                    listener.family_added(group, stored)
                else:
                    listener.family_replaced(group, old, stored)
        for listener in listeners:
            listener.group_changed(group, False)
        return Change(key, group.labels, written, removes)

    def _index(self, key: GroupKey, name: str, stored: StoredFamily) -> None:
        index = self.names.get(name)
        if index is None:
            index = self.names[name] = NameIndex()
        family = stored.family
        mtype = family.type
        index.groups[key] = stored
        index.type_counts[mtype] = index.type_counts.get(mtype, 0) + 1
        if family.metrics:
            index.nonempty_type_counts[mtype] = index.nonempty_type_counts.get(mtype, 0) + 1
            owners = index.owners
            for metric in family.metrics:
                owners[metric.labels] = key

    def _unindex(self, key: GroupKey, name: str, stored: StoredFamily) -> None:
        index = self.names[name]
        family = stored.family
        mtype = family.type
        del index.groups[key]
        if not index.groups:
            del self.names[name]
            return
        _decrement(index.type_counts, mtype)
        if family.metrics:
            _decrement(index.nonempty_type_counts, mtype)
            owners = index.owners
            for metric in family.metrics:
                if owners.get(metric.labels) == key:
                    del owners[metric.labels]


def _decrement(counts: dict[MetricType, int], mtype: MetricType) -> None:
    left = counts[mtype] - 1
    if left:
        counts[mtype] = left
    else:
        del counts[mtype]
