"""GroupsScreen: every group with its status and alerts; filter, sort, mark, delete, open a group or the alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Footer, Header, Input

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import AlertCounts, AlertIndex, unresolved
from pgwtui.messages import CadenceRequested, DeleteGroupsRequested, SortOrderChanged
from pgwtui.models import Snapshot
from pgwtui.screens.alerts import AlertsScreen
from pgwtui.screens.base import PgwScreen
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.state import AppState
from pgwtui.views import cadence, prompts
from pgwtui.views.groups import (
    COLUMN_IDS,
    NO_ALERTS,
    NO_FILTER,
    CellFormatter,
    Counts,
    GroupRow,
    RowFilter,
    SortedRows,
    all_ascii,
    build_rows,
    column,
    columns,
    in_key_order,
    same_rows,
    sort_rows,
)
from pgwtui.widgets.banner import AlertsBanner, Banner
from pgwtui.widgets.groups_table import GroupsTable
from pgwtui.widgets.status_bar import StatusBar, StatusInfo

CADENCE_DELAY = 0.2
"""The rows must rest on screen this long before their cadence is asked for (scrolling through asks nothing)."""
FILTER_HINT = 'regex over labels, e.g. job=backup or instance=""  (! in front inverts; enter keeps; esc clears)'


class GroupsScreen(PgwScreen[None]):
    """The main view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="groups.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="groups.clear_filter"),
        Binding("d", "delete_current", "Delete", id="groups.delete"),
        Binding("D", "delete_marked", "Delete marked", id="groups.delete_marked"),
        Binding("m", "mark_stale", "Mark stale", id="groups.mark_stale"),
        Binding("u", "unmark_all", "Unmark all", show=False, id="groups.unmark"),
        Binding("s", "cycle_sort", "Sort", id="groups.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="groups.reverse"),
        Binding("r", "app.refresh_now", "Refresh", id="groups.refresh"),
        Binding("a", "alerts", "Alerts", id="groups.alerts"),
        *(
            Binding(str(i), f"sort('{cid}')", column(cid).sort_title, show=False, id=f"groups.sort{i}")
            for i, cid in enumerate(COLUMN_IDS, 1)
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._snapshot: Snapshot | None = None
        self._rows: list[GroupRow] = []
        """Every group's row, in grouping-key order."""
        self._sorted: list[GroupRow] | None = None
        """Every row in the order `_sorted_by`; None when the rows or the alerts changed since."""
        self._sorted_by: tuple[str, bool] | None = None
        self._presorted: SortedRows | None = None
        """`_rows` as the worker sorted them (in the order the screen had when the read began), if it did."""
        self._ascii = True
        """Whether every key of `_sorted` is printable ASCII (a subset of them is too)."""
        self._filtered: tuple[list[GroupRow], RowFilter, list[GroupRow]] | None = None
        """The last filter's rows: the sorted rows it filtered, the filter and what it kept."""
        self._counts = Counts()
        self._filter = NO_FILTER
        self._now = 0.0
        self._index: AlertIndex | None = None
        self._alert_counts: Mapping[GroupKey, AlertCounts] = NO_ALERTS
        self._shown: AppState | None = None
        self._cadence_timer: Timer | None = None

    @property
    def table(self) -> GroupsTable:
        """The groups table."""
        return self.query_one("#groups", GroupsTable)

    def compose(self) -> ComposeResult:
        """Header, banner, filter, table, status bar, footer."""
        yield Header()
        yield Banner(id="banner")
        yield AlertsBanner(id="alerts-banner")
        yield Input(placeholder=FILTER_HINT, id="filter")
        yield GroupsTable(id="groups")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Follow the app's state."""
        self.table.columns = columns(self.alerting)
        self.pgw.state_changed.subscribe(self, self.show_state)
        self.show_state(self.pgw.state)
        self.table.focus()

    # ----------------------------------------------------------------- state → view
    def show_state(self, state: AppState) -> None:
        """Redraw from a new app state (new snapshot, connection error, gateway info, alerts, cadences)."""
        shown, self._shown = self._shown, state
        changed = _what_changed(shown, state) if shown is not None else "more"
        if changed == "nothing":
            return
        if changed == "cadence":
            # Cadences arrive for the rows on screen: redraw those lines, nothing else; and nothing at
            # all when the rows have moved on since they were asked for (a repaint costs what a key does).
            assert shown is not None
            on_screen = cadence.changed_on_screen(shown.cadence, state.cadence, self.table.visible_keys())
            self.table.set_formatter(self._formatter(), repaint=on_screen)
            return
        self.show_banners(state)
        if state.alert_index is not self._index:
            self._index = state.alert_index
            self._alert_counts = state.alert_index.counts()
            self._sorted = None
        if state.snapshot is not self._snapshot or state.snapshot is None:
            self._snapshot = state.snapshot
            self._reassess(state)
            self._cadence_soon()
        self._redraw()

    def _reassess(self, state: AppState) -> None:
        snapshot = state.snapshot
        if snapshot is not None and len(state.rows) == len(snapshot.groups):
            # Assessed and put in key order by the worker, off the UI thread, at the moment of the read.
            self._now = snapshot.fetched_at
            if same_rows(state.rows, self._rows):
                return  # a refresh that changed nothing: the sort and the counts still hold
            self._rows = list(state.rows)
            self._presorted = state.sorted_rows
        else:
            self._now = self.pgw.clock()
            groups = snapshot.groups if snapshot is not None else ()
            self._rows = in_key_order(build_rows(groups, self.pgw.settings.policy, self._now))
            self._presorted = None
        self._sorted = None
        self._counts = Counts.of(self._rows)

    def _empty_text(self) -> str:
        if self._snapshot is None:
            if self.pgw.state.error:
                return "No groups read yet: the gateway did not answer (see above)."
            return f"Reading groups from {self.pgw.client.url} …"
        if not self._rows:
            return (
                "This gateway has no groups yet. Push one and it appears here, e.g.\n"
                f"  echo 'demo_metric 1' | curl --data-binary @- {self.pgw.client.url}/metrics/job/demo"
            )
        return f"No group matches /{self._filter.text}/ (esc clears the filter)."

    def _redraw(self) -> None:
        table = self.table
        order = (table.sort_column, table.sort_descending)
        if self._sorted is None or self._sorted_by != order:
            presorted = self._presorted
            if presorted is not None and (presorted.column_id, presorted.descending) == order:
                self._sorted = list(presorted.rows)  # sorted by the worker, off this thread
            else:
                self._sorted = sort_rows(self._rows, *order, self._alert_counts, keyed=True)
            self._ascii = all_ascii(self._sorted)
            if order != self._sorted_by:
                self.request(SortOrderChanged(*order))  # the next reads come sorted this way
            self._sorted_by = order
        # The sort is stable, so filtering the sorted rows is sorting the filtered ones: a keystroke in
        # the filter does not sort again.
        last = self._filtered
        if last is not None and last[0] is self._sorted and self._filter.narrows(last[1]):
            visible = self._filter.apply(last[2], ascii_keys=self._ascii)  # typed on: only what the last kept can match
        else:
            visible = self._filter.apply(self._sorted, ascii_keys=self._ascii)
        self._filtered = (self._sorted, self._filter, visible)
        table.set_rows(visible, self._formatter(), empty_text=self._empty_text(), ascii_keys=self._ascii)
        if self._snapshot is not None:
            table.prune_marks(lambda: {row.key for row in self._rows})
        self._show_status()

    def _formatter(self) -> CellFormatter:
        return CellFormatter(self._now, self.pgw.tz, self._alert_counts, self.pgw.state.cadence)

    # ----------------------------------------------------------------- cadence (with --prometheus)
    @on(GroupsTable.ViewportChanged)
    def _cadence_soon(self) -> None:
        """Ask for the cadence of the rows on screen once they rest there (a timer restarted by every move)."""
        if not self.alerting:
            return
        if self._cadence_timer is not None:
            self._cadence_timer.stop()
        self._cadence_timer = self.set_timer(CADENCE_DELAY, self._ask_cadence, name="cadence")

    def _ask_cadence(self) -> None:
        missing = self.pgw.state.cadence.missing(self.table.visible_keys(), self.pgw.clock())
        if missing:
            self.request(CadenceRequested(tuple(missing)))

    def _show_status(self) -> None:
        table = self.table
        marks = table.marks
        shown = {row.key for row in table.rows} if marks else set()
        snapshot = self._snapshot
        arrow = "▼" if table.sort_descending else "▲"
        self.query_one(StatusBar).show(
            StatusInfo(
                counts=self._counts if snapshot is not None else None,
                shown=table.row_count,
                marked=len(marks),
                marked_hidden=len(marks - shown),
                filter_text=self._filter.text,
                sort=f"{column(table.sort_column).title.lower()} {arrow}",
                refreshed=CellFormatter(self._now, self.pgw.tz).clock(snapshot.fetched_at) if snapshot else "",
                refresh_every=self.pgw.settings.refresh_interval,
                unreadable=snapshot.unreadable if snapshot else 0,
                read_only=self.pgw.settings.read_only,
                alerts=self._index.total() if self.alerting and self._index is not None else None,
                alerts_unknown=self.pgw.state.alerts_error is not None or self.pgw.state.alerts is None,
                resolving=unresolved(self.pgw.state.resolving),
            )
        )

    @on(GroupsTable.MarksChanged)
    def _marks_changed(self) -> None:
        self._show_status()

    @on(GroupsTable.Selected)
    def _open(self, event: GroupsTable.Selected) -> None:
        self.app.push_screen(GroupDetailScreen(event.row.key))

    @on(GroupsTable.SortRequested)
    def _header_clicked(self, event: GroupsTable.SortRequested) -> None:
        self.action_sort(event.column_id)

    # ----------------------------------------------------------------- alerts
    @property
    def alerting(self) -> bool:
        """Whether a Prometheus is configured (alerts column, `a`, status bar counter)."""
        return self.pgw.prometheus is not None

    def action_alerts(self) -> None:
        """Open the alerts view; enter there comes back here, onto the alert's group."""
        if not self.alerting:
            self.notify("No Prometheus configured: start with --prometheus URL (or prometheus = … in the config).")
            return
        self.app.push_screen(AlertsScreen(), self.go_to_group)

    def go_to_group(self, key: GroupKey | None) -> None:
        """Put the cursor on a group (clearing a filter that hides it) and open it."""
        if key is None:
            return
        if not self.table.move_to(key):
            self.action_clear_filter()
            if not self.table.move_to(key):
                self.notify("That group is no longer on the gateway.", severity="warning")
                return
        self.app.push_screen(GroupDetailScreen(key))

    # ----------------------------------------------------------------- filter
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer `esc` (clear filter) only while a filter is open; alerts only with a Prometheus."""
        if action == "clear_filter":
            return self.query_one("#filter", Input).has_class("-active")
        if action == "alerts" or (action == "sort" and parameters == ("alerts",)):
            return self.alerting
        return True

    def action_filter(self) -> None:
        """Show the filter input and focus it."""
        field = self.query_one("#filter", Input)
        field.add_class("-active")
        field.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = RowFilter.parse(event.value)
        self._redraw()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            self.query_one("#filter", Input).remove_class("-active")
            self.refresh_bindings()
        self.table.focus()

    def action_clear_filter(self) -> None:
        """Esc: clear the filter (if any) and go back to the table."""
        field = self.query_one("#filter", Input)
        if field.value:
            field.value = ""
            self._filter = NO_FILTER
            self._redraw()
        field.remove_class("-active")
        self.refresh_bindings()
        self.table.focus()

    # ----------------------------------------------------------------- sort
    def action_sort(self, column_id: str) -> None:
        """Sort by a column; sorting by the same column again reverses it."""
        table = self.table
        if table.sort_column == column_id:
            table.sort_descending = not table.sort_descending
        else:
            table.sort_column = column_id
            table.sort_descending = column(column_id).descending_first
        self._redraw()

    def action_cycle_sort(self) -> None:
        """Sort by the next column shown."""
        shown = [c.id for c in self.table.columns if c.sortable]
        current = shown.index(self.table.sort_column) if self.table.sort_column in shown else -1
        self.action_sort(shown[(current + 1) % len(shown)])

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.action_sort(self.table.sort_column)

    # ----------------------------------------------------------------- marks
    def action_mark_stale(self) -> None:
        """Mark every stale group the filter shows."""
        stale = [row.key for row in self.table.rows if row.assessment.stale]
        added = self.table.mark(stale)
        scope = " shown by the filter" if self._filter.active else ""
        if stale:
            again = f" ({len(stale) - added} already were)" if added < len(stale) else ""
            self.notify(f"Marked the {len(stale)} stale group(s){scope}{again}. D deletes every marked group.")
        else:
            self.notify(f"No stale groups{scope}.")

    def action_unmark_all(self) -> None:
        """Clear every mark."""
        self.table.unmark()

    # ----------------------------------------------------------------- delete
    def action_delete_current(self) -> None:
        """Delete the highlighted group, after a confirmation."""
        row = self.table.current
        if row is None:
            self.notify("No group highlighted.", severity="warning")
            return
        if not self._writable():
            return
        client = self.pgw.client
        prompt = prompts.delete_group(row.group, client.url, client.delete_path(row.key))
        self._confirm_then_delete(prompt, [row.key])

    def action_delete_marked(self) -> None:
        """Delete every marked group, after one confirmation listing them."""
        marks = self.table.marks
        if not marks:
            self.notify("Nothing marked: space marks a group, m marks every stale one.", severity="warning")
            return
        if not self._writable():
            return
        groups = self._snapshot.groups if self._snapshot is not None else ()
        order = {group.key: i for i, group in enumerate(groups)}
        keys = sorted(marks, key=lambda k: order.get(k, len(order)))
        client = self.pgw.client
        self._confirm_then_delete(prompts.delete_groups(keys, client.url, client.delete_path), keys)

    def _confirm_then_delete(self, prompt: prompts.Prompt, keys: list[GroupKey]) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.request(DeleteGroupsRequested(tuple(keys)))

        self.app.push_screen(ConfirmScreen(prompt), answered)

    # ----------------------------------------------------------------- command palette
    def palette_commands(self) -> Iterable[SystemCommand]:
        """Alerts, filter, marks, deletes and every sort, by name."""
        if self.alerting:
            yield SystemCommand("Show alerts", "Prometheus's alerts about these groups (a)", self.action_alerts)
        yield SystemCommand("Filter groups", "Regex over grouping labels (/)", self.action_filter)
        yield SystemCommand("Clear filter", "Show every group again (esc)", self.action_clear_filter)
        yield SystemCommand("Mark all stale", "Mark every stale group shown (m)", self.action_mark_stale)
        yield SystemCommand("Unmark all", "Clear every mark (u)", self.action_unmark_all)
        yield SystemCommand("Delete marked groups", "One confirmation for all marked (D)", self.action_delete_marked)
        yield SystemCommand("Delete highlighted group", "After a confirmation (d)", self.action_delete_current)
        for col in columns(self.alerting):
            if col.sortable:
                yield SystemCommand(col.sort_title, "Again to reverse", _sort_by(self.action_sort, col.id))


def _sort_by(action: Callable[[str], None], column_id: str) -> Callable[[], None]:
    return lambda: action(column_id)


def _what_changed(old: AppState, new: AppState) -> str:
    """`cadence` or `nothing` when a new state differs from the last one shown only there, else `more`.

    Compared by identity (cheap). The detail's history is not drawn here: it changes nothing.
    """
    changed = {name for name in AppState.__dataclass_fields__ if getattr(old, name) is not getattr(new, name)}
    changed -= {"history", "history_error"}
    return "more" if changed - {"cadence"} else "cadence" if changed else "nothing"
