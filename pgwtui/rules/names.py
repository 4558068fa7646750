"""Alert rule building blocks (pure): alert names, the `[alerts]` options, rule values, PromQL quoting, runbooks."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pgwtui.durations import format_duration

ALERT_STALE = "PushgatewayGroupStale"
ALERT_PUSH_FAILED = "PushgatewayPushFailed"
ALERT_REJECTED = "PushgatewayPushesRejected"
ALERT_EXEC_FAILED = "PgwExecFailed"
ALERT_EXEC_NO_SUCCESS = "PgwExecNoRecentSuccess"
ALERT_BRIDGE_BACKLOG = "PushBridgeBacklog"
ALERT_BRIDGE_QUARANTINE = "PushBridgeQuarantine"
ALERT_NAMES = frozenset(
    {
        ALERT_STALE,
        ALERT_PUSH_FAILED,
        ALERT_REJECTED,
        ALERT_EXEC_FAILED,
        ALERT_EXEC_NO_SUCCESS,
        ALERT_BRIDGE_BACKLOG,
        ALERT_BRIDGE_QUARANTINE,
    }
)
"""Every alert name `pgwtui rules` generates (the TUI lists these even when they match no group)."""

GROUPING_KEY = (
    'job="{{ $labels.job }}"{{ range $k, $v := $labels }}'
    '{{ if and (ne $k "job") (ne $k "__name__") }} {{ $k }}="{{ $v }}"{{ end }}{{ end }}'
)
"""Go template: the alert's series labels, `job` first (an absent `instance` means `instance=""`)."""


@dataclass(frozen=True, slots=True)
class AlertOptions:
    """The `[alerts]` table: how long conditions must hold, labels, and the non-staleness thresholds."""

    hold: float = 300.0
    """`for:` of every alert, seconds (`for = "5m"` in the config)."""
    severity: str = "warning"
    labels: tuple[tuple[str, str], ...] = ()
    """Extra static labels on every alert (routing: team, …)."""
    rejected_pushes_window: float = 300.0
    bridge_backlog_max_age: float = 600.0
    bridge_quarantine_window: float = 3600.0
    runbook_url: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One alerting rule."""

    alert: str
    expr: str
    hold: float
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """A named group of rules (Prometheus evaluates a group's rules in order)."""

    name: str
    rules: tuple[AlertRule, ...]


def promql_string(value: str) -> str:
    """Quote a value for PromQL (Go string syntax; JSON escapes are a subset of it)."""
    return json.dumps(value, ensure_ascii=False)


def promql_duration(seconds: float) -> str:
    """`5m`, `1h30m`, `26h`, `1s`, `500ms`: a duration PromQL and `for:` accept."""
    if seconds <= 0:
        return "0s"
    if seconds != int(seconds):
        return f"{round(seconds * 1000)}ms"
    whole = int(seconds)
    if whole % 86400 == 0:
        return f"{whole // 86400}d"
    return format_duration(whole)


def number(value: float) -> str:
    """A PromQL number literal."""
    return str(int(value)) if value == int(value) else repr(value)


PGWTUI = "pgwtui --prometheus <this Prometheus> <the gateway>"
OPEN_GROUP = f"{PGWTUI}: a lists the alerts, enter opens the group (last push, last failure, max age, families); "


def runbook(options: AlertOptions, text: str) -> tuple[tuple[str, str], ...]:
    """The `runbook` annotation (and `runbook_url` when configured)."""
    pairs = [("runbook", text)]
    if options.runbook_url:
        pairs.append(("runbook_url", options.runbook_url))
    return tuple(pairs)


def labels(options: AlertOptions, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """`severity`, the rule's own labels, then the configured extra labels."""
    return (("severity", options.severity), *extra, *options.labels)
