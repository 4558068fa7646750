"""The groups view's cadence column (pure): pushes per bucket over the last 24 h, for the rows on screen, cached.

Only the groups on screen are asked for, one range query per screenful, and each answer is kept
for CADENCE_TTL; what is not known yet draws as `…`. When Prometheus cannot be read, the column
says why once (in the first row on screen) and is not asked again for CADENCE_RETRY.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.ranges import RangeQuery, RangeSeries, cadence_query, owners

CADENCE_WINDOW = 86400.0
CADENCE_BUCKETS = 12
"""Twelve buckets of two hours: a job that pushes every 6 h draws as a comb of four teeth."""
CADENCE_TTL = 120.0
"""How long a group's cadence is kept before it is asked for again (its last bucket is still filling)."""
CADENCE_RETRY = 30.0
"""After a failure, how long before Prometheus is asked again."""
CADENCE_KEEP = 4096
"""At most this many groups' cadences are kept (the oldest answers go first)."""
BARS = "▁▂▃▄▅▆▇█"
WIDTH = CADENCE_BUCKETS + 5


@dataclass(frozen=True, slots=True)
class Cadence:
    """A group's pushes per bucket, oldest first (None: Prometheus has no series for it)."""

    counts: tuple[int, ...] | None
    fetched_at: float

    @property
    def total(self) -> int:
        """Pushes in the whole window."""
        return sum(self.counts) if self.counts is not None else 0


@dataclass(frozen=True, slots=True)
class Cadences:
    """What the column knows: each group's cadence, and the last failure reading Prometheus."""

    by_key: Mapping[GroupKey, Cadence] = field(default_factory=dict)
    error: str | None = None
    reason: str = ""
    """The error in a word or two (`PrometheusError.short`), for the one cell that says why."""
    failed_at: float = 0.0

    def missing(self, keys: Iterable[GroupKey], now: float) -> list[GroupKey]:
        """The keys to ask for: never asked, or asked too long ago (none while Prometheus is failing)."""
        if self.error is not None and now - self.failed_at < CADENCE_RETRY:
            return []
        by_key = self.by_key
        return [k for k in keys if (c := by_key.get(k)) is None or now - c.fetched_at > CADENCE_TTL]

    def loaded(self, found: Mapping[GroupKey, tuple[int, ...]], asked: Iterable[GroupKey], now: float) -> Cadences:
        """With a new answer: the groups asked for and not in it have no series."""
        by_key = dict(self.by_key)
        for key in asked:
            by_key.pop(key, None)  # re-inserted last: the newest answers are the last to go
            by_key[key] = Cadence(found.get(key), now)
        if len(by_key) > CADENCE_KEEP:
            by_key = dict(list(by_key.items())[-CADENCE_KEEP:])
        return Cadences(by_key)

    def failed(self, error: str, reason: str, now: float) -> Cadences:
        """After a failed read: the cadences known stay, the column says why."""
        return Cadences(self.by_key, error, reason, now)


NO_CADENCES = Cadences()


def changed_on_screen(old: Cadences, new: Cadences, on_screen: Iterable[GroupKey]) -> bool:
    """Whether new cadences change what the rows on screen show: a cell, or the column's reason.

    An answer often lands after the rows it was asked for have scrolled away; then there is
    nothing to repaint (it is kept for when they come back).
    """
    if (old.error, old.reason) != (new.error, new.reason):
        return True
    before, after = old.by_key, new.by_key
    return any(before.get(key) is not after.get(key) for key in on_screen)


def window(now: float) -> tuple[float, float, float]:
    """(start, end, step) of the column's query: the last bucket ends now."""
    step = CADENCE_WINDOW / CADENCE_BUCKETS
    return now - CADENCE_WINDOW + step, now, step


def query(keys: Sequence[GroupKey], now: float) -> RangeQuery:
    """The one range query for a screenful of groups."""
    start, end, step = window(now)
    return cadence_query(keys, start, end, step)


def counts_of(
    answer: Iterable[RangeSeries], asked: Sequence[GroupKey], candidates: Mapping[str, Sequence[GroupKey]], now: float
) -> dict[GroupKey, tuple[int, ...]]:
    """Pushes per bucket for each asked group found in the answer (a series goes to its most specific group)."""
    start, _end, step = window(now)
    wanted = set(asked)
    found: dict[GroupKey, list[int]] = {}
    for series in answer:
        for key in owners(series, candidates):
            if key not in wanted:
                continue
            buckets = found.setdefault(key, [0] * CADENCE_BUCKETS)
            for t, value in series.points:
                index = round((t - start) / step)
                if 0 <= index < CADENCE_BUCKETS:
                    buckets[index] = max(buckets[index], int(value))
    return {key: tuple(buckets) for key, buckets in found.items()}


def bars(counts: Sequence[int]) -> str:
    """One character per bucket, scaled to the busiest bucket: `▁` none, `█` the most."""
    top = max(counts, default=0)
    if top <= 0:
        return BARS[0] * len(counts)
    return "".join(BARS[0] if n <= 0 else BARS[max(1, round(n / top * (len(BARS) - 1)))] for n in counts)


def cell(cadence: Cadence | None, cadences: Cadences, first_on_screen: bool) -> str:
    """The column's text for one row: the bars and the total; why not, once, when Prometheus failed."""
    if cadence is None:
        if cadences.error is not None:
            return cadences.reason if first_on_screen else ""
        return "…"
    if cadence.counts is None:
        return "no series"
    return f"{bars(cadence.counts)} {cadence.total:>4}"
