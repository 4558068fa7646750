"""StatusBar: counts of ok / failed / stale groups, alerts, marks, filter, sort and refresh time."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
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
    """One line under the table; colours come from app.tcss (`.-nonzero` on failed / stale).

    A label is updated only when its text changes, and the screen laid out again only when a text
    changes width (`#sb-extra` takes the rest of the line whatever it says; counts are as wide as
    the total): a refresh that moves a count or the time of the read repaints one line instead of
    laying out and repainting the whole screen.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._texts: dict[str, str] = {}

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
            self._put("sb-total", "no groups read yet")
            c = Counts()
        else:
            self._put("sb-total", f"{c.total} groups")
        # Counts as wide as the total: the bar keeps its layout while they move.
        digits = len(str(c.total))
        self._put("sb-ok", f"ok {c.ok:>{digits}}")
        self._put("sb-failed", f"failed {c.failed:>{digits}}").set_class(c.failed > 0, "-nonzero")
        self._put("sb-stale", f"stale {c.stale:>{digits}}").set_class(c.stale > 0, "-nonzero")
        self._show_alerts(info)
        hidden = f" ({info.marked_hidden} hidden by filter)" if info.marked_hidden else ""
        marked = self._put("sb-marked", f"{info.marked} marked{hidden}" if info.marked else "")
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
        self._put("sb-extra", "│ " + " │ ".join(parts), fixed=True)

    def _put(self, label_id: str, text: str, *, fixed: bool = False) -> Label:
        """Set a label's text if it changed; lay the bar out again only if its width did (`fixed`: never)."""
        label = self.query_one(f"#{label_id}", Label)
        before = self._texts.get(label_id)
        if text != before:
            self._texts[label_id] = text
            label.update(text, layout=not fixed and (before is None or cell_len(text) != cell_len(before)))
        return label

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
        self._put("sb-alerts", text)
        label.set_class(a.firing > 0, "-firing")
        label.set_class(not a.firing and a.pending > 0, "-pending")
        label.set_class(info.alerts_unknown, "-unknown")
