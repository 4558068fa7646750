"""HelpScreen: every key binding (generated from the bindings themselves), statuses, rules, filter syntax."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from pgwtui.screens.alerts import AlertsScreen
from pgwtui.screens.confirm import ConfirmScreen
from pgwtui.screens.group_detail import GroupDetailScreen
from pgwtui.screens.groups import GroupsScreen
from pgwtui.widgets.groups_table import GroupsTable
from pgwtui.widgets.tables import VimDataTable

_KEY_NAMES = {
    "down": "↓",
    "up": "↑",
    "left": "←",
    "right": "→",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "escape": "esc",
    "slash": "/",
    "question_mark": "?",
    "enter": "enter",
    "space": "space",
    "backspace": "backspace",
    "tab": "tab",
    "shift+tab": "shift+tab",
}


@dataclass(frozen=True, slots=True)
class HelpSection:
    """A titled list of bindings."""

    title: str
    bindings: Sequence[BindingType]


def key_display(keys: str) -> str:
    """`down,j` → `↓ j`."""
    return " ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def binding_lines(section: HelpSection) -> list[str]:
    """One aligned line per binding that has a description."""
    rows: list[tuple[str, str]] = []
    for item in section.bindings:
        if isinstance(item, Binding):
            key, description = item.key, item.description
        else:
            key, description = item[0], item[2] if len(item) > 2 else item[1]
        if description:
            rows.append((key_display(key), description))
    return [f"  {key:<14} {description}" for key, description in rows]


def help_sections(app_bindings: Sequence[BindingType]) -> list[HelpSection]:
    """Every binding a user can press, by where it works: the app's own first, then each screen's."""
    everywhere = [
        *app_bindings,
        Binding("ctrl+p", "command_palette", "Command palette: every action by name"),
        Binding("tab,shift+tab", "focus_next", "Move focus"),
    ]
    return [
        HelpSection("Everywhere", everywhere),
        HelpSection("Groups list", [*GroupsScreen.BINDINGS, *GroupsTable.BINDINGS]),
        HelpSection("Group detail", [*GroupDetailScreen.BINDINGS, *VimDataTable.BINDINGS]),
        HelpSection("Alerts view (a, with --prometheus)", [*AlertsScreen.BINDINGS, *VimDataTable.BINDINGS]),
        HelpSection("Confirmations", ConfirmScreen.BINDINGS),
    ]


def help_text(sections: Sequence[HelpSection], about: Sequence[str]) -> str:
    """Render the whole help page as plain text."""
    lines: list[str] = list(about)
    for section in sections:
        lines += ["", section.title.upper(), *binding_lines(section)]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Shown by `?`; any of esc, q, ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help", id="help.close"),
        Binding("down,j", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("up,k", "scroll(-1)", "Scroll up", show=False, id="help.up"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        """Compose a scrollable page."""
        with Vertical(id="help"):
            yield Label("pgwtui help — esc closes", id="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(self.text, markup=False)

    def action_close(self) -> None:
        """Back to where we were."""
        self.dismiss(None)

    def action_scroll(self, lines: int) -> None:
        """Scroll the page."""
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_relative(y=lines, animate=False)
