"""uvicorn on the caller's terms, for the gateway and for the bridge's own metrics: no signal capture."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn


class CallerSignalsServer(uvicorn.Server):
    """uvicorn without its own signal capture: whoever runs it decides when to stop (`should_exit`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave SIGINT/SIGTERM to the caller's handlers."""
        yield
