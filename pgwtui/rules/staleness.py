"""Staleness rules as PromQL (pure): one PushgatewayGroupStale alert per rule, in the TUI's own order.

The staleness alerts follow the order `pgwtui.staleness` applies, so Prometheus and pgwtui
agree on which groups are stale:

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

import re
from collections.abc import Sequence

from pgwtui.errors import ConfigError
from pgwtui.rules.names import (
    ALERT_STALE,
    GROUPING_KEY,
    OPEN_GROUP,
    AlertOptions,
    AlertRule,
    labels,
    number,
    promql_duration,
    promql_string,
    runbook,
)
from pgwtui.staleness import StalenessPolicy, StalenessRule

MAX_AGE_SERIES = '{__name__=~".+_max_age_seconds"} > 0'
"""Every pushed maximum age (positive values only, as the TUI reads them)."""
_NOT_RE2 = re.compile(r"\(\?[=!]|\(\?<[=!]|\(\?P=|\(\?>|(?<!\\)\\[1-9]")
"""Python regex features RE2 (Prometheus) lacks: lookaround, backreferences, atomic groups."""


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
        labels=labels(options, ("max_age", max_age), ("staleness_rule", rule)),
        annotations=(
            ("summary", _STALE_SUMMARY),
            ("description", description),
            ("grouping_key", GROUPING_KEY),
            *runbook(options, OPEN_GROUP + _CLEAN_UP),
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
    # First match wins: each rule's alert excludes the jobs every earlier rule claims (even one
    # with max age 0, which alerts on nothing), and the default excludes them all. A regex that
    # repeats an earlier one claims nothing new, so it gets no alert of its own.
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
