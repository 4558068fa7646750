"""The pipeline's unit of work (`Entry`) and what a spool mode does around each push (`Disposition`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bridge.errors import SpoolError
from bridge.protocol.grouping import GroupKey
from bridge.protocol.methods import Method
from bridge.push.outcome import Outcome
from bridge.spool.files import FileIdentity, Snapshot


@dataclass(frozen=True, slots=True)
class Entry:
    """One queued spool operation: a file (or, in mirror mode, a file's removal) for one group."""

    path: Path
    method: Method
    key: GroupKey
    identity: FileIdentity | None
    mtime: float
    """Wall-clock modification time when offered, for the oldest-pending-age metric."""


class Disposition(Protocol):
    """What happens to files around a push: consume mode retires them, mirror mode records digests."""

    def vanished(self) -> list[Path]:
        """Files whose removal while nobody watched is itself a request (mirror mode: delete their groups)."""
        ...

    def read(self, entry: Entry) -> Snapshot | None:
        """Return the body to push now, or None when there is nothing to do (file gone, content unchanged)."""
        ...

    def delivered(self, entry: Entry, snapshot: Snapshot) -> None:
        """Handle a push the gateway accepted."""
        ...

    def rejected(self, entry: Entry, snapshot: Snapshot | None, result: Outcome) -> None:
        """Handle a push refused for good (or a body that failed local validation)."""
        ...

    def unusable(self, path: Path, error: SpoolError) -> None:
        """Handle a `.prom` file whose name breaks the naming rule."""
        ...
