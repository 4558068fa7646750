"""Helpers for pgwtui Pilot tests: the screen as plain text, the groups table, waiting on predicates with a deadline."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot

from pgwtui.widgets.groups_table import GroupsTable


def screen_text(app: App[Any]) -> str:
    """What the terminal shows right now, as plain text (one line per row)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor", record=True
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for: {what}\n{screen_text(pilot.app)}")
        await pilot.pause(0.02)
    await pilot.pause()


def table(app: App[Any]) -> GroupsTable:
    """The groups table of the screen shown."""
    return app.screen.query_one(GroupsTable)


async def loaded(pilot: Pilot[Any]) -> None:
    """Wait until the first read of the gateway is on screen."""
    app: Any = pilot.app
    await wait_for(pilot, lambda: app.state.snapshot is not None and table(app).row_count > 0, "groups loaded")
