"""A group's push history (pure): Prometheus's range answers → pushes, failures and firing spans, and what they say.

What a scrape saw is all Prometheus knows: each distinct value of `push_time_seconds` is the exact
time of a push that lived until a scrape, and its changes within a step count every push the
scrapes saw, those replaced before the next step too. When no step holds more than one push, the
pushes are known to the second and the intervals are exact; when the job pushes faster than a
step, the usual interval is estimated from the rate over the steps that had pushes. The chart itself is `pgwtui.views.history_chart`; the widget only draws.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.ranges import RangeQuery, RangeSeries, history_queries, owned_by
from pgwtui.durations import format_age, format_duration
from pgwtui.rules.names import promql_string
from pgwtui.staleness import Threshold

POINTS = 360
"""Steps per range: 10 s over 1 h, 4 min over 24 h, 28 min over 7 d, 2 h over 30 d."""
LONG_GAP = 2.0
"""A gap between pushes is longer than usual past this many usual intervals (one run missed)."""
TIGHT = 1.5
LOOSE = 20.0
"""A maximum age under TIGHT usual intervals is tight; over LOOSE it flags a stopped job late."""

When = Callable[[float], str]
"""Writes a moment (`CellFormatter.timestamp` or the like)."""


@dataclass(frozen=True, slots=True)
class HistoryRange:
    """A time range of the chart, and the key that picks it."""

    name: str
    seconds: float
    key: str


RANGES = (
    HistoryRange("1h", 3600.0, "1"),
    HistoryRange("24h", 86400.0, "2"),
    HistoryRange("7d", 7 * 86400.0, "3"),
    HistoryRange("30d", 30 * 86400.0, "4"),
)
DEFAULT_RANGE = RANGES[1]


def history_range(name: str) -> HistoryRange:
    """The range called `name` (`1h`, `24h`, `7d`, `30d`).

    Raises:
        KeyError: no such range.

    """
    for candidate in RANGES:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def title(range_name: str) -> str:
    """The section's title: the range shown, and the keys of the others."""
    keys = "  ".join(f"{r.key} {r.name}" for r in RANGES)
    return f"HISTORY · last {range_name}   ({keys})"


@dataclass(frozen=True, slots=True)
class Window:
    """Where a range sits in time at one instant: Prometheus evaluates at start, start + step, … end."""

    start: float
    end: float
    step: float

    @classmethod
    def ending(cls, span: HistoryRange, now: float) -> Window:
        """The range's window ending now."""
        return cls(now - span.seconds, now, span.seconds / POINTS)

    def queries(self, key: GroupKey) -> dict[str, RangeQuery]:
        """The range queries of the chart (`pgwtui.alerts.ranges.history_queries`)."""
        return history_queries(key, self.start, self.end, self.step)


@dataclass(frozen=True, slots=True)
class Span:
    """An alert firing from `start` to `end` (the first and last step it was seen firing)."""

    name: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class History:
    """What Prometheus holds about one group over one range."""

    key: GroupKey
    span: HistoryRange
    window: Window
    fetched_at: float
    pushed: tuple[tuple[float, float], ...] = ()
    """(step, push_time_seconds then): the last successful push as of each step (0: never)."""
    pushes: tuple[tuple[float, float], ...] = ()
    """(step, changes of push_time_seconds within it)."""
    failed: tuple[tuple[float, float], ...] = ()
    failures: tuple[tuple[float, float], ...] = ()
    firing: tuple[Span, ...] = ()

    @property
    def found(self) -> bool:
        """Whether Prometheus has the group's push_time_seconds in this range at all."""
        return bool(self.pushed)


def assemble(
    key: GroupKey,
    span: HistoryRange,
    window: Window,
    answers: Mapping[str, Sequence[RangeSeries]],
    candidates: Mapping[str, Sequence[GroupKey]],
    fetched_at: float,
) -> History:
    """The history from the answers to `Window.queries`, keeping only this group's series (`candidates`: keys by job)."""

    def own(name: str) -> list[RangeSeries]:
        return owned_by(key, answers.get(name, ()), candidates)

    return History(
        key,
        span,
        window,
        fetched_at,
        pushed=_merged(own("pushed")),
        pushes=_merged(own("pushes")),
        failed=_merged(own("failed")),
        failures=_merged(own("failures")),
        firing=_spans(own("firing"), window.step),
    )


def _merged(series: Iterable[RangeSeries]) -> tuple[tuple[float, float], ...]:
    # Two series of one group (two scrape jobs of one gateway) say the same: the larger value wins.
    points: dict[float, float] = {}
    for one in series:
        for t, v in one.points:
            points[t] = max(v, points.get(t, v))
    return tuple(sorted(points.items()))


def _spans(series: Iterable[RangeSeries], step: float) -> tuple[Span, ...]:
    spans = []
    for one in series:
        name = one.label("alertname")
        start = previous = None
        for t, _value in one.points:
            if start is None or previous is None or t - previous > step * 1.5:
                if start is not None and previous is not None:
                    spans.append(Span(name, start, previous))
                start = t
            previous = t
        if start is not None and previous is not None:
            spans.append(Span(name, start, previous))
    return tuple(sorted(spans, key=lambda s: (s.start, s.name)))


# ----------------------------------------------------------------- pushes and intervals
def event_times(samples: Iterable[tuple[float, float]]) -> list[float]:
    """The distinct times a series of `push_time_seconds` (or failure) samples holds, oldest first (0: never)."""
    return sorted({v for _t, v in samples if v > 0})


def per_step(changes: Sequence[tuple[float, float]]) -> list[int]:
    """Events in each step, as Prometheus counted them (`pgwtui.alerts.ranges.changes_in_step`)."""
    return [max(0, int(n)) for _t, n in changes]


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch without a successful push."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        """Its length."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Cadence:
    """How a group pushes over a range: how often, how regularly, since when not."""

    pushes: int
    """Successful pushes in the range (as scrapes saw them)."""
    usual: float | None
    """The median interval between pushes (None: fewer than three pushes)."""
    exact: bool
    """Whether every push is known to the second (else the job pushes faster than a step)."""
    last_long_gap: Gap | None
    """The most recent gap longer than LONG_GAP usual intervals, the current one included."""
    ongoing: bool = False
    """Whether that gap is the current one (no push since it began)."""


def cadence(history: History, last_push: float | None, now: float) -> Cadence:
    """The push cadence of a group over its history; `last_push` is the gateway's own (newer than the last step)."""
    step = history.window.step
    counts = per_step(history.pushes)
    # The step at the window's start counts the pushes of the step before it.
    total = sum(n for (t, _v), n in zip(history.pushes, counts, strict=True) if t > history.window.start)
    times = event_times(history.pushed)
    if last_push is not None and (not times or last_push > times[-1]):
        times.append(last_push)
    exact = all(n <= 1 for n in counts)
    if exact:
        intervals = [b - a for a, b in pairwise(times)]
        usual = statistics.median(intervals) if len(intervals) >= 2 else None
        moments = times
        total = sum(1 for t in times if t > history.window.start)
    else:
        active = [t for (t, _v), n in zip(history.pushes, counts, strict=True) if n]
        usual = len(active) * step / total if total else None
        moments = active
    gap = None
    ongoing = False
    if usual is not None:
        long = max(LONG_GAP * usual, usual + step)
        for a, b in pairwise(moments):
            if b - a > long:
                gap = Gap(a, b)
        if moments and now - moments[-1] > long:
            gap, ongoing = Gap(moments[-1], now), True
    return Cadence(total, usual, exact, gap, ongoing)


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
