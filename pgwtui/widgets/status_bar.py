"""StatusBar: counts of ok / failed / stale groups, alerts, marks, filter, sort and refresh time."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from pgwtui.alerts.model import AlertCounts
from pgwtui.views.groups import Counts


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """Everything the status bar shows."""

    counts: Counts | None
    shown: int
    marked: int
    marked_hidden: int
    filter_text: str
    sort: str
    refreshed: str
    refresh_every: float
    unreadable: int = 0
    read_only: bool = False
    alerts: AlertCounts | None = None
    """Firing / pending alerts shown by pgwtui; None without a Prometheus."""
    alerts_unknown: bool = False
    """Prometheus could not be read (the counts are from the last good read, if any)."""
    resolving: int = 0
    """Alerts of deleted groups still active in Prometheus."""


class StatusBar(Horizontal):
    """One line under the table; colours come from app.tcss (`.-nonzero` on failed / stale)."""

    def compose(self) -> ComposeResult:
        """Counters, then free text."""
        yield Label(id="sb-total")
        yield Label(id="sb-ok", classes="counter")
        yield Label(id="sb-failed", classes="counter")
        yield Label(id="sb-stale", classes="counter")
        yield Label(id="sb-alerts", markup=False)
        yield Label(id="sb-marked", markup=False)
        yield Label(id="sb-extra", markup=False)

    def show(self, info: StatusInfo) -> None:
        """Redraw from `info`."""
        c = info.counts
        for counter in self.query(".counter"):
            counter.display = c is not None
        if c is None:
            self.query_one("#sb-total", Label).update("no groups read yet")
            c = Counts()
        else:
            self.query_one("#sb-total", Label).update(f"{c.total} groups")
        self.query_one("#sb-ok", Label).update(f"ok {c.ok}")
        failed = self.query_one("#sb-failed", Label)
        failed.update(f"failed {c.failed}")
        failed.set_class(c.failed > 0, "-nonzero")
        stale = self.query_one("#sb-stale", Label)
        stale.update(f"stale {c.stale}")
        stale.set_class(c.stale > 0, "-nonzero")
        self._show_alerts(info)
        marked = self.query_one("#sb-marked", Label)
        hidden = f" ({info.marked_hidden} hidden by filter)" if info.marked_hidden else ""
        marked.update(f"{info.marked} marked{hidden}" if info.marked else "")
        marked.display = info.marked > 0
        parts = []
        if info.filter_text:
            parts.append(f"filter /{info.filter_text}/ shows {info.shown}")
        if info.unreadable:
            parts.append(f"{info.unreadable} entries with unreadable keys skipped")
        parts.append(f"sort {info.sort}")
        if info.refreshed:
            every = f", every {info.refresh_every:g}s" if info.refresh_every else ", auto-refresh off"
            parts.append(f"read {info.refreshed}{every}")
        if info.read_only:
            parts.append("READ-ONLY")
        self.query_one("#sb-extra", Label).update("│ " + " │ ".join(parts))

    def _show_alerts(self, info: StatusInfo) -> None:
        label = self.query_one("#sb-alerts", Label)
        label.display = info.alerts is not None
        if info.alerts is None:
            return
        a = info.alerts
        parts = [f"{a.firing} firing"] if a.firing else []
        if a.pending:
            parts.append(f"{a.pending} pending")
        if info.resolving:
            parts.append(f"{info.resolving} resolving")
        text = "alerts " + (", ".join(parts) or "0")
        if info.alerts_unknown:
            text = "alerts ?" if not a.total else text + " ?"
        label.update(text)
        label.set_class(a.firing > 0, "-firing")
        label.set_class(not a.firing and a.pending > 0, "-pending")
        label.set_class(info.alerts_unknown, "-unknown")
