"""The groups view as pure data: rows, columns, sorting, the `/` filter, counts and cell text.

Rows are assessed once per refresh (O(n), off the UI thread) and carry what every sort compares,
so a sort is a few C-level passes (`attrgetter` keys) instead of a Python call per row; rows
arrive in grouping-key order, which makes the tie-breaking pass nearly free. Cell text is
formatted lazily, only for the rows on screen, which is what keeps 50,000 groups cheap to refresh.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import compress, repeat
from operator import attrgetter, contains, is_, not_

import msgspec

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import AlertCounts
from pgwtui.durations import format_age
from pgwtui.labels import key_text
from pgwtui.models import Group
from pgwtui.staleness import Assessment, StalenessPolicy, Status, assess
from pgwtui.views import cadence


class GroupRow(msgspec.Struct, frozen=True, gc=False):
    """One group with its verdict and its one-line key, ready to sort, filter and draw (built by `build_rows`)."""

    group: Group
    assessment: Assessment
    text: str
    order: str
    """`text.casefold()`: every sort breaks ties by it."""
    status: Status
    """`assessment.status`, computed once."""
    pushed: float
    """The last push, -inf for never (what the last-push and status sorts compare)."""
    failed_at: float
    """The last failure, -inf for never."""
    assessed_at: float
    """When `assessment` was made, and so what its `age` is as of: a refresh keeps a row whose verdict
    has not changed (`refresh_rows`); the views draw ages from the formatter's instant, never from it."""
    width: int = -1
    """`text`'s width in terminal cells when it is printable ASCII (one cell a character), else -1 (the
    table measures it): measured here, off the UI thread, once per row."""

    @property
    def key(self) -> GroupKey:
        """The grouping key."""
        return self.group.key


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the groups table; `width` 0 means "as wide as the grouping keys need"."""

    id: str
    title: str
    """The header, in capitals and as short as the column."""
    name: str
    """The column in words: what the sort bindings, the help page and the command palette call it."""
    width: int
    right: bool = False
    descending_first: bool = False
    """Whether the first press sorts descending (worst, newest or biggest first)."""
    sortable: bool = True
    """False for the cadence column: only the rows on screen have one."""

    @property
    def sort_title(self) -> str:
        """`Sort by last push`: the one name of this sort, in the bindings and in the palette."""
        return f"Sort by {self.name}"


COLUMNS: tuple[Column, ...] = (
    Column("key", "GROUPING KEY", "grouping key", 0),
    Column("families", "FAM", "families", 5, right=True, descending_first=True),
    Column("series", "SERIES", "series", 8, right=True, descending_first=True),
    Column("last_push", "LAST PUSH", "last push", 23),
    Column("last_failure", "LAST FAILURE", "last failure", 23, descending_first=True),
    Column("status", "STATUS", "status", 20, descending_first=True),
)
ALERTS_COLUMN = Column("alerts", "ALERTS", "alerts", 10, descending_first=True)
CADENCE_COLUMN = Column("cadence", "PUSHES 24H", "pushes per 2h over 24h", cadence.WIDTH, sortable=False)
"""Both shown only when a Prometheus is configured."""
COLUMN_IDS = (*(c.id for c in COLUMNS), ALERTS_COLUMN.id)
"""The sortable columns, in the order of the sort keys 1…7."""
NO_ALERTS: Mapping[GroupKey, AlertCounts] = {}


def columns(with_alerts: bool) -> tuple[Column, ...]:
    """The groups table's columns: alerts and cadence only with a Prometheus to read them from."""
    return (*COLUMNS, ALERTS_COLUMN, CADENCE_COLUMN) if with_alerts else COLUMNS


def column(column_id: str) -> Column:
    """Return the column with this id.

    Raises:
        KeyError: unknown id.

    """
    for col in (*COLUMNS, ALERTS_COLUMN, CADENCE_COLUMN):
        if col.id == column_id:
            return col
    raise KeyError(column_id)


_NEVER = float("-inf")


def build_rows(groups: Iterable[Group], policy: StalenessPolicy, now: float) -> list[GroupRow]:
    """Assess every group at `now`, in the order given."""
    rows: list[GroupRow] = []
    append = rows.append
    for g in groups:
        text = g.text or key_text(g.key)
        verdict = assess(g, policy, now)
        pushed = _NEVER if g.last_push is None else g.last_push
        failed_at = _NEVER if g.last_failure is None else g.last_failure
        width = len(text) if text.isascii() and text.isprintable() else -1
        append(GroupRow(g, verdict, text, text.casefold(), verdict.status, pushed, failed_at, now, width))
    return rows


def refresh_rows(
    groups: Sequence[Group], policy: StalenessPolicy, now: float, previous: Sequence[GroupRow] = ()
) -> list[GroupRow]:
    """Every group's row at `now`, in key order, keeping the rows of `previous` that are still right.

    `previous` are the last read's rows (built with the same policy). A row is kept when its Group
    is the very object in `groups` (the decoder reuses the Group of an unchanged entry) and its
    verdict at `now` is still the one it holds; everything else is assessed anew. Kept rows are
    already in key order, which makes the final sort nearly free; and a refresh that changes 1% of
    the groups makes 1% new objects, so the garbage collector has next to nothing to do.
    """
    current = {id(g): g for g in groups}
    if not previous or len(current) != len(groups):
        return in_key_order(build_rows(groups, policy, now))
    rows = []
    for row in previous:
        group = current.pop(id(row.group), None)
        if group is None:
            continue  # gone, or changed (a new Group)
        rows.append(row if _still_right(row, now) else build_rows((group,), policy, now)[0])
    rows += build_rows(current.values(), policy, now)
    rows.sort(key=_ORDER)
    return rows


def same_rows(a: Sequence[GroupRow], b: Sequence[GroupRow]) -> bool:
    """Whether two row lists hold the very same row objects, in order (what an unchanged refresh gives)."""
    return len(a) == len(b) and all(map(is_, a, b))


def _still_right(row: GroupRow, now: float) -> bool:
    """Whether assessing the row's group at `now` gives its verdict again (only staleness moves with the clock)."""
    pushed, threshold = row.group.last_push, row.assessment.threshold
    if pushed is None or threshold is None:
        return True
    return (now - pushed > threshold.seconds) == row.assessment.stale


def in_key_order(rows: Iterable[GroupRow]) -> list[GroupRow]:
    """Rows by grouping key (case-insensitive, stable): the order every sort starts from, and the cheapest input for it."""
    return sorted(rows, key=_ORDER)


_ORDER = attrgetter("order")
_TEXT = attrgetter("text")
_WIDTH = attrgetter("width")
_STATUS = attrgetter("status")
_PUSHED = attrgetter("pushed")
_SORT_KEYS = {
    "families": attrgetter("group.family_count"),
    "series": attrgetter("group.series_count"),
    "last_push": _PUSHED,
    "last_failure": attrgetter("failed_at"),
}


def sort_rows(
    rows: Sequence[GroupRow],
    column_id: str,
    descending: bool,
    alerts: Mapping[GroupKey, AlertCounts] = NO_ALERTS,
    *,
    keyed: bool = False,
) -> list[GroupRow]:
    """Rows sorted by a column; ties always by grouping key, ascending. `keyed`: `rows` are in key order already.

    Raises:
        KeyError: unknown column.

    """
    # Stable passes, least significant first; a pass with reverse=True keeps ties in order too.
    ordered = list(rows) if keyed else in_key_order(rows)
    if column_id == "alerts":
        none = AlertCounts()
        return sorted(ordered, key=lambda r: alerts.get(r.key, none).sort_key(), reverse=descending)
    if column_id == "key":
        return ordered[::-1] if descending else ordered
    if column_id in _SORT_KEYS:
        ordered.sort(key=_SORT_KEYS[column_id], reverse=descending)
        return ordered
    if column_id == "status":
        # Worst first, and within a status the longest silent first: (status, -pushed) together.
        ordered.sort(key=_PUSHED, reverse=not descending)
        ordered.sort(key=_STATUS, reverse=descending)
        return ordered
    raise KeyError(column_id)


@dataclass(frozen=True, slots=True)
class SortedRows:
    """A read's rows in one sort order: the worker sorts each read as the groups screen last showed them."""

    column_id: str
    descending: bool
    rows: tuple[GroupRow, ...]

    @classmethod
    def of(cls, rows: Sequence[GroupRow], order: tuple[str, bool]) -> SortedRows | None:
        """`rows` (in key order) sorted by `order`; None for the alerts column, whose counts only the screen has."""
        column_id, descending = order
        if column_id == ALERTS_COLUMN.id:
            return None
        return cls(column_id, descending, tuple(sort_rows(rows, column_id, descending, keyed=True)))


@dataclass(frozen=True, slots=True)
class RowFilter:
    """The `/` filter: a case-insensitive regex over the grouping labels; `!` in front inverts it.

    Text that is not a valid regex is matched literally, so typing never raises.
    """

    text: str
    pattern: re.Pattern[str] | None
    inverse: bool = False
    literal: bool = False

    @classmethod
    def parse(cls, text: str) -> RowFilter:
        """Compile what the user typed."""
        body = text
        inverse = body.startswith("!")
        if inverse:
            body = body[1:]
        if not body:
            return cls(text, None, inverse)
        try:
            with warnings.catch_warnings():
                # `[[` and the like compile, with a FutureWarning about nested sets that would print over the screen.
                warnings.simplefilter("ignore", FutureWarning)
                return cls(text, re.compile(body, re.IGNORECASE), inverse)
        except re.error:
            return cls(text, re.compile(re.escape(body), re.IGNORECASE), inverse, literal=True)

    @property
    def active(self) -> bool:
        """Whether the filter hides anything at all."""
        return self.pattern is not None

    def matches(self, row: GroupRow) -> bool:
        """Whether a row stays visible."""
        if self.pattern is None:
            return True
        return (self.pattern.search(row.text) is not None) != self.inverse

    def narrows(self, previous: RowFilter) -> bool:
        """Whether every row this filter keeps, `previous` keeps too, so that it may filter only what `previous` kept.

        True when both are plain text (no regex syntax, or matched literally anyway) and this one
        holds the other: typing on at the end or in the middle of a word.
        """
        if self.pattern is None or previous.pattern is None or self.inverse or previous.inverse:
            return False
        old, new = previous.body, self.body
        return previous.plain and self.plain and old in new

    @property
    def body(self) -> str:
        """What is matched: the text without its leading `!`."""
        return self.text[1:] if self.inverse else self.text

    @property
    def plain(self) -> bool:
        """Whether the body matches as plain text (case aside): no regex syntax in it, or escaped."""
        return self.literal or _REGEX_SYNTAX.isdisjoint(self.body)

    def apply(self, rows: Iterable[GroupRow], *, ascii_keys: bool | None = None) -> list[GroupRow]:
        """Return the visible rows, order kept; `ascii_keys`: whether every key is printable ASCII, if known."""
        rows = rows if isinstance(rows, list | tuple) else list(rows)
        if self.pattern is None:
            return list(rows)
        needle = self.body.lower()
        if self.plain and needle.isascii() and (all_ascii(rows) if ascii_keys is None else ascii_keys):
            # Plain ASCII text in printable-ASCII keys: the regex, ignoring case, finds exactly where
            # the lower-cased text is in the case-folded key; a substring search costs a quarter of it.
            found: Iterable[object] = map(contains, map(_ORDER, rows), repeat(needle))
        else:
            # One regex search per row and nothing else in Python: 50,000 rows per keystroke.
            found = map(self.pattern.search, map(_TEXT, rows))
        return list(compress(rows, map(not_, found) if self.inverse else found))


def all_ascii(rows: Sequence[GroupRow]) -> bool:
    """Whether every row's key text is printable ASCII (one C pass)."""
    return min(map(_WIDTH, rows), default=0) >= 0


NO_FILTER = RowFilter("", None)
_REGEX_SYNTAX = frozenset(".^$*+?{}[]\\|()")
"""The characters with a meaning in a regex outside a set (`-` has one only inside `[...]`)."""


@dataclass(frozen=True, slots=True)
class Counts:
    """How many groups are ok, failed and stale (a group can be failed and stale at once)."""

    total: int = 0
    ok: int = 0
    failed: int = 0
    stale: int = 0

    @classmethod
    def of(cls, rows: Iterable[GroupRow]) -> Counts:
        """Count the rows."""
        by = Counter(map(_STATUS, rows))
        both = by[Status.FAILED_STALE]
        return cls(by.total(), by[Status.OK], by[Status.FAILED] + both, by[Status.STALE] + both)


STATUS_CLASS = {
    Status.OK: "ok",
    Status.STALE: "stale",
    Status.FAILED: "failed",
    Status.FAILED_STALE: "failed",
}
"""The style class of each status (component classes in app.tcss)."""


class CellFormatter:
    """Formats the cells of one row at a fixed instant and in a fixed time zone."""

    def __init__(
        self,
        now: float,
        tz: tzinfo | None = None,
        alerts: Mapping[GroupKey, AlertCounts] = NO_ALERTS,
        cadences: cadence.Cadences = cadence.NO_CADENCES,
    ) -> None:
        self.now = now
        self.tz = tz
        self.alerts = alerts
        self.cadences = cadences
        self._today = self._datetime(now).date()

    def _datetime(self, ts: float) -> datetime:
        if self.tz is None:
            return datetime.fromtimestamp(ts).astimezone()
        return datetime.fromtimestamp(ts, self.tz)

    def when(self, ts: float | None) -> str:
        """`3m12s ago 10:03:04`, with the date when not today; `never` for None."""
        if ts is None:
            return "never"
        moment = self._datetime(ts)
        clock = moment.strftime("%H:%M:%S") if moment.date() == self._today else moment.strftime("%Y-%m-%d %H:%M")
        return f"{format_age(self.now - ts):>6} {clock}"

    def clock(self, ts: float) -> str:
        """`HH:MM:SS` in the formatter's zone."""
        return self._datetime(ts).strftime("%H:%M:%S")

    def timestamp(self, ts: float | None) -> str:
        """Format a full timestamp, for the detail view."""
        if ts is None:
            return "never"
        return self._datetime(ts).strftime("%Y-%m-%d %H:%M:%S %Z").strip()

    def failure(self, row: GroupRow) -> str:
        """Format the last-failure cell: the failure time, or `-` if the group never failed."""
        if row.group.last_failure is None:
            return "-"
        return self.when(row.group.last_failure)

    def alert_counts(self, row: GroupRow) -> AlertCounts:
        """Firing and pending alerts on the row's group."""
        return self.alerts.get(row.key) or AlertCounts()

    def cadence(self, row: GroupRow, first_on_screen: bool = False) -> str:
        """The cadence cell; the first row on screen also says why there is none (once for the column)."""
        return cadence.cell(self.cadences.by_key.get(row.key), self.cadences, first_on_screen)

    def cell(self, row: GroupRow, column_id: str) -> str:
        """Format one cell.

        Raises:
            KeyError: unknown column.

        """
        group = row.group
        if column_id == "key":
            return row.text
        if column_id == "families":
            return str(group.family_count)
        if column_id == "series":
            return str(group.series_count)
        if column_id == "last_push":
            return self.when(group.last_push)
        if column_id == "last_failure":
            return self.failure(row)
        if column_id == "status":
            return row.assessment.label
        if column_id == "alerts":
            return self.alert_counts(row).text()
        if column_id == "cadence":
            return self.cadence(row)
        raise KeyError(column_id)

    def cells(self, row: GroupRow, shown: Sequence[Column] = COLUMNS) -> tuple[str, ...]:
        """Format every column shown, in order."""
        return tuple(self.cell(row, col.id) for col in shown)
