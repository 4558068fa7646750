"""VimDataTable: Textual's DataTable with row cursor and vim keys (j/k, g/G, ctrl+f/ctrl+b)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class VimDataTable(DataTable[Any]):
    """A row-cursor DataTable that also answers to vim keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="vim.down"),
        Binding("k", "cursor_up", "Up", show=False, id="vim.up"),
        Binding("g", "scroll_top", "First row", show=False, id="vim.top"),
        Binding("G", "scroll_bottom", "Last row", show=False, id="vim.bottom"),
        Binding("ctrl+f", "page_down", "Page down", show=False, id="vim.page_down"),
        Binding("ctrl+b", "page_up", "Page up", show=False, id="vim.page_up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
