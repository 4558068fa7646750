"""PgwScreen, the base of the full screens: the app as the few things a screen reads, the read-only guard, the banners.

A screen knows the app only as an `AppContext` (settings, the clients' URLs and paths, the clock,
the state and its signal), never as `PgwApp`: it draws the state, and asks the app for anything
that does I/O by posting a request message (`pgwtui.messages`). Each screen offers its own
actions to the command palette (`palette_commands`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import tzinfo
from typing import Protocol, TypeVar, cast

from textual.app import SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal

from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.client import GatewayClient
from pgwtui.config import Settings
from pgwtui.state import AppState, Clock
from pgwtui.widgets.banner import AlertsBanner, Banner

ResultType = TypeVar("ResultType")


class AppContext(Protocol):
    """What a screen reads from the app (`PgwApp` is one)."""

    settings: Settings
    client: GatewayClient
    prometheus: PrometheusClient | None
    clock: Clock
    tz: tzinfo | None
    state: AppState
    state_changed: Signal[AppState]


class PgwScreen(Screen[ResultType]):
    """A full screen of pgwtui (the dialogs and the help page are modal screens, not these)."""

    @property
    def pgw(self) -> AppContext:
        """The app, as what a screen may read of it."""
        return cast("AppContext", self.app)

    def request(self, message: Message) -> None:
        """Ask the app to do something (delete, probe the gateway); it owns every worker."""
        self.app.post_message(message)

    def show_banners(self, state: AppState) -> None:
        """Show or hide this screen's banners: the gateway's error, and Prometheus's if it has that banner."""
        retry = self.pgw.settings.refresh_interval
        for banner in self.query(Banner):
            error = state.alerts_error if isinstance(banner, AlertsBanner) else state.error
            if error:
                banner.show_error(error, retry)
            else:
                banner.clear()

    def _writable(self) -> bool:
        """False, and say why, in read-only mode."""
        if self.pgw.settings.read_only:
            self.notify("Read-only mode (--read-only): deleting is disabled.", severity="warning")
            return False
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's own actions, for the command palette (Ctrl+P); the app adds its own."""
        return ()
