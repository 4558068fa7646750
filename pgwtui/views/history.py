"""A group's push history (pure): Prometheus's range answers → pushes, failures and firing spans, and what they say.

What a scrape saw is all Prometheus knows: each distinct value of `push_time_seconds` is the exact
time of a push that lived until a scrape, and its changes within a step count every push the
scrapes saw, those replaced before the next step too. When no step holds more than one push, the
pushes are known to the second and the intervals are exact; when the job pushes faster than a
step, the usual interval is estimated from the rate over the steps that had pushes. What the
figures say about it (and whether the rule fits) is `pgwtui.views.history_figures`; the chart is
`pgwtui.views.history_chart`; the widget only draws.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.ranges import RangeQuery, RangeSeries, history_queries, owned_by

POINTS = 360
"""Steps per range: 10 s over 1 h, 4 min over 24 h, 28 min over 7 d, 2 h over 30 d."""
LONG_GAP = 2.0
"""A gap between pushes is longer than usual past this many usual intervals (one run missed)."""


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
