"""The consistency check of a write against the rest of the store, at the cost of what the write touches.

The store is consistent before every write, so only the written names, their series and their
summary/histogram suffix neighbours need checking; the verdicts are those of client_golang's
full gather (a property test compares them with a brute-force gather).
"""

from __future__ import annotations

from typing import Protocol

from bridge.gateway.store.family_checks import family_errors, metric_text, suffix_base
from bridge.gateway.store.types import Group, NameIndex, StoredFamily
from bridge.protocol.gostr import go_quote
from bridge.protocol.grouping import GroupKey
from bridge.protocol.model import MetricFamily, MetricType


class StoreView(Protocol):
    """The parts of the store a check reads."""

    @property
    def groups(self) -> dict[GroupKey, Group]: ...

    @property
    def names(self) -> dict[str, NameIndex]: ...

    @property
    def own_families(self) -> dict[str, tuple[MetricType, str]]: ...


def check(store: StoreView, key: GroupKey, writes: dict[str, MetricFamily], removes: tuple[str, ...]) -> list[str]:
    """Errors that writing `writes` and removing `removes` in group `key` would cause.

    The store is consistent before the write, so only the written names, their series and
    their summary/histogram suffix neighbours need checking.
    """
    group = store.groups.get(key)
    errors: list[str] = []
    for name, family in writes.items():
        problems = family_errors(family)
        if problems:
            errors.extend(problems)
            continue
        own = store.own_families.get(name)
        if own is not None and own[0] is not family.type:
            errors.append(f"gathered metric family {name} has type {family.type.name} but should have {own[0].name}")
            continue
        index = store.names.get(name)
        if index is not None:
            old = group.families.get(name) if group is not None else None
            errors.extend(_cross_group_errors(key, family, index, old))
        errors.extend(_suffix_errors(store, name, family.type, group, writes, removes))
    return errors


def _cross_group_errors(key: GroupKey, family: MetricFamily, index: NameIndex, old: StoredFamily | None) -> list[str]:
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
    store: StoreView, name: str, group: Group | None, writes: dict[str, MetricFamily], removes: tuple[str, ...]
) -> set[MetricType]:
    """The family types `name` would have anywhere in the gathered result after the write."""
    types: set[MetricType] = set()
    own = store.own_families.get(name)
    if own is not None:
        types.add(own[0])
    written = writes.get(name)
    if written is not None:
        types.add(written.type)
    index = store.names.get(name)
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
    store: StoreView,
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
        base_types = _types_after(store, base, group, writes, removes)
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
            if _types_after(store, name + suffix, group, writes, removes):
                kind = "histogram" if suffix == "_bucket" else "histogram or summary"
                errors.append(
                    f"collected {kind} named {go_quote(name)} collides with previously collected "
                    f"metric named {go_quote(name + suffix)}"
                )
    return errors
