"""The staleness rules as a Prometheus alerting rule file (pure: a policy and options in, YAML text out).

What `pgwtui rules` prints. The staleness alerts follow the TUI's own order, so Prometheus and
pgwtui agree on which groups are stale:

1. a group that pushes a `*_max_age_seconds` gauge (as `pgw-bridge exec --max-age` does) is
   judged by the smallest such value, by one generic alert; every other alert leaves it alone;
2. each `[[staleness.rules]]` entry is one alert, for the jobs its regex matches and no earlier
   rule does (first match wins; a rule with max age 0 alerts on nothing but still claims its jobs);
3. the default maximum age covers every job no rule claims.

A group that never had a successful push (`push_time_seconds` is 0: only failed pushes reached
it) is not "stale since 1970": it has no age, exactly as in the TUI, and the failed-push alert
covers it. Every alert's labels are the series' labels, i.e. the grouping key (Prometheus drops
the empty `instance=""` the gateway adds), which is how `pgwtui --prometheus` finds the group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from pgwtui.durations import format_duration
from pgwtui.errors import ConfigError
from pgwtui.staleness import StalenessPolicy, StalenessRule

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

MAX_AGE_SERIES = '{__name__=~".+_max_age_seconds"} > 0'
"""Every pushed maximum age (positive values only, as the TUI reads them)."""

GROUPING_KEY = (
    'job="{{ $labels.job }}"{{ range $k, $v := $labels }}'
    '{{ if and (ne $k "job") (ne $k "__name__") }} {{ $k }}="{{ $v }}"{{ end }}{{ end }}'
)
"""Go template: the alert's series labels, `job` first (an absent `instance` means `instance=""`)."""

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_NOT_RE2 = re.compile(r"\(\?[=!]|\(\?<[=!]|\(\?P=|\(\?>|(?<!\\)\\[1-9]")
"""Python regex features RE2 (Prometheus) lacks: lookaround, backreferences, atomic groups."""


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


def check_regex(rule: StalenessRule, where: str) -> None:
    """Refuse a job regex Prometheus cannot run (RE2 has no lookaround or backreferences).

    Raises:
        ConfigError: the regex uses a feature RE2 lacks.

    """
    if _NOT_RE2.search(rule.job):
        raise ConfigError(
            f"{where}: job regex {rule.job!r} uses a feature Prometheus (RE2) does not support "
            "(lookaround, backreference or atomic group)"
        )


def _selector(matchers: Sequence[str]) -> str:
    return "push_time_seconds" + ("{" + ", ".join(matchers) + "}" if matchers else "")


_PGWTUI = "pgwtui --prometheus <this Prometheus> <the gateway>"
_OPEN = f"{_PGWTUI}: a lists the alerts, enter opens the group (last push, last failure, max age, families); "


def _runbook(options: AlertOptions, text: str) -> tuple[tuple[str, str], ...]:
    pairs = [("runbook", text)]
    if options.runbook_url:
        pairs.append(("runbook_url", options.runbook_url))
    return tuple(pairs)


def _labels(options: AlertOptions, *extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return (("severity", options.severity), *extra, *options.labels)


_CLEAN_UP = "d deletes the group once you know its job is gone for good (the alert then resolves)."
_STALE_SUMMARY = "Pushgateway group {{ $labels.job }} is stale: no successful push for {{ $value | humanizeDuration }}"


def _stale(options: AlertOptions, expr: str, rule: str, max_age: str, why: str) -> AlertRule:
    description = (
        f"No successful push to the group {GROUPING_KEY} for {{{{ $value | humanizeDuration }}}}, "
        f"longer than {why}. The gateway keeps serving its last metrics as if they were current: "
        "is the job still running, and still pushing here?"
    )
    return AlertRule(
        alert=ALERT_STALE,
        expr=expr,
        hold=options.hold,
        labels=_labels(options, ("max_age", max_age), ("staleness_rule", rule)),
        annotations=(
            ("summary", _STALE_SUMMARY),
            ("description", description),
            ("grouping_key", GROUPING_KEY),
            *_runbook(options, _OPEN + _CLEAN_UP),
        ),
    )


def staleness_rules(policy: StalenessPolicy, options: AlertOptions) -> list[AlertRule]:
    """One alert per staleness rule with a positive max age, the default, and the pushed-max-age alert.

    Raises:
        ConfigError: a job regex Prometheus cannot run.

    """
    rules: list[AlertRule] = [
        _stale(
            options,
            f"time() - (push_time_seconds > 0) > min without () ({MAX_AGE_SERIES})",
            "pushed *_max_age_seconds",
            "pushed",
            "the maximum age the group pushes itself (its smallest *_max_age_seconds gauge)",
        )
    ]
    unless = f" unless ({MAX_AGE_SERIES})"
    earlier: list[str] = []
    for index, rule in enumerate(policy.rules, 1):
        check_regex(rule, f"staleness rule #{index}")
        exclusions = [f"job!~{promql_string(job)}" for job in dict.fromkeys(earlier) if job != rule.job]
        if rule.job not in earlier and rule.max_age > 0:
            age = promql_duration(rule.max_age)
            selector = _selector([f"job=~{promql_string(rule.job)}", *exclusions])
            rules.append(
                _stale(
                    options,
                    f"time() - ({selector} > 0) > {number(rule.max_age)}{unless}",
                    f"job=~{rule.job}",
                    age,
                    f"{age}, the maximum age of rule #{index} (job=~{rule.job})",
                )
            )
        earlier.append(rule.job)
    if policy.default_max_age > 0:
        age = promql_duration(policy.default_max_age)
        selector = _selector([f"job!~{promql_string(job)}" for job in dict.fromkeys(earlier)])
        rules.append(
            _stale(
                options,
                f"time() - ({selector} > 0) > {number(policy.default_max_age)}{unless}",
                "default",
                age,
                f"{age}, the default maximum age",
            )
        )
    return rules


def push_rules(options: AlertOptions) -> list[AlertRule]:
    """The last push to a group failed; the gateway rejects pushes."""
    window = promql_duration(options.rejected_pushes_window)
    return [
        AlertRule(
            alert=ALERT_PUSH_FAILED,
            expr="push_failure_time_seconds > push_time_seconds",
            hold=options.hold,
            labels=_labels(options),
            annotations=(
                ("summary", "The last push to Pushgateway group {{ $labels.job }} failed"),
                (
                    "description",
                    f"The last push to the group {GROUPING_KEY} was rejected at {{{{ $value | humanizeTimestamp }}}} "
                    "(push_failure_time_seconds > push_time_seconds). The group still serves the metrics of its "
                    "last successful push, or none if it never had one. The pusher's output or the gateway's log "
                    "says why: inconsistent types or labels, timestamps in the body, a body that does not parse.",
                ),
                ("grouping_key", GROUPING_KEY),
                *_runbook(
                    options, _OPEN + "the group shows 'failed' and when; fix the pusher, the next good push clears it."
                ),
            ),
        ),
        AlertRule(
            alert=ALERT_REJECTED,
            expr=(
                'sum by (job, instance) (rate(pushgateway_http_requests_total{code="400",handler="push"}'
                f"[{window}])) > 0"
            ),
            hold=options.hold,
            labels=_labels(options),
            annotations=(
                ("summary", "Pushgateway {{ $labels.instance }} rejects pushes (400)"),
                (
                    "description",
                    f"{{{{ $labels.instance }}}} answered 400 to {{{{ $value | humanize }}}} pushes per second over "
                    f"the last {window}. A body that does not parse touches no group, so only the gateway's log and "
                    "the pushers' output name the culprit; a push the store refuses also marks its group failed.",
                ),
                *_runbook(options, f"{_PGWTUI}: groups marked 'failed' are the ones whose pushes were rejected."),
            ),
        ),
    ]


def exec_rules(options: AlertOptions) -> list[AlertRule]:
    """Jobs run by `pgw-bridge exec`: the last run failed; no success within the pushed max age."""
    clean = _OPEN + "the group's families show pgw_exec_exit_code and the last success time."
    return [
        AlertRule(
            alert=ALERT_EXEC_FAILED,
            expr="pgw_exec_exit_code != 0",
            hold=options.hold,
            labels=_labels(options),
            annotations=(
                ("summary", "Batch job {{ $labels.job }} exited with status {{ $value }}"),
                (
                    "description",
                    f"The last run of the job {GROUPING_KEY} (pgw-bridge exec) exited with status {{{{ $value }}}}. "
                    "The push itself succeeded: only this alert and pgw_exec_last_success_timestamp_seconds show it.",
                ),
                ("grouping_key", GROUPING_KEY),
                *_runbook(options, clean),
            ),
        ),
        AlertRule(
            alert=ALERT_EXEC_NO_SUCCESS,
            expr="time() - pgw_exec_last_success_timestamp_seconds > pgw_exec_max_age_seconds",
            hold=options.hold,
            labels=_labels(options),
            annotations=(
                ("summary", "Batch job {{ $labels.job }} has not succeeded for {{ $value | humanizeDuration }}"),
                (
                    "description",
                    f"The job {GROUPING_KEY} (pgw-bridge exec --max-age) last succeeded {{{{ $value | humanizeDuration }}}} "
                    "ago, longer than the maximum age it pushes (pgw_exec_max_age_seconds); it may still be running "
                    "and failing.",
                ),
                ("grouping_key", GROUPING_KEY),
                *_runbook(options, clean),
            ),
        ),
    ]


def bridge_rules(options: AlertOptions) -> list[AlertRule]:
    """The spool bridge's own health: files waiting too long, files quarantined."""
    backlog = promql_duration(options.bridge_backlog_max_age)
    window = promql_duration(options.bridge_quarantine_window)
    runbook = _runbook(
        options,
        f"{_PGWTUI} shows the groups this bridge feeds going stale; pgw-bridge's log says why; quarantined "
        "files wait in SPOOL/failed/, each with a .error file beside it.",
    )
    return [
        AlertRule(
            alert=ALERT_BRIDGE_BACKLOG,
            expr=f"pgw_bridge_spool_oldest_pending_age_seconds > {number(options.bridge_backlog_max_age)}",
            hold=options.hold,
            labels=_labels(options),
            annotations=(
                (
                    "summary",
                    "pgw-bridge {{ $labels.instance }} has spool files waiting for {{ $value | humanizeDuration }}",
                ),
                (
                    "description",
                    f"The oldest file in the spool of {{{{ $labels.instance }}}} has waited longer than {backlog}: the "
                    "gateway is unreachable or answers 5xx/429, and the bridge keeps retrying. Nothing is lost, "
                    "but the groups it feeds are going stale.",
                ),
                *runbook,
            ),
        ),
        AlertRule(
            alert=ALERT_BRIDGE_QUARANTINE,
            expr=(f"sum by (job, instance, reason) (increase(pgw_bridge_spool_files_failed_total[{window}])) > 0"),
            hold=options.hold,
            labels=_labels(options),
            annotations=(
                ("summary", "pgw-bridge {{ $labels.instance }} quarantined spool files ({{ $labels.reason }})"),
                (
                    "description",
                    f"{{{{ $value | humanize }}}} spool file(s) moved to failed/ in the last {window}, reason "
                    "{{ $labels.reason }}: they were never pushed, and the groups they were meant for did not change.",
                ),
                *runbook,
            ),
        ),
    ]


def rule_groups(policy: StalenessPolicy, options: AlertOptions) -> list[RuleGroup]:
    """Every rule group `pgwtui rules` writes.

    Raises:
        ConfigError: a job regex Prometheus cannot run.

    """
    return [
        RuleGroup("pgwtui-pushgateway-staleness", tuple(staleness_rules(policy, options))),
        RuleGroup("pgwtui-pushgateway", tuple(push_rules(options))),
        RuleGroup("pgwtui-pgw-exec", tuple(exec_rules(options))),
        RuleGroup("pgwtui-pgw-bridge", tuple(bridge_rules(options))),
    ]


def as_document(groups: Sequence[RuleGroup]) -> dict[str, object]:
    """The rule file as plain data (what `yaml` dumps)."""
    return {
        "groups": [
            {
                "name": group.name,
                "rules": [
                    {
                        "alert": rule.alert,
                        "expr": rule.expr,
                        "for": promql_duration(rule.hold),
                        "labels": dict(rule.labels),
                        "annotations": dict(rule.annotations),
                    }
                    for rule in group.rules
                ],
            }
            for group in groups
        ]
    }


def render(policy: StalenessPolicy, options: AlertOptions, source: str, version: str = "") -> str:
    """The whole rule file, with a header saying where it came from.

    Raises:
        ConfigError: a job regex Prometheus cannot run.

    """
    body = yaml.safe_dump(
        as_document(rule_groups(policy, options)),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=10_000,
    )
    lines = [
        f"# Prometheus alerting rules generated by `pgwtui rules`{f' {version}' if version else ''} from {source}.",
        "# Regenerate after changing the staleness rules instead of editing this file; docs/alerts.md explains",
        "# each alert. Scrape the Pushgateway with `honor_labels: true` so the alerts carry the grouping key.",
    ]
    return "\n".join(lines) + "\n" + body
