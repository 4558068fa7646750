"""The alerts view as pure data: one row per alert with its group, the cells, and the highlighted alert's details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import Alert, AlertIndex, Resolving, alert_order
from pgwtui.durations import format_age
from pgwtui.labels import key_text, pairs_text
from pgwtui.views.groups import CellFormatter

HEADERS = ("STATE", "ALERT", "ACTIVE", "GROUP", "SUMMARY")


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One line of the alerts view."""

    alert: Alert
    state: str
    """`firing`, `pending`, or `resolved` (an alert of a group we deleted, gone from Prometheus)."""
    keys: tuple[GroupKey, ...] = ()
    """The groups on the gateway this alert is about (usually one)."""
    deleted: GroupKey | None = None
    """The group we deleted that this alert was about."""
    resolved_at: float | None = None

    @property
    def target(self) -> GroupKey | None:
        """The group enter opens."""
        return self.keys[0] if self.keys else None

    @property
    def ident(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Stable across refreshes (the cursor follows it)."""
        return ("resolved" if self.state == "resolved" else "active", self.alert.labels)


def alert_rows(index: AlertIndex, watching: Sequence[Resolving]) -> list[AlertRow]:
    """Relevant active alerts (firing, then pending; longest active first), then resolved ones of deleted groups."""
    deleted = {w.alert.labels: w.key for w in watching if w.resolved_at is None}
    shown = {a.labels for a in index.relevant()} | set(deleted)
    active = [a for a in index.alerts if a.labels in shown]
    rows = [
        AlertRow(a, a.state, tuple(index.groups_of.get(a.labels, ())), deleted.get(a.labels))
        for a in sorted(active, key=alert_order)
    ]
    resolved = sorted((w for w in watching if w.resolved_at is not None), key=lambda w: -(w.resolved_at or 0.0))
    rows += [AlertRow(w.alert, "resolved", (), w.key, w.resolved_at) for w in resolved]
    return rows


def hidden_count(index: AlertIndex) -> int:
    """Active alerts in Prometheus that are about no group here and not from `pgwtui rules`."""
    return len(index.alerts) - len(index.relevant())


def group_text(row: AlertRow) -> str:
    """Which group the alert is about, in words."""
    if row.target is not None:
        more = f"  (+{len(row.keys) - 1} more)" if len(row.keys) > 1 else ""
        return key_text(row.target) + more
    if row.deleted is not None:
        return f"deleted: {key_text(row.deleted)}"
    return "— no group on this gateway"


def cells(row: AlertRow, fmt: CellFormatter) -> tuple[str, str, str, str, str]:
    """STATE, ALERT, ACTIVE, GROUP, SUMMARY."""
    if row.state == "resolved" and row.resolved_at is not None:
        active = f"resolved {format_age(fmt.now - row.resolved_at)} ago"
    elif row.alert.active_at is not None:
        active = format_age(fmt.now - row.alert.active_at)
    else:
        active = "?"
    return (row.state, row.alert.name, active, group_text(row), row.alert.summary)


def details(row: AlertRow, fmt: CellFormatter) -> str:
    """The highlighted alert: when, which group, every label, and its annotations in full."""
    alert = row.alert
    since = ""
    if alert.active_at is not None:
        since = f" since {fmt.timestamp(alert.active_at)} ({format_age(fmt.now - alert.active_at)})"
    head = f"{alert.name}  {row.state}{since}"
    if row.state == "resolved" and row.resolved_at is not None:
        head = f"{alert.name}  resolved in Prometheus at {fmt.timestamp(row.resolved_at)}, after the group was deleted"
    if row.target is not None:
        where = f"{key_text(row.target)}   (enter opens it: last push, failure, families; d deletes it)"
    elif row.deleted is not None:
        where = (
            f"{key_text(row.deleted)}, deleted from the gateway; Prometheus resolves the alert at its next evaluation"
        )
    else:
        where = "none on this gateway (an alert about Prometheus's own view of the gateway or the bridge)"
    lines = [
        head,
        f"group       {where}",
        "labels      " + pairs_text((k, v) for k, v in alert.labels if k != "alertname"),
    ]
    key = row.target if row.target is not None else row.deleted
    dropped = [name for name, value in key or () if value == "" and not alert.label(name)]
    if dropped:
        empty = pairs_text(((name, "") for name in dropped), sep=", ")
        lines.append(f"            (Prometheus drops empty labels: the group's {empty} arrives as no label)")
    if alert.value:
        lines.append(f"value       {_number(alert.value)}")
    order = {name: i for i, name in enumerate(("summary", "description", "runbook", "runbook_url"))}
    for name, value in sorted(alert.annotations, key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
        if name != "grouping_key":  # the group line says it better
            lines.append(f"{name:<12}{value}" if len(name) < 12 else f"{name} {value}")
    return "\n".join(lines)


def _number(text: str) -> str:
    try:
        return f"{float(text):g}"
    except ValueError:
        return text
