"""The top of the help page (pure): where we are, what statuses, rules, the filter and alerts mean."""

from __future__ import annotations

from pgwtui import __version__
from pgwtui.config import Settings
from pgwtui.durations import format_duration


def about_lines(settings: Settings, gateway_url: str, gateway: str, prometheus_url: str | None) -> list[str]:
    """Describe the connection, the statuses, the staleness rules, the filter, marks, deletes and alerts."""
    policy = settings.policy
    rules = [f"    {i}. job=~{r.job} → {format_duration(r.max_age)}" for i, r in enumerate(policy.rules, 2)]
    default = format_duration(policy.default_max_age) if policy.default_max_age > 0 else "none (never stale)"
    config = str(settings.config_path) if settings.config_path else "none (built-in defaults)"
    alerts = (
        [
            f"ALERTS  read from {prometheus_url} (/api/v1/alerts) on every refresh. An alert is about a group when",
            '  every grouping label equals the alert\'s label (an absent label counts as "", as Prometheus drops',
            "  empty labels); a shows them all, enter opens the alert's group. After a delete pgwtui watches the",
            "  group's alerts until Prometheus resolves them. `pgwtui rules` writes matching alerting rules.",
        ]
        if prometheus_url
        else ["ALERTS  none: start with --prometheus URL (or prometheus = … in the config) to see them here."]
    )
    return [
        f"pgwtui {__version__}: browse, triage and clean up a Prometheus Pushgateway.",
        f"Gateway   {gateway_url}  ({gateway}){'  READ-ONLY' if settings.read_only else ''}",
        f"Config    {config}",
        "",
        "STATUS",
        "  ok                the last push succeeded, within the group's maximum age",
        "  failed            the last push was rejected (push_failure_time_seconds > push_time_seconds)",
        "  stale >AGE        no successful push for longer than the group's maximum age",
        "",
        "MAXIMUM AGE (first match wins)",
        "    1. the group pushes a *_max_age_seconds gauge (pgw-bridge exec --max-age does)",
        *rules,
        f"    {len(rules) + 2}. default: {default}",
        "",
        "FILTER  (/)",
        '  a case-insensitive regex over the grouping labels as shown: job=backup, instance="",',
        "  host-0[1-3]; a leading ! keeps the groups that do NOT match. Enter keeps it, esc clears it.",
        "",
        "MARKS   space marks a group, m marks every stale group shown, D deletes all marked (one confirmation).",
        "DELETES every label value goes @base64 in the URL, so empty values and / work; the view re-reads after.",
        "",
        *alerts,
    ]
