"""GroupsTable: a virtual table (Line API) of group rows with a cursor, marks and sortable headers.

Only the lines on screen are formatted, so replacing 10,000 rows on every refresh costs a list
assignment, not a rebuild. Cursor and marks are kept by grouping key, so they survive refreshes,
re-sorts and filters.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from itertools import islice
from operator import attrgetter, indexOf
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from bridge.protocol.grouping import GroupKey
from pgwtui.views.groups import COLUMNS, STATUS_CLASS, CellFormatter, Column, GroupRow, column, same_rows

_KEY = attrgetter("group.key")
_TEXT = attrgetter("text")
_WIDTH = attrgetter("width")
MARK = "●"
GAP = 2
MIN_KEY_WIDTH = 16
MAX_KEY_WIDTH = 120


class GroupsTable(ScrollView, can_focus=True):
    """One line per group; `space` marks, `enter` opens, click a header to sort."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("pagedown,ctrl+f", "cursor_page(1)", "Page down", show=False, id="table.page_down"),
        Binding("pageup,ctrl+b", "cursor_page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("ctrl+d", "cursor_half_page(1)", "Half page down", show=False, id="table.half_down"),
        Binding("ctrl+u", "cursor_half_page(-1)", "Half page up", show=False, id="table.half_up"),
        Binding("home,g", "cursor_first", "First row", show=False, id="table.first"),
        Binding("end,G", "cursor_last", "Last row", show=False, id="table.last"),
        Binding("enter,l", "select", "Open", id="table.open"),
        Binding("space", "toggle_mark", "Mark", id="table.mark"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "groups-table--header",
        "groups-table--header-sorted",
        "groups-table--cursor",
        "groups-table--cursor-blurred",
        "groups-table--marked",
        "groups-table--ok",
        "groups-table--stale",
        "groups-table--failed",
        "groups-table--dim",
        "groups-table--cadence",
        "groups-table--empty",
    }

    class Selected(Message):
        """The user opened a row (enter, `l` or double click)."""

        def __init__(self, row: GroupRow) -> None:
            super().__init__()
            self.row = row

    class Highlighted(Message):
        """The cursor moved to another group (or the table became empty)."""

        def __init__(self, row: GroupRow | None) -> None:
            super().__init__()
            self.row = row

    class MarksChanged(Message):
        """Marks were added or removed."""

    class ViewportChanged(Message):
        """Other rows may be on screen now (scrolled, resized, new rows); a newer one replaces an older one."""

        def can_replace(self, message: Message) -> bool:
            """Only where the table is now matters."""
            return isinstance(message, GroupsTable.ViewportChanged)

    class SortRequested(Message):
        """A column header was clicked."""

        def __init__(self, column_id: str) -> None:
            super().__init__()
            self.column_id = column_id

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: list[GroupRow] = []
        self._marks: set[GroupKey] = set()
        self._cursor = 0
        self._formatter = CellFormatter(0.0)
        self._widths = KeyWidths()
        self._key_width = MIN_KEY_WIDTH
        self._content_key_width = MIN_KEY_WIDTH
        self.sort_column = "status"
        self.sort_descending = True
        self.empty_text = "Loading groups…"
        self.columns: tuple[Column, ...] = COLUMNS
        """The columns drawn (the screen adds ALERTS and PUSHES 24H when a Prometheus is configured)."""
        self._viewport: tuple[int, int, int] | None = None
        self._line_style: Style | None = None
        """The widget's style while a paint draws its lines (`render_lines`)."""

    # ----------------------------------------------------------------- data
    @property
    def rows(self) -> Sequence[GroupRow]:
        """The rows shown, in order."""
        return self._rows

    @property
    def row_count(self) -> int:
        """How many rows are shown."""
        return len(self._rows)

    @property
    def cursor_row(self) -> int:
        """Index of the highlighted row."""
        return self._cursor

    @property
    def current(self) -> GroupRow | None:
        """The highlighted row, if any."""
        return self._rows[self._cursor] if self._rows else None

    @property
    def marks(self) -> frozenset[GroupKey]:
        """Marked grouping keys (including rows hidden by the filter)."""
        return frozenset(self._marks)

    def set_rows(
        self,
        rows: Sequence[GroupRow],
        formatter: CellFormatter,
        *,
        empty_text: str = "",
        ascii_keys: bool | None = None,
    ) -> None:
        """Show these rows; the cursor stays on the same group (or the same line if it is gone).

        `ascii_keys`: whether every key is printable ASCII, if the caller knows (the widths then take one pass).
        """
        previous = self.current
        screen_line = self._cursor - int(self.scroll_y)
        self._formatter = formatter
        if empty_text:
            self.empty_text = empty_text
        if not same_rows(rows, self._rows):  # else only the instant changed: the cursor and widths hold
            self._rows = list(rows)
            index = self._index_of(previous.key, self._cursor, previous.text) if previous is not None else None
            self._cursor = index if index is not None else max(0, min(self._cursor, len(self._rows) - 1))
            widest = self._widths.widest(self._rows, ascii_keys=ascii_keys)
            self._content_key_width = max(MIN_KEY_WIDTH, min(MAX_KEY_WIDTH, widest))
        self._layout_columns()
        if self._rows:
            self.scroll_to(y=max(0, self._cursor - screen_line), animate=False, immediate=True)
        self._keep_cursor_visible()
        self.refresh()
        self._viewport_moved()
        current = self.current
        if (current.key if current else None) != (previous.key if previous else None):
            self.post_message(self.Highlighted(current))

    def set_formatter(self, formatter: CellFormatter, *, repaint: bool = True) -> None:
        """Draw the same rows with another formatter (new cadences): the lines on screen, or none (`repaint=False`)."""
        self._formatter = formatter
        if repaint:
            self.refresh()

    def visible_keys(self) -> list[GroupKey]:
        """The grouping keys of the rows on screen."""
        top = int(self.scroll_y)
        return [row.key for row in self._rows[top : top + self._page()]]

    def _viewport_moved(self) -> None:
        """Say so when other rows may be on screen (the screen then asks for what they lack)."""
        viewport = (int(self.scroll_y), self._page(), id(self._rows))
        if viewport != self._viewport:
            self._viewport = viewport
            self.post_message(self.ViewportChanged())

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling shows other rows."""
        super().watch_scroll_y(old_value, new_value)
        self._viewport_moved()

    def _index_of(self, key: GroupKey, near: int | None = None, text: str | None = None) -> int | None:
        """Where the group is shown; `near` is tried first, `text` (its key as one line) makes the scan cheap."""
        rows = self._rows
        if near is not None and near < len(rows) and rows[near].group.key == key:
            return near  # a refresh that moved nothing: no scan
        if text is not None:
            # Comparing strings is cheaper than comparing key tuples (and the very string object, kept by a
            # row that did not change, matches at once); the key text is checked, not trusted.
            start = 0
            while True:
                try:
                    index = start + indexOf(map(_TEXT, islice(rows, start, None)), text)
                except ValueError:
                    return None
                if rows[index].group.key == key:
                    return index
                start = index + 1
        try:
            return list(map(_KEY, rows)).index(key)
        except ValueError:
            return None

    def move_to(self, key: GroupKey) -> bool:
        """Put the cursor on a group; False if it is not shown."""
        index = self._index_of(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def mark(self, keys: Iterable[GroupKey]) -> int:
        """Mark groups; returns how many were newly marked."""
        before = len(self._marks)
        self._marks.update(keys)
        added = len(self._marks) - before
        if added:
            self.refresh()
            self.post_message(self.MarksChanged())
        return added

    def unmark(self, keys: Iterable[GroupKey] | None = None) -> None:
        """Unmark some groups, or all of them."""
        before = len(self._marks)
        if keys is None:
            self._marks.clear()
        else:
            self._marks.difference_update(keys)
        if len(self._marks) != before:
            self.refresh()
            self.post_message(self.MarksChanged())

    def prune_marks(self, existing: Callable[[], Container[GroupKey]]) -> None:
        """Forget marks of groups that no longer exist on the gateway (`existing` is only asked when something is marked)."""
        if self._marks:
            present = existing()
            self.unmark([k for k in self._marks if k not in present])

    # ----------------------------------------------------------------- geometry
    def _fixed_width(self) -> int:
        return 2 + sum(c.width + GAP for c in self.columns if c.width)

    def _layout_columns(self) -> None:
        available = self.size.width - self._fixed_width() - GAP
        self._key_width = max(self._content_key_width, min(available, MAX_KEY_WIDTH))
        width = self._fixed_width() + self._key_width + GAP
        self.virtual_size = Size(width, len(self._rows) + 1)

    def on_resize(self, event: events.Resize) -> None:
        """Grow the key column into the new width."""
        self._layout_columns()
        self._keep_cursor_visible()
        self._viewport_moved()

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _keep_cursor_visible(self) -> None:
        top = int(self.scroll_y)
        page = self._page()
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + page:
            self.scroll_to(y=self._cursor - page + 1, animate=False, immediate=True)

    def _set_cursor(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index == self._cursor:
            return
        before, top = self._cursor, self.scroll_offset.y
        self._cursor = index
        self._keep_cursor_visible()
        if self.scroll_offset.y == top:
            # Nothing scrolled: only the two lines the cursor left and reached change (line 0 is the header).
            self.refresh_line(before + 1)
            self.refresh_line(index + 1)
        else:
            self.refresh()
        self.post_message(self.Highlighted(self.current))

    # ----------------------------------------------------------------- actions
    def action_cursor_down(self) -> None:
        """Next row."""
        self._set_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        """Previous row."""
        self._set_cursor(self._cursor - 1)

    def action_cursor_page(self, direction: int) -> None:
        """One screen down (1) or up (-1)."""
        self._set_cursor(self._cursor + direction * self._page())

    def action_cursor_half_page(self, direction: int) -> None:
        """Half a screen down (1) or up (-1)."""
        self._set_cursor(self._cursor + direction * max(1, self._page() // 2))

    def action_cursor_first(self) -> None:
        """First row."""
        self._set_cursor(0)

    def action_cursor_last(self) -> None:
        """Last row."""
        self._set_cursor(len(self._rows) - 1)

    def action_select(self) -> None:
        """Open the highlighted group."""
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def action_toggle_mark(self) -> None:
        """Mark or unmark the highlighted group, then move down (as in htop)."""
        row = self.current
        if row is None:
            return
        if row.key in self._marks:
            self._marks.discard(row.key)
        else:
            self._marks.add(row.key)
        self.refresh()
        self.post_message(self.MarksChanged())
        self.action_cursor_down()

    # ----------------------------------------------------------------- mouse
    def on_click(self, event: events.Click) -> None:
        """Header click sorts; row click moves the cursor; double click opens."""
        if event.y == 0:
            column_id = self._column_at(event.x + int(self.scroll_x))
            if column_id is not None and column(column_id).sortable:
                self.post_message(self.SortRequested(column_id))
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._rows):
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_select()

    def _column_at(self, x: int) -> str | None:
        position = 2
        for col in self.columns:
            width = col.width or self._key_width
            if position <= x < position + width + GAP:
                return col.id
            position += width + GAP
        return None

    def on_focus(self, event: events.Focus) -> None:
        """Redraw the cursor in its focused colour."""
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        """Redraw the cursor in its blurred colour."""
        self.refresh()

    # ----------------------------------------------------------------- drawing
    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in `crop`, working out the widget's own style once for all of them."""
        self._line_style = self.rich_style  # walks every ancestor's styles: once a paint, not twice a line
        try:
            return super().render_lines(crop)
        finally:
            self._line_style = None

    @property
    def _base_style(self) -> Style:
        return self._line_style if self._line_style is not None else self.rich_style

    def _style(self, name: str) -> Style:
        # Partial: only what app.tcss sets, so a status colour never hides the cursor's background.
        return self.get_component_rich_style(f"groups-table--{name}", partial=True)

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header; the rest are rows from the scroll position."""
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        if y == 0:
            strip = self._header()
        else:
            index = int(self.scroll_y) + y - 1
            if index < len(self._rows):
                strip = self._row(index)
            elif not self._rows and 0 <= y - 2 < len(lines := self.empty_text.splitlines()):
                strip = Strip([Segment("  " + lines[y - 2], self._style("empty"))])
            else:
                strip = Strip.blank(width, self._base_style)
        return strip.crop_extend(scroll_x, scroll_x + width, self._base_style)

    def _cell(self, text: str, width: int, right: bool) -> str:
        if cell_len(text) > width:
            return set_cell_size(text, width - 1) + "…"
        return set_cell_size(text, width) if not right else " " * (width - cell_len(text)) + text

    def _header(self) -> Strip:
        base = self._base_style + self._style("header")
        sorted_style = base + self._style("header-sorted")
        segments = [Segment("  ", base)]
        for col in self.columns:
            width = col.width or self._key_width
            title = col.title
            if col.id == self.sort_column:
                title += " ▼" if self.sort_descending else " ▲"
            style = sorted_style if col.id == self.sort_column else base
            segments.append(Segment(self._cell(title, width, col.right), style))
            segments.append(Segment(" " * GAP, base))
        return Strip(segments)

    def _row(self, index: int) -> Strip:
        row = self._rows[index]
        marked = row.key in self._marks
        cursor = index == self._cursor
        base = self._base_style
        if marked:
            base += self._style("marked")
        if cursor:
            base += self._style("cursor" if self.has_focus else "cursor-blurred")
        texts = self._formatter.cells(row, self.columns)
        if index == int(self.scroll_y) and self.columns[-1].id == "cadence":
            texts = (*texts[:-1], self._formatter.cadence(row, first_on_screen=True))
        segments = [Segment(f"{MARK} " if marked else "  ", base)]
        for col, text in zip(self.columns, texts, strict=True):
            # On the cursor bar status colours would be unreadable: it keeps its own.
            style = base if cursor else base + self._cell_style(col.id, row)
            segments.append(Segment(self._cell(text, col.width or self._key_width, col.right), style))
            segments.append(Segment(" " * GAP, base))
        return Strip(segments)

    def _cell_style(self, column_id: str, row: GroupRow) -> Style:
        verdict = row.assessment
        if column_id == "status":
            return self._style(STATUS_CLASS[verdict.status])
        if column_id == "last_push" and verdict.stale:
            return self._style("stale")
        if column_id == "last_failure":
            return self._style("failed" if verdict.failed else "dim")
        if column_id == "alerts":
            counts = self._formatter.alert_counts(row)
            return self._style("failed" if counts.firing else "stale" if counts.pending else "dim")
        if column_id == "cadence":
            known = self._formatter.cadences.by_key.get(row.key)
            return self._style("dim" if known is None or known.counts is None else "cadence")
        return Style()


class KeyWidths:
    """The widest key text of a list of rows, in terminal cells.

    Rows measure printable ASCII keys themselves (`GroupRow.width`, off the UI thread); any other
    text is measured here with rich, once per text (a refresh keeps most texts).
    """

    def __init__(self) -> None:
        self._widths: dict[str, int] = {}

    def widest(self, rows: Sequence[GroupRow], *, ascii_keys: bool | None = None) -> int:
        """The widest key text of `rows` in cells (0 for none); `ascii_keys`: every key is printable ASCII, if known."""
        widest = max(map(_WIDTH, rows), default=0)
        if ascii_keys or (ascii_keys is None and min(map(_WIDTH, rows), default=0) >= 0):
            return widest
        widths = self._widths
        if len(widths) > 2 * len(rows):
            widths.clear()  # mostly texts of groups long gone
        for row in rows:
            if row.width < 0:
                text = row.text
                width = widths.get(text)
                if width is None:
                    width = widths[text] = cell_len(text)
                widest = max(widest, width)
        return widest
