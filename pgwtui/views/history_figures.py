"""What a group's history says (pure): the figures beside the chart, and whether the rule fits the cadence.

The figures are read from a `pgwtui.views.history.History` and the gateway's own last push: how
often the job pushes, its last long gap, its failures and alerts, the maximum age that applies,
and a hint (with the rule to write) when that maximum age does not suit the observed cadence.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from pgwtui.durations import format_age, format_duration
from pgwtui.rules.names import promql_string
from pgwtui.staleness import Threshold
from pgwtui.views.history import History, cadence, event_times

TIGHT = 1.5
LOOSE = 20.0
"""A maximum age under TIGHT usual intervals is tight; over LOOSE it flags a stopped job late."""

When = Callable[[float], str]
"""Writes a moment (`CellFormatter.timestamp` or the like)."""


# ----------------------------------------------------------------- does the rule fit the cadence
@dataclass(frozen=True, slots=True)
class Fit:
    """Whether a group's maximum age suits how often it pushes; `hint` is set when it does not."""

    text: str
    hint: bool = False
    suggested: float | None = None


def suggest(usual: float) -> float:
    """A maximum age that tolerates one missed push (twice the usual interval), rounded up to a round figure."""
    target = 2 * usual
    for unit, limit in ((10.0, 120.0), (300.0, 7200.0), (3600.0, 2 * 86400.0)):
        if target <= limit:
            return math.ceil(target / unit) * unit
    return math.ceil(target / 86400.0) * 86400.0


def fit(threshold: Threshold | None, usual: float | None, range_name: str) -> Fit:
    """Judge the maximum age that applies against the usual interval between pushes."""
    if usual is None:
        return Fit(f"too few pushes in {range_name} to judge the rule (a longer range may show more: 3, 4)")
    every = format_duration(usual)
    if threshold is None:
        return Fit(
            f"no maximum age applies: if the job stops, nothing says so; it pushes every ~{every}",
            hint=True,
            suggested=suggest(usual),
        )
    ratio = threshold.seconds / usual
    age = format_duration(threshold.seconds)
    if ratio < 1:
        stale = format_duration(usual - threshold.seconds)
        return Fit(
            f"the job pushes every ~{every} but the maximum age is {age}: the group goes stale "
            f"between pushes ({stale} of every {every})",
            hint=True,
            suggested=suggest(usual),
        )
    if ratio < TIGHT:
        text = f"tight: {age} is {ratio:.1f}× the usual ~{every}; a push a little late makes it stale"
        return Fit(text, hint=True, suggested=suggest(usual))
    if ratio > LOOSE:
        return Fit(
            f"loose: {age} is {ratio:.0f}× the usual ~{every}; a stopped job is flagged only after {age}",
            hint=True,
            suggested=suggest(usual),
        )
    return Fit(f"fits: {age} is {ratio:.1f}× the usual interval (~{every})")


def advice(threshold: Threshold | None, suggested: float, job: str) -> str:
    """Where to change the maximum age: the job's own pushed gauge, or a `[[staleness.rules]]` entry."""
    age = format_duration(suggested)
    if threshold is not None and threshold.source.startswith("pushed "):
        name = threshold.source.removeprefix("pushed ")
        return f"the job pushes its own maximum age ({name}): about {age} fits (pgw-bridge exec --max-age {age})"
    return (
        f'about {age} fits: a [[staleness.rules]] entry with job = {promql_string(_anchored(job))}, max_age = "{age}"'
    )


def _anchored(job: str) -> str:
    # The rule's regex must match the whole job: escape what a regex would read.
    return "".join("\\" + c if c in r".^$*+?()[]{}|\\" else c for c in job)


# ----------------------------------------------------------------- the figures beside the chart
@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the figures: a label and its text; `hint` lines are drawn as warnings."""

    label: str
    text: str
    hint: bool = False


def figures(
    history: History, threshold: Threshold | None, last_push: float | None, now: float, when: When
) -> list[Figure]:
    """The derived figures an on-call engineer reads beside the chart.

    Args:
        history: what Prometheus holds over the range.
        threshold: the maximum age that applies to the group (`StalenessPolicy.threshold`).
        last_push: the gateway's last successful push of the group (None: never).
        now: the instant the figures are for.
        when: formats a moment (`CellFormatter.timestamp` or the like).

    """
    name = history.span.name
    job = dict(history.key).get("job", "")
    if not history.found:
        return [
            Figure(
                "History",
                f"Prometheus has no push_time_seconds for this group in the last {name} "
                "(does it scrape this gateway, with honor_labels: true?)",
                hint=True,
            )
        ]
    seen = cadence(history, last_push, now)
    how = "" if seen.exact else " (faster than a step: estimated from the rate)"
    usual = f"usual interval ~{format_duration(seen.usual)}{how}" if seen.usual is not None else "no usual interval yet"
    failures = len([t for t in event_times(history.failed) if t > history.window.start])
    lines = [
        Figure("Pushes", f"{seen.pushes} in {name}, {usual}"),
        Figure("Last success", f"{format_age(now - last_push)} ago" if last_push is not None else "never"),
    ]
    if seen.last_long_gap is not None:
        gap = seen.last_long_gap
        until = "now (no push since)" if seen.ongoing else when(gap.end)
        lines.append(Figure("Long gap", f"{format_age(gap.seconds)}: {when(gap.start)} → {until}", hint=seen.ongoing))
    elif seen.usual is not None:
        lines.append(Figure("Long gap", f"none in {name}"))
    lines.append(Figure("Failures", f"{failures} in {name}" if failures else f"none in {name}", hint=failures > 0))
    if history.firing:
        last = history.firing[-1]
        window = history.window
        since = f"since before {when(window.start)}" if last.start <= window.start + window.step else when(last.start)
        now_or_then = "firing now" if last.end >= window.end - 1.5 * window.step else f"the last {since}"
        if now_or_then == "firing now":
            now_or_then += f", {since}" if since.startswith("since") else f", since {since}"
        spans = f"{len(history.firing)} span{'s' if len(history.firing) > 1 else ''}"
        lines.append(Figure("Alerts", f"{spans} in {name}; {now_or_then}", hint=True))
    lines.append(Figure("Rule", threshold.text if threshold is not None else "none (never stale)"))
    verdict = fit(threshold, seen.usual, name)
    lines.append(Figure("Fit", verdict.text, verdict.hint))
    if verdict.suggested is not None:
        lines.append(Figure("", advice(threshold, verdict.suggested, job), True))
    return lines
