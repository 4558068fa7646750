"""GroupDetailScreen: one group's status, families and series; delete the group or one family."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, Static

from bridge.protocol.grouping import GroupKey
from pgwtui.durations import format_age
from pgwtui.labels import key_text
from pgwtui.messages import DeleteFamilyRequested, DeleteGroupsRequested, GatewayInfoRequested, HistoryRequested
from pgwtui.models import Family, Group
from pgwtui.screens.base import PgwScreen
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.staleness import assess
from pgwtui.state import AppState
from pgwtui.views import prompts
from pgwtui.views.detail import family_row, family_title, series_lines
from pgwtui.views.groups import STATUS_CLASS, CellFormatter
from pgwtui.views.history import DEFAULT_RANGE, RANGES, title
from pgwtui.views.history_chart import chart
from pgwtui.views.history_figures import figures
from pgwtui.widgets.banner import Banner
from pgwtui.widgets.history import HistoryPanel
from pgwtui.widgets.tables import VimDataTable


class GroupDetailScreen(PgwScreen[None]):
    """Opened with enter on a group; esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,h,backspace", "back", "Back", id="detail.back"),
        Binding("d", "delete_group", "Delete group", id="detail.delete"),
        Binding("x", "delete_family", "Delete family", id="detail.delete_family"),
        Binding("r", "refresh", "Refresh", id="detail.refresh"),
        Binding("tab", "app.focus_next", "Families ↔ series", id="detail.switch"),
        *(
            Binding(r.key, f"history('{r.name}')", f"History: last {r.name}", show=False, id=f"detail.history_{r.name}")
            for r in RANGES
        ),
    ]

    def __init__(self, key: GroupKey) -> None:
        super().__init__()
        self.key = key
        self.group: Group | None = None
        self._family: str | None = None
        self._deleting = False
        self._range = DEFAULT_RANGE.name
        self._history_shown: object = None

    def compose(self) -> ComposeResult:
        """Summary on top, families left, series right."""
        yield Header()
        yield Banner(id="banner")
        with Vertical(id="summary"):
            yield Label(key_text(self.key), id="summary-key", markup=False)
            yield Static("", id="summary-status", markup=False)
            yield Static("", id="summary-body", markup=False)
        if self.pgw.prometheus is not None:
            yield HistoryPanel(id="history")
        with Horizontal(id="detail-tables"):
            with Vertical(id="families-pane"):
                yield Label("FAMILIES", classes="pane-title")
                yield VimDataTable(id="families")
            with Vertical(id="series-pane"):
                yield Label("SERIES", id="series-title", classes="pane-title", markup=False)
                yield VimDataTable(id="series")
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then follow the app's state."""
        families = self.query_one("#families", DataTable)
        families.add_columns("FAMILY", "TYPE", "SERIES")
        self.query_one("#series", DataTable).add_columns("SERIES", "VALUE")
        self.pgw.state_changed.subscribe(self, self.show_state)
        self.show_state(self.pgw.state)
        families.focus()

    # ----------------------------------------------------------------- state → view
    def show_state(self, state: AppState) -> None:
        """Redraw from a new app state."""
        self.show_banners(state)
        group = state.group(self.key)
        if group is None:
            if state.snapshot is not None and self._deleting:
                # Once: more state changes may arrive before the screen is gone (alerts, resolving),
                # and a second dismiss would pop the groups list too.
                self._deleting = False
                self.dismiss(None)
                return
            self._show_missing(state)
            return
        changed = self.group is None or group.raw != self.group.raw
        self.group = group
        self._show_summary(group)
        if changed:
            self._show_families(group)
            self._request_history()
        self._show_history(state)

    def _show_missing(self, state: AppState) -> None:
        status = self.query_one("#summary-status", Static)
        if state.snapshot is None:
            status.update("Reading the gateway …")
            return
        self.group = None
        status.update("This group is no longer on the gateway (deleted, or expired). esc goes back.")
        status.set_classes("status-gone")
        self.query_one("#summary-body", Static).update("")
        self.query_one("#families", DataTable).clear()
        self.query_one("#series", DataTable).clear()

    def _show_summary(self, group: Group) -> None:
        now = self.pgw.clock()
        verdict = assess(group, self.pgw.settings.policy, now)
        fmt = CellFormatter(now, self.pgw.tz)
        status = self.query_one("#summary-status", Static)
        status.update(f"{verdict.label.upper()}: {verdict.explain()}")
        status.set_classes(f"status-{STATUS_CLASS[verdict.status]}")
        age = "never"
        if group.last_push is not None:
            age = f"{format_age(now - group.last_push)} ago  ({fmt.timestamp(group.last_push)})"
        failure = "never"
        if group.last_failure is not None:
            then = "  (a later push succeeded)" if group.last_push_successful else ""
            failure = f"{format_age(now - group.last_failure)} ago  ({fmt.timestamp(group.last_failure)}){then}"
        threshold = verdict.threshold.text if verdict.threshold else "none (never stale)"
        lines = [
            f"Last push     {age}",
            f"Last failure  {failure}",
            f"Max age       {threshold}",
            f"Delete path   {self.pgw.client.delete_path(group.key)}",
            *self._alert_lines(group.key, now),
        ]
        self.query_one("#summary-body", Static).update("\n".join(lines))

    def _alert_lines(self, key: GroupKey, now: float) -> list[str]:
        """What Prometheus says about this group (nothing without --prometheus)."""
        if self.pgw.prometheus is None:
            return []
        state = self.pgw.state
        if state.alerts is None:
            return [f"Alerts        unknown: {state.alerts_error}" if state.alerts_error else "Alerts        reading …"]
        alerts = state.alert_index.on(key)
        if not alerts:
            return ["Alerts        none pending or firing in Prometheus"]
        lines = []
        for i, alert in enumerate(alerts):
            since = f" {format_age(now - alert.active_at)}" if alert.active_at is not None else ""
            lines.append(f"{'Alerts' if i == 0 else '':<13} {alert.state}{since}  {alert.name}: {alert.summary}")
        return lines

    def _families(self) -> tuple[Family, ...]:
        return self.group.families() if self.group is not None else ()

    def _show_families(self, group: Group) -> None:
        table = self.query_one("#families", DataTable)
        keep = self._family
        table.clear()
        families = group.families()
        for family in families:
            table.add_row(*family_row(family), key=family.name)
        names = [f.name for f in families]
        if keep in names:
            table.move_cursor(row=names.index(keep), animate=False)
        self._show_series(names[table.cursor_row] if names else None)

    @on(DataTable.RowHighlighted, "#families")
    def _family_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_series(event.row_key.value if event.row_key is not None else None)

    def _show_series(self, name: str | None) -> None:
        self._family = name
        table = self.query_one("#series", DataTable)
        table.clear()
        family = next((f for f in self._families() if f.name == name), None)
        title = self.query_one("#series-title", Label)
        if family is None:
            title.update("SERIES")
            return
        title.update(family_title(family))
        for line in series_lines(family, self.key):
            table.add_row(line.what, line.value)

    # ----------------------------------------------------------------- history (with --prometheus)
    def _request_history(self, *, fresh: bool = False) -> None:
        if self.pgw.prometheus is not None:
            self._history_shown = None
            self.request(HistoryRequested(self.key, self._range, fresh))

    def _show_history(self, state: AppState) -> None:
        """The chart and its figures once Prometheus answered; what is happening until then."""
        group = self.group
        if self.pgw.prometheus is None or group is None:
            return
        history, error = state.history, state.history_error
        panel = self.query_one(HistoryPanel)
        heading = title(self._range)
        if history is not None and history.key == self.key and history.span.name == self._range:
            if history is self._history_shown:
                return
            self._history_shown = history
            now = self.pgw.clock()
            threshold = self.pgw.settings.policy.threshold(group)
            data = chart(history, threshold.seconds if threshold else None, group.last_push, self.pgw.tz)
            when = CellFormatter(now, self.pgw.tz).timestamp
            panel.show(heading, data, figures(history, threshold, group.last_push, now, lambda t: when(t)[:16]))
            return
        if error is not None and error[:2] == (self.key, self._range):
            note = f"Cannot read the history: {error[2]}"
        else:
            note = f"Reading the last {self._range} from Prometheus …"
        if note != self._history_shown:
            self._history_shown = note
            panel.show(heading, None, [], note)

    def action_history(self, range_name: str) -> None:
        """Show the history over another range (1h, 24h, 7d, 30d)."""
        if self.pgw.prometheus is None:
            self.notify("No Prometheus configured: start with --prometheus URL to see a group's history.")
            return
        self._range = range_name
        self._request_history()
        self._show_history(self.pgw.state)

    async def action_refresh(self) -> None:
        """Read the gateway again, and the history afresh."""
        await self.run_action("app.refresh_now")
        self._request_history(fresh=True)
        self._show_history(self.pgw.state)

    # ----------------------------------------------------------------- actions
    def action_back(self) -> None:
        """Back to the groups list."""
        self.dismiss(None)

    def action_delete_group(self) -> None:
        """Delete this whole group, after a confirmation."""
        group = self.group
        if group is None or not self._writable():
            return
        client = self.pgw.client
        prompt = prompts.delete_group(group, client.url, client.delete_path(group.key))

        def answered(yes: bool | None) -> None:
            if yes:
                self._deleting = True
                self.request(DeleteGroupsRequested((group.key,)))

        self.app.push_screen(ConfirmScreen(prompt), answered)

    def action_delete_family(self) -> None:
        """Delete the highlighted family: by the extension, or (Go gateway) by a warned re-push."""
        group = self.group
        family = next((f for f in self._families() if f.name == self._family), None)
        if group is None or family is None:
            self.notify("No family highlighted.", severity="warning")
            return
        if family.managed:
            self.notify(f"{family.name} is maintained by the gateway; it goes only with the whole group (d).")
            return
        if sum(1 for f in self._families() if not f.managed) == 1:
            self.notify("This is the group's only family: delete the whole group instead (d).", severity="warning")
            return
        if not self._writable():
            return
        info = self.pgw.state.info
        if info is None:
            self.notify("Still asking the gateway what it supports; try again in a moment.", severity="warning")
            self.request(GatewayInfoRequested())
            return
        client = self.pgw.client
        repush = not info.extensions.family_delete
        if repush:
            prompt = prompts.repush_family(group, family.name, client.delete_path(group.key))
        else:
            prompt = prompts.delete_family(group, family.name, client.family_delete_path(group.key, family.name))

        def answered(yes: bool | None) -> None:
            if yes:
                self.request(DeleteFamilyRequested(group, family.name, repush))

        self.app.push_screen(ConfirmScreen(prompt), answered)

    # ----------------------------------------------------------------- command palette
    def palette_commands(self) -> Iterable[SystemCommand]:
        """The two deletes, by name."""
        yield SystemCommand("Delete this group", "After a confirmation (d)", self.action_delete_group)
        yield SystemCommand("Delete highlighted family", "Extension, or warned re-push (x)", self.action_delete_family)
