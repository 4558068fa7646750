"""AlertsScreen: the view that starts from Prometheus's alerts; enter opens the group an alert is about."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Label, Static

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import count, unresolved
from pgwtui.screens.base import PgwScreen
from pgwtui.state import AppState
from pgwtui.views.alerts import HEADERS, AlertRow, alert_rows, cells, details, hidden_count
from pgwtui.views.groups import CellFormatter
from pgwtui.widgets.banner import AlertsBanner, Banner
from pgwtui.widgets.tables import VimDataTable


class AlertsTable(VimDataTable):
    """The alerts, one per row; the state cell is coloured by app.tcss."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "alerts-table--firing",
        "alerts-table--pending",
        "alerts-table--resolved",
    }


class AlertsScreen(PgwScreen[GroupKey | None]):
    """Opened with `a` from the groups list; dismisses with the group to open (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,l", "open", "Open the alert's group", priority=True, id="alerts.open"),
        Binding("escape,h,backspace,a", "back", "Back to the groups", id="alerts.back"),
        Binding("r", "app.refresh_now", "Refresh", id="alerts.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[AlertRow] = []

    @property
    def table(self) -> AlertsTable:
        """The alerts table."""
        return self.query_one("#alerts", AlertsTable)

    @property
    def rows(self) -> list[AlertRow]:
        """The rows shown, in order."""
        return list(self._rows)

    def compose(self) -> ComposeResult:
        """Banners, a title, the alerts, the highlighted alert in full."""
        yield Header()
        yield Banner(id="banner")
        yield AlertsBanner(id="alerts-banner")
        yield Label("", id="alerts-title", markup=False)
        yield AlertsTable(id="alerts")
        yield Static("", id="alert-details", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then follow the app's state."""
        self.table.add_columns(*HEADERS)
        self.pgw.state_changed.subscribe(self, self.show_state)
        self.show_state(self.pgw.state)
        self.table.focus()

    def _formatter(self, state: AppState) -> CellFormatter:
        now = state.alerts.fetched_at if state.alerts is not None else self.pgw.clock()
        return CellFormatter(now, self.pgw.tz)

    def show_state(self, state: AppState) -> None:
        """Rebuild the rows; the cursor stays on the same alert."""
        self.show_banners(state)
        table = self.table
        current = self._rows[table.cursor_row].ident if self._rows and table.cursor_row < len(self._rows) else None
        self._rows = alert_rows(state.alert_index, state.resolving)
        fmt = self._formatter(state)
        table.clear()
        for row in self._rows:
            state_cell = Text(row.state, style=table.get_component_rich_style(f"alerts-table--{row.state}"))
            table.add_row(state_cell, *cells(row, fmt)[1:])
        idents = [row.ident for row in self._rows]
        if current in idents:
            table.move_cursor(row=idents.index(current), animate=False)
        self._show_title(state, fmt)
        self._show_details()

    def _show_title(self, state: AppState, fmt: CellFormatter) -> None:
        source = self.pgw.prometheus.url if self.pgw.prometheus is not None else "Prometheus"
        parts = [f"ALERTS from {source}"]
        if state.alerts is None:
            parts.append("not read yet")
        else:
            counts = count(row.alert for row in self._rows if row.state != "resolved")
            parts.append(f"{counts.firing} firing, {counts.pending} pending")
            waiting = unresolved(state.resolving)
            if waiting:
                parts.append(f"{waiting} of deleted groups resolving")
            parts.append(f"read {fmt.clock(state.alerts.fetched_at)}")
            hidden = hidden_count(state.alert_index)
            if hidden:
                parts.append(f"{hidden} other alert(s) about nothing here not shown")
        self.query_one("#alerts-title", Label).update("  ·  ".join(parts))

    def _empty_text(self, state: AppState) -> str:
        if state.alerts is None:
            if state.alerts_error:
                return "No alerts read yet: Prometheus did not answer (see above)."
            return "Reading alerts from Prometheus …"
        return (
            "No alert about this gateway's groups is pending or firing in Prometheus.\n"
            "`pgwtui rules` writes the rules that raise them (docs/alerts.md)."
        )

    @on(DataTable.RowHighlighted, "#alerts")
    def _highlighted(self) -> None:
        self._show_details()

    def _show_details(self) -> None:
        state = self.pgw.state
        pane = self.query_one("#alert-details", Static)
        row = self.current
        pane.update(details(row, self._formatter(state)) if row is not None else self._empty_text(state))

    @property
    def current(self) -> AlertRow | None:
        """The highlighted alert."""
        index = self.table.cursor_row
        return self._rows[index] if 0 <= index < len(self._rows) else None

    # ----------------------------------------------------------------- actions
    def action_open(self) -> None:
        """Back to the groups, onto the alert's group, and open it."""
        row = self.current
        if row is None:
            return
        if row.target is not None:
            self.dismiss(row.target)
        elif row.deleted is not None:
            self.notify("Its group is deleted; the alert goes once Prometheus evaluates it again.")
        else:
            self.notify("This alert is about no group on this gateway: its details are below.", severity="warning")

    def action_back(self) -> None:
        """Back to the groups list."""
        self.dismiss(None)
