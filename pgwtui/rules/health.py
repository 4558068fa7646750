"""The alerts besides staleness (pure): failed and rejected pushes, `pgw-bridge exec` jobs, the bridge's health."""

from __future__ import annotations

from pgwtui.rules.names import (
    ALERT_BRIDGE_BACKLOG,
    ALERT_BRIDGE_QUARANTINE,
    ALERT_EXEC_FAILED,
    ALERT_EXEC_NO_SUCCESS,
    ALERT_PUSH_FAILED,
    ALERT_REJECTED,
    GROUPING_KEY,
    OPEN_GROUP,
    PGWTUI,
    AlertOptions,
    AlertRule,
    labels,
    number,
    promql_duration,
    runbook,
)


def push_rules(options: AlertOptions) -> list[AlertRule]:
    """The last push to a group failed; the gateway rejects pushes."""
    window = promql_duration(options.rejected_pushes_window)
    return [
        AlertRule(
            alert=ALERT_PUSH_FAILED,
            expr="push_failure_time_seconds > push_time_seconds",
            hold=options.hold,
            labels=labels(options),
            annotations=(
                ("summary", "The last push to Pushgateway group {{ $labels.job }} failed"),
                (
                    "description",
                    f"The last push to the group {GROUPING_KEY} was rejected at {{{{ $value | humanizeTimestamp }}}} "
                    "(push_failure_time_seconds > push_time_seconds). The group still serves the metrics of its "
                    "last successful push, or none if it never had one. The pusher's output or the gateway's log "
                    "says why: types or labels inconsistent with other groups, duplicate series, timestamps in the "
                    "body (a body that does not parse never reaches the group: see PushgatewayPushesRejected).",
                ),
                ("grouping_key", GROUPING_KEY),
                *runbook(
                    options,
                    OPEN_GROUP + "the group shows 'failed' and when; fix the pusher, the next good push clears it.",
                ),
            ),
        ),
        AlertRule(
            alert=ALERT_REJECTED,
            expr=rejected_pushes_expr(window),
            hold=0.0,
            labels=labels(options),
            annotations=(
                ("summary", "Pushgateway {{ $labels.instance }} rejects pushes (400)"),
                (
                    "description",
                    f"{{{{ $labels.instance }}}} answered 400 to about {{{{ $value | humanize }}}} push(es) in the "
                    f"last {window}. A body that does not parse touches no group, so only the gateway's log and "
                    "the pushers' output name the culprit; a push the store refuses also marks its group failed.",
                ),
                *runbook(options, f"{PGWTUI}: groups marked 'failed' are the ones whose pushes were rejected."),
            ),
        ),
    ]


def rejected_pushes_expr(window: str) -> str:
    """Pushes answered 400 within `window`, the first one included.

    The `code="400"` counter comes into being at 1 with the first rejected push, and `increase()`
    cannot see a rise it did not watch; a series that is new within the window counts in full.
    An event alert: it fires at once (no `for:`) and clears a window after the last rejection,
    so a nightly job's single rejected push is not lost to the hold time.
    """
    counter = 'pushgateway_http_requests_total{code="400",handler="push"}'
    return f"sum by (job, instance) (({counter} unless {counter} offset {window}) or increase({counter}[{window}])) > 0"


def exec_rules(options: AlertOptions) -> list[AlertRule]:
    """Jobs run by `pgw-bridge exec`: the last run failed; no success within the pushed max age."""
    clean = OPEN_GROUP + "the group's families show pgw_exec_exit_code and the last success time."
    return [
        AlertRule(
            alert=ALERT_EXEC_FAILED,
            expr="pgw_exec_exit_code != 0",
            hold=options.hold,
            labels=labels(options),
            annotations=(
                ("summary", "Batch job {{ $labels.job }} exited with status {{ $value }}"),
                (
                    "description",
                    f"The last run of the job {GROUPING_KEY} (pgw-bridge exec) exited with status {{{{ $value }}}}. "
                    "The push itself succeeded: only this alert and pgw_exec_last_success_timestamp_seconds show it.",
                ),
                ("grouping_key", GROUPING_KEY),
                *runbook(options, clean),
            ),
        ),
        AlertRule(
            alert=ALERT_EXEC_NO_SUCCESS,
            expr="time() - pgw_exec_last_success_timestamp_seconds > pgw_exec_max_age_seconds",
            hold=options.hold,
            labels=labels(options),
            annotations=(
                ("summary", "Batch job {{ $labels.job }} has not succeeded for {{ $value | humanizeDuration }}"),
                (
                    "description",
                    f"The job {GROUPING_KEY} (pgw-bridge exec --max-age) last succeeded {{{{ $value | humanizeDuration }}}} "
                    "ago, longer than the maximum age it pushes (pgw_exec_max_age_seconds); it may still be running "
                    "and failing.",
                ),
                ("grouping_key", GROUPING_KEY),
                *runbook(options, clean),
            ),
        ),
    ]


def bridge_rules(options: AlertOptions) -> list[AlertRule]:
    """The spool bridge's own health: files waiting too long, files quarantined."""
    backlog = promql_duration(options.bridge_backlog_max_age)
    window = promql_duration(options.bridge_quarantine_window)
    bridge_runbook = runbook(
        options,
        f"{PGWTUI} shows the groups this bridge feeds going stale; pgw-bridge's log says why; quarantined "
        "files wait in SPOOL/failed/, each with a .error file beside it.",
    )
    return [
        AlertRule(
            alert=ALERT_BRIDGE_BACKLOG,
            expr=f"pgw_bridge_spool_oldest_pending_age_seconds > {number(options.bridge_backlog_max_age)}",
            hold=options.hold,
            labels=labels(options),
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
                *bridge_runbook,
            ),
        ),
        AlertRule(
            alert=ALERT_BRIDGE_QUARANTINE,
            expr=(f"sum by (job, instance, reason) (increase(pgw_bridge_spool_files_failed_total[{window}])) > 0"),
            hold=0.0,  # an event: fires at once, clears a window after the last quarantined file
            labels=labels(options),
            annotations=(
                ("summary", "pgw-bridge {{ $labels.instance }} quarantined spool files ({{ $labels.reason }})"),
                (
                    "description",
                    f"{{{{ $value | humanize }}}} spool file(s) moved to failed/ in the last {window}, reason "
                    "{{ $labels.reason }}: they were never pushed, and the groups they were meant for did not change.",
                ),
                *bridge_runbook,
            ),
        ),
    ]
