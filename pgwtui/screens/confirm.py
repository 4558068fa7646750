"""ConfirmScreen: a ModalScreen[bool] that shows exactly what a destructive action will do."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from pgwtui.views.prompts import Prompt


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no; `Cancel` has the focus, so a stray enter never deletes anything."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes, do it", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No, cancel", id="confirm.no"),
        Binding("left,h", "app.focus_previous", "Previous button", show=False, id="confirm.left"),
        Binding("right,l", "app.focus_next", "Next button", show=False, id="confirm.right"),
    ]

    def __init__(self, prompt: Prompt) -> None:
        super().__init__(classes="-warning" if prompt.warning else "")
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        """Title, body, buttons."""
        with Vertical(id="dialog"):
            yield Label(self.prompt.title, id="dialog-title", markup=False)
            with VerticalScroll(id="dialog-body"):
                yield Static(self.prompt.body, markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel (n)", id="cancel", variant="default")
                yield Button(f"{self.prompt.confirm} (y)", id="confirm", variant="error")

    def on_mount(self) -> None:
        """Safe default."""
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Answer with a button."""
        event.stop()
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, answer: bool) -> None:
        """Answer with a key."""
        self.dismiss(answer)
