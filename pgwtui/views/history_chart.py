"""The history chart as data (pure): the age of the last successful push over time, against the maximum age.

The line is a sawtooth: it climbs while nobody pushes and drops to zero at each push, so a
group is stale wherever it is above the maximum-age line. Pushes are marks on the baseline,
failed pushes marks on the line where they happened, firing alerts a band along the top. The
widget (`pgwtui.widgets.history`) hands this to plotext and draws nothing of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from pgwtui.durations import format_duration
from pgwtui.views.history import History, event_times

MAX_SAWTOOTH_PUSHES = 720
"""Past this many pushes in the range the line follows the steps instead of every push (plotext stays quick)."""
_NICE = (
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    10800,
    21600,
    43200,
    86400,
    172800,
    604800,
    1209600,
)
LEGEND = "─ age of last push   ● push   ✗ failed push   ═ max age   ▀ alert firing"


@dataclass(frozen=True, slots=True)
class ChartData:
    """Everything the chart draws, in data coordinates (x: Unix seconds, y: seconds since the last push)."""

    line: tuple[tuple[float, float], ...]
    pushes: tuple[float, ...]
    failures: tuple[tuple[float, float], ...]
    firing: tuple[tuple[float, float], ...]
    """(start, end) of each firing span, drawn at `firing_y`."""
    max_age: float | None
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    xticks: tuple[tuple[float, str], ...]
    yticks: tuple[tuple[float, str], ...]
    title: str
    empty: str = ""
    """Set when there is nothing to draw: what to say instead."""

    @property
    def firing_y(self) -> float:
        """Where the firing band runs: just under the top."""
        return self.ylim[1] * 0.97


def chart(history: History, max_age: float | None, last_push: float | None, tz: tzinfo | None) -> ChartData:
    """The chart of a history; `last_push` (the gateway's) extends the line past the last step."""
    window = history.window
    start, end = window.start, window.end
    title = f"age of the last successful push, last {history.span.name}"
    if not history.found:
        empty = f"No push_time_seconds in Prometheus for this group in the last {history.span.name}."
        return ChartData((), (), (), (), max_age, (start, end), (0.0, 1.0), (), (), title, empty)
    times = event_times(history.pushed)
    if last_push is not None and (not times or last_push > times[-1]):
        times.append(last_push)
    if len(times) <= MAX_SAWTOOTH_PUSHES:
        line = _sawtooth(times, start, end)
    else:
        line = tuple((t, t - v) for t, v in history.pushed if v > 0)
    shown = tuple(t for t in times if start <= t <= end)
    failures = tuple((t, _age_at(times, t)) for t in event_times(history.failed) if start <= t <= end)
    top = max([y for _x, y in line] + [max_age or 0.0, 1.0])
    ylim = (0.0, top * 1.15)
    firing = tuple((max(s.start, start), min(s.end, end)) for s in history.firing)
    return ChartData(
        line=line,
        pushes=shown[-MAX_SAWTOOTH_PUSHES:],
        failures=failures,
        firing=firing,
        max_age=max_age,
        xlim=(start, end),
        ylim=ylim,
        xticks=time_ticks(start, end, tz),
        yticks=age_ticks(top, max_age),
        title=title,
    )


def _sawtooth(times: list[float], start: float, end: float) -> tuple[tuple[float, float], ...]:
    """Up from each push, straight down at the next; clipped to [start, end]."""
    points: list[tuple[float, float]] = []
    before = [t for t in times if t <= start]
    previous = before[-1] if before else None
    if previous is not None:
        points.append((start, start - previous))
    for t in (t for t in times if start < t <= end):
        if previous is not None:
            points.append((t, t - previous))
        points.append((t, 0.0))
        previous = t
    if previous is not None:
        points.append((end, end - previous))
    return tuple(points)


def _age_at(times: list[float], moment: float) -> float:
    """Seconds since the last successful push before `moment` (0 if none)."""
    before = [t for t in times if t <= moment]
    return moment - before[-1] if before else 0.0


def nice_step(extent: float, ticks: int = 4) -> float:
    """A round duration that cuts `extent` into at most about `ticks` parts."""
    for step in _NICE:
        if extent / step <= ticks:
            return float(step)
    return float(_NICE[-1] * (int(extent / (_NICE[-1] * ticks)) + 1))


def age_ticks(top: float, max_age: float | None) -> tuple[tuple[float, str], ...]:
    """Y ticks at round ages, plus the maximum age itself."""
    step = nice_step(top)
    ticks = {i * step: format_duration(i * step) if i else "0" for i in range(int(top // step) + 1)}
    if max_age is not None:
        # The max-age line is labelled; a round tick too close to it would overprint the label.
        ticks = {y: text for y, text in ticks.items() if abs(y - max_age) > step / 3}
        ticks[max_age] = format_duration(max_age)
    return tuple(sorted(ticks.items()))


def time_ticks(start: float, end: float, tz: tzinfo | None, count: int = 5) -> tuple[tuple[float, str], ...]:
    """X ticks evenly spread: clock times within a day, dates (with the hour within a week) beyond."""
    extent = end - start
    fmt = "%H:%M" if extent <= 86400 else "%a %H:%M" if extent <= 7 * 86400 else "%m-%d"
    step = extent / (count - 1)
    return tuple((start + i * step, _moment(start + i * step, tz).strftime(fmt)) for i in range(count))


def _moment(ts: float, tz: tzinfo | None) -> datetime:
    return datetime.fromtimestamp(ts, tz) if tz is not None else datetime.fromtimestamp(ts).astimezone()
