"""Banners: the "cannot reach the gateway" notice, and its milder twin for Prometheus (alerts only)."""

from __future__ import annotations

from textual.widgets import Static


class Banner(Static):
    """Hidden while all is well; shows the last connection error and that we keep retrying."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", markup=False, id=id)

    def show_error(self, message: str, retry_every: float) -> None:
        """Show an error with the retry hint."""
        again = f"retrying every {retry_every:g}s; " if retry_every else "auto-refresh is off; "
        self.update(f"✖ {message}\n  {again}press r to retry now")
        self.add_class("-visible")

    def clear(self) -> None:
        """Hide the banner (nothing to do, and so no layout of the screen, when it is hidden already)."""
        if not self.visible_error:
            return
        self.remove_class("-visible")
        self.update("")

    @property
    def visible_error(self) -> bool:
        """Whether an error is on screen."""
        return self.has_class("-visible")


class AlertsBanner(Banner):
    """Prometheus could not be read: alerts are unknown, but the groups shown are still current."""

    def show_error(self, message: str, retry_every: float) -> None:
        """Show the error; say that only the alerts are affected."""
        again = f"retrying every {retry_every:g}s" if retry_every else "auto-refresh is off"
        self.update(
            f"⚠ alerts unknown: {message}\n  the groups are still read from the gateway; {again}; r retries now"
        )
        self.add_class("-visible")
