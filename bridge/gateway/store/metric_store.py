"""The metric store: every rule of what a push, delete or wipe does, with incremental consistency.

Pure state and rules, no I/O. A push is checked only against what it touches: per-family
indexes (types, series owners) stand in for the Go gateway's full re-gather of the store, and
give the same verdicts (`cross_group_checks`). Every write is described by `Change`s: listeners
(the read models) hear each one as it is applied, and the caller hands the same objects to the
storage; `replay` applies one that another writer committed. The storage is not a listener on
purpose: the read models must change in the same step as the store, while a commit comes after
the decision, often batched with others, and is awaited by the caller.

Concurrency: not thread-safe; the gateway calls it from its event loop only.
"""

from __future__ import annotations

from bridge.gateway.store import cross_group_checks
from bridge.gateway.store.sanitize import bare_labels, sanitize, timestamp_family
from bridge.gateway.store.types import (
    WIPED,
    Change,
    Consumed,
    Group,
    NameIndex,
    PushResult,
    StoredFamily,
    StoreListener,
)
from bridge.protocol.grouping import GroupKey, group_key
from bridge.protocol.model import (
    PUSH_FAILURE_TIME,
    PUSH_TIME,
    TIMESTAMP_FAMILIES,
    MetricFamily,
    MetricType,
)

TIMESTAMP_ERROR = "pushed metrics must not have timestamps"


def _has_timestamps(families: Consumed) -> bool:
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
        self.released: list[object] = []
        """What wipes dropped, still to be freed (`bridge.gateway.deferred_free`)."""
        self.own_families = own_families or {}
        self._listeners: list[StoreListener] = []

    def add_listener(self, listener: StoreListener) -> None:
        """Register a listener; it first hears the current content as one change per group."""
        self._listeners.append(listener)
        for group in self.groups.values():
            listener.applied(group, Change(group.key, group.labels, dict(group.families), ()), {})

    # ------------------------------------------------------------------ writes
    def push(self, grouping: dict[str, str], families: Consumed, *, replace: bool, now_ns: int) -> PushResult:
        """Apply a push (PUT if `replace`, else POST) or record its failure.

        Args:
            grouping: the grouping labels.
            families: handed over: sanitised in place and kept (see `Consumed`).
            replace: PUT (replace every family) rather than POST (replace same-name families).
            now_ns: the arrival time recorded for what is written.

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
        return PushResult(True, [], [self._apply(key, grouping, _stored(writes, now_ns), removes)])

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
        return PushResult(False, errors, [self._apply(key, grouping, _stored(writes, now_ns), ())])

    def delete(self, grouping: dict[str, str]) -> Change | None:
        """Delete exactly this group, timestamps included; None if it does not exist."""
        group = self.groups.pop(group_key(grouping), None)
        if group is None:
            return None
        return self._drop_group(group)

    def _drop_group(self, group: Group) -> Change:
        families = group.families
        for name, stored in families.items():
            self._unindex(group.key, name, stored)
        change = Change(group.key, group.labels, {}, tuple(families), group_removed=True)
        for listener in self._listeners:
            listener.applied(group, change, families)
        return change

    def wipe(self) -> Change | None:
        """Delete every group at once; the change that says so, or None if the store was empty."""
        if not self.groups:
            return None
        released = self.released
        released += [self.groups, self.names]
        for index in self.names.values():
            released += [index.groups, index.owners]
        self.groups = {}
        self.names = {}
        for listener in self._listeners:
            listener.cleared(released)
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
        return self._apply(key, group.labels, {}, (name,))

    def replay(self, change: Change) -> None:
        """Apply a change as it was committed (a restore, or another writer's change): no checks, timestamps as written."""
        if change.wiped:
            self.wipe()
        elif change.group_removed:
            self.delete(change.labels)
        else:
            self._apply(change.key, change.labels, change.written, change.removed)

    # ------------------------------------------------------------------ checks
    def check(self, key: GroupKey, writes: dict[str, MetricFamily], removes: tuple[str, ...]) -> list[str]:
        """Errors that writing `writes` and removing `removes` in group `key` would cause (see cross_group_checks)."""
        return cross_group_checks.check(self, key, writes, removes)

    # ------------------------------------------------------------------ application
    def _apply(
        self,
        key: GroupKey,
        grouping: dict[str, str],
        written: dict[str, StoredFamily],
        removes: tuple[str, ...],
    ) -> Change:
        group = self.groups.get(key)
        if group is None:
            group = Group(key, dict(grouping))
            self.groups[key] = group
        families = group.families
        before: dict[str, StoredFamily] = {}
        for name in removes:
            stored = families.pop(name, None)
            if stored is not None:
                self._unindex(key, name, stored)
                before[name] = stored
        for name, stored in written.items():
            old = families.get(name)
            if old is not None:
                self._unindex(key, name, old)
                before[name] = old
            families[name] = stored
            self._index(key, name, stored)
        change = Change(key, group.labels, written, removes)
        for listener in self._listeners:
            listener.applied(group, change, before)
        return change

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
                # One lookup in the usual case (this group owns the series): a label tuple's hash
                # is not cached, and a DELETE unindexes every series of the group.
                labels = metric.labels
                owner = owners.pop(labels, None)
                if owner is not None and owner != key:
                    owners[labels] = owner


def _stored(writes: dict[str, MetricFamily], now_ns: int) -> dict[str, StoredFamily]:
    return {name: StoredFamily(family, now_ns) for name, family in writes.items()}


def _decrement(counts: dict[MetricType, int], mtype: MetricType) -> None:
    left = counts[mtype] - 1
    if left:
        counts[mtype] = left
    else:
        del counts[mtype]
