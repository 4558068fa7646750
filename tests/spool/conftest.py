"""Every test here fails if it leaves a thread running (watchdog observers and emitters, pushers' pools)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_thread_leaks(no_thread_leaks: None) -> None:
    """Apply the shared thread-leak guard to every test in this package (autouse, as watchdog's own suite does)."""
