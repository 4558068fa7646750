"""HistoryPanel: the group detail's history section, a plotext chart (textual-plotext) beside the derived figures.

The chart and the figures arrive as pure data (`pgwtui.views.history_chart.ChartData`,
`pgwtui.views.history.Figure`); this module only hands them to plotext and to Rich text. The
chart's colours are plotext's own names (it takes no CSS); everything else is styled in app.tcss.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static
from textual_plotext import PlotextPlot

from pgwtui.views.history_chart import LEGEND, ChartData
from pgwtui.views.history_figures import Figure

LABEL_WIDTH = 13


class HistoryChart(PlotextPlot):
    """The sawtooth of the age of the last push, the max-age line, pushes, failures and firing spans."""

    def show(self, data: ChartData | None, note: str = "") -> None:
        """Draw `data` (None: an empty frame with `note` as its title)."""
        plt = self.plt
        plt.clear_figure()
        if data is None or data.empty:
            plt.title(data.empty if data is not None else "no history to show")
            plt.xticks([], [])
            plt.yticks([], [])
            self.refresh()
            return
        plt.title(data.title)
        for start, end in data.firing:
            plt.plot([start, end], [data.firing_y, data.firing_y], marker="▀", color="red")
        if data.max_age is not None:
            plt.plot(list(data.xlim), [data.max_age, data.max_age], marker="═", color="orange")
        if data.line:
            plt.plot([x for x, _ in data.line], [y for _, y in data.line], marker="braille", color="cyan")
        if data.pushes:
            plt.scatter(list(data.pushes), [0.0] * len(data.pushes), marker="●", color="green")
        if data.failures:
            plt.scatter([x for x, _ in data.failures], [y for _, y in data.failures], marker="✗", color="red")
        plt.xlim(*data.xlim)
        plt.ylim(*data.ylim)
        plt.xticks([x for x, _ in data.xticks], [text for _, text in data.xticks])
        plt.yticks([y for y, _ in data.yticks], [text for _, text in data.yticks])
        self.refresh()


class HistoryFigures(Static):
    """The figures beside the chart: one label and its text a line; hints in the warning colour."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"history-figures--label", "history-figures--hint"}

    def show(self, figures: Sequence[Figure], note: str = "") -> None:
        """Write the figures (or only `note`)."""
        text = Text(no_wrap=False)
        label = self.get_component_rich_style("history-figures--label", partial=True)
        hint = self.get_component_rich_style("history-figures--hint", partial=True)
        width = max(20, (self.content_region.width or 60) - LABEL_WIDTH)
        if note:
            text.append("\n".join(textwrap.wrap(note, width + LABEL_WIDTH)), hint)
        for i, figure in enumerate(figures):
            if i or note:
                text.append("\n")
            text.append(f"{figure.label:<{LABEL_WIDTH}}", label)
            # Wrapped here, with a hanging indent, so that a long hint stays in its column.
            wrapped = textwrap.wrap(figure.text, width) or [""]
            text.append(("\n" + " " * LABEL_WIDTH).join(wrapped), hint if figure.hint else None)
        self.update(text)


class HistoryPanel(Vertical):
    """Title with the range keys, then the chart and its figures."""

    def compose(self) -> ComposeResult:
        """Title on top; chart left, figures right."""
        yield Label("", id="history-title", markup=False)
        with Horizontal(id="history-body"):
            yield HistoryChart(id="history-chart")
            yield HistoryFigures("", id="history-figures")

    def show(self, title: str, data: ChartData | None, figures: Sequence[Figure], note: str = "") -> None:
        """Redraw the section."""
        self.query_one("#history-title", Label).update(f"{title}    {LEGEND}")
        self.query_one(HistoryChart).show(data, note)
        self.query_one(HistoryFigures).show(figures, note)
