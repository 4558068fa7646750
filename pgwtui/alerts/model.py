"""Prometheus alerts as data, and which group each one is about (pure: no I/O, the clock is passed in).

An alert is about a group when every grouping label of the group equals the alert's label of the
same name, where an absent label equals "" (Prometheus drops empty labels, so the `instance=""`
a gateway adds to groups without an instance never reaches the alert). A group without an
`instance` label has that implicit `instance=""` too, so `{job=backup}` is not taken for the
alert of `{job=backup, instance=db-1}`. When several groups match, the ones with the most
non-empty grouping values win (`{job=backup, env=prod}` over `{job=backup}`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bridge.protocol.grouping import GroupKey
from pgwtui.errors import PrometheusError
from pgwtui.rules.names import ALERT_NAMES

AlertId = tuple[tuple[str, str], ...]
"""An alert's identity in Prometheus: its labels, sorted (`alertname` included)."""

RESOLVED_KEEP = 600.0
"""How long a resolved alert of a deleted group stays listed (seconds)."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One pending or firing alert, as `/api/v1/alerts` reports it."""

    labels: AlertId
    annotations: tuple[tuple[str, str], ...] = ()
    state: str = "firing"
    active_at: float | None = None
    value: str = ""

    @property
    def name(self) -> str:
        """The `alertname` label."""
        return self.label("alertname")

    @property
    def firing(self) -> bool:
        """Firing (else pending: its `for:` has not elapsed yet)."""
        return self.state == "firing"

    def label(self, name: str) -> str:
        """A label's value, "" when absent."""
        for key, value in self.labels:
            if key == name:
                return value
        return ""

    def annotation(self, name: str) -> str:
        """An annotation's value, "" when absent."""
        for key, value in self.annotations:
            if key == name:
                return value
        return ""

    @property
    def summary(self) -> str:
        """The `summary` annotation, else the description, else the alert name."""
        return self.annotation("summary") or self.annotation("description") or self.name


@dataclass(frozen=True, slots=True)
class AlertsSnapshot:
    """Every active alert at one read of Prometheus."""

    alerts: tuple[Alert, ...]
    fetched_at: float


def parse_time(text: object) -> float | None:
    """RFC 3339 (`2026-05-28T20:20:01.123456789Z`) to Unix seconds; None for Go's zero time or garbage."""
    if not isinstance(text, str):
        return None
    try:
        seconds = datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def parse_alerts(body: bytes | str) -> list[Alert]:
    """Read the answer of `GET /api/v1/alerts`.

    Raises:
        PrometheusError: not the JSON a Prometheus 2.x sends.

    """
    try:
        document = json.loads(body)
        if document.get("status") != "success":
            raise PrometheusError(
                f"/api/v1/alerts answered status {document.get('status')!r}: {document.get('error')}", "bad answer"
            )
        entries = document["data"]["alerts"]
        if not isinstance(entries, list):
            raise TypeError("alerts is not a list")
        return [_alert(entry) for entry in entries]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PrometheusError(
            f"/api/v1/alerts did not answer Prometheus's JSON ({exc}); is this Prometheus?", "bad answer"
        ) from None


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise TypeError("labels/annotations must be objects")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _alert(entry: object) -> Alert:
    if not isinstance(entry, dict):
        raise TypeError("an alert must be an object")
    return Alert(
        labels=_pairs(entry.get("labels", {})),
        annotations=_pairs(entry.get("annotations") or {}),
        state=str(entry.get("state", "firing")),
        active_at=parse_time(entry.get("activeAt")),
        value=str(entry.get("value", "")),
    )


# ----------------------------------------------------------------- matching alerts to groups
def matches(key: GroupKey, labels: Mapping[str, str]) -> bool:
    """Whether an alert with these labels is about the group with this grouping key."""
    has_instance = False
    for name, value in key:
        if labels.get(name, "") != value:
            return False
        has_instance = has_instance or name == "instance"
    return has_instance or labels.get("instance", "") == ""


def specificity(key: GroupKey) -> int:
    """How many non-empty grouping values a key has: among groups that match, the highest wins."""
    return sum(1 for _name, value in key if value)


@dataclass(frozen=True, slots=True)
class AlertCounts:
    """Firing and pending alerts on one group (or overall)."""

    firing: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        """Both."""
        return self.firing + self.pending

    def text(self) -> str:
        """`2 firing`, `1 pending`, `-` (firing wins: the alerts view and the group show both)."""
        if self.firing:
            return f"{self.firing} firing"
        if self.pending:
            return f"{self.pending} pending"
        return "-"

    def sort_key(self) -> tuple[int, int]:
        """Firing alerts weigh more than pending ones."""
        return (self.firing, self.pending)


def count(alerts: Iterable[Alert]) -> AlertCounts:
    """Count firing and pending alerts."""
    firing = pending = 0
    for alert in alerts:
        if alert.firing:
            firing += 1
        else:
            pending += 1
    return AlertCounts(firing, pending)


@dataclass(frozen=True, slots=True)
class AlertIndex:
    """Which alerts are about which groups, for one set of groups and one read of Prometheus."""

    alerts: tuple[Alert, ...] = ()
    by_group: Mapping[GroupKey, tuple[Alert, ...]] = field(default_factory=dict)
    groups_of: Mapping[AlertId, tuple[GroupKey, ...]] = field(default_factory=dict)

    def on(self, key: GroupKey) -> tuple[Alert, ...]:
        """The alerts about one group."""
        return self.by_group.get(key, ())

    def counts(self) -> Mapping[GroupKey, AlertCounts]:
        """Firing / pending per group (only groups with alerts)."""
        return {key: count(alerts) for key, alerts in self.by_group.items()}

    def relevant(self) -> tuple[Alert, ...]:
        """The alerts pgwtui shows: those about a group here, and every alert `pgwtui rules` generates."""
        return tuple(a for a in self.alerts if a.labels in self.groups_of or a.name in ALERT_NAMES)

    def total(self) -> AlertCounts:
        """Firing / pending over the relevant alerts."""
        return count(self.relevant())


def index_alerts(keys: Iterable[GroupKey], alerts: Sequence[Alert]) -> AlertIndex:
    """Match every alert to the groups it is about (O(groups + alerts × groups of the same job))."""
    wanted = {alert.label("job") for alert in alerts} - {""}
    by_job: dict[str, list[GroupKey]] = {}
    if wanted:
        for key in keys:
            job = dict(key).get("job", "")
            if job in wanted:
                by_job.setdefault(job, []).append(key)
    by_group: dict[GroupKey, list[Alert]] = {}
    groups_of: dict[AlertId, tuple[GroupKey, ...]] = {}
    for alert in alerts:
        labels = dict(alert.labels)
        candidates = [k for k in by_job.get(labels.get("job", ""), ()) if matches(k, labels)]
        if not candidates:
            continue
        best = max(specificity(k) for k in candidates)
        winners = tuple(k for k in candidates if specificity(k) == best)
        groups_of[alert.labels] = winners
        for key in winners:
            by_group.setdefault(key, []).append(alert)
    ordered = {key: tuple(sorted(found, key=alert_order)) for key, found in by_group.items()}
    return AlertIndex(tuple(alerts), ordered, groups_of)


def alert_order(alert: Alert) -> tuple[int, float, str, AlertId]:
    """Firing first, then the longest active, then by name."""
    active = alert.active_at if alert.active_at is not None else math.inf
    return (0 if alert.firing else 1, active, alert.name, alert.labels)


# ----------------------------------------------------------------- watching alerts resolve after a delete
@dataclass(frozen=True, slots=True)
class Resolving:
    """An alert about a group we deleted: still active in Prometheus, or resolved at `resolved_at`."""

    alert: Alert
    key: GroupKey
    deleted_at: float
    resolved_at: float | None = None


def track_deleted(
    watching: Sequence[Resolving], deleted: Iterable[GroupKey], index: AlertIndex, now: float
) -> tuple[Resolving, ...]:
    """Start watching the alerts of groups just deleted (an alert already watched is not added twice)."""
    known = {w.alert.labels for w in watching if w.resolved_at is None}
    added = [Resolving(alert, key, now) for key in deleted for alert in index.on(key) if alert.labels not in known]
    return (*watching, *added)


def settle(
    watching: Sequence[Resolving], active: Sequence[Alert], now: float
) -> tuple[tuple[Resolving, ...], tuple[Resolving, ...]]:
    """Mark watched alerts that Prometheus no longer reports as resolved; forget old resolved ones.

    Returns:
        The new watch list, and the entries that resolved just now.

    """
    present = {alert.labels for alert in active}
    kept: list[Resolving] = []
    resolved: list[Resolving] = []
    for entry in watching:
        if entry.resolved_at is None and entry.alert.labels not in present:
            entry = replace(entry, resolved_at=now)
            resolved.append(entry)
        if entry.resolved_at is None or now - entry.resolved_at <= RESOLVED_KEEP:
            kept.append(entry)
    return tuple(kept), tuple(resolved)


def unresolved(watching: Iterable[Resolving]) -> int:
    """How many watched alerts are still active."""
    return sum(1 for entry in watching if entry.resolved_at is None)
