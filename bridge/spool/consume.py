"""Consume mode: a delivered file is removed (or archived in `done/`); a rejected one goes to `failed/`."""

from __future__ import annotations

import logging
from pathlib import Path

from bridge.errors import SpoolError
from bridge.protocol.grouping import readable_path
from bridge.push.outcome import Outcome
from bridge.spool.disposition import Entry
from bridge.spool.files import (
    FileIdentity,
    Snapshot,
    atomic_write,
    error_report,
    read_snapshot,
    retire,
    stat_identity,
    unusable_name_report,
)
from bridge.spool.layout import SpoolLayout

log = logging.getLogger("bridge.spool")


class ConsumeDisposition:
    """Files are requests: each is pushed once, then retired; only the version pushed is ever removed.

    Args:
        layout: the spool's directories.
        target: the gateway, as `.error` files name it.
        keep_done: archive delivered files in `done/` (the newest per name) instead of deleting them.

    """

    def __init__(self, layout: SpoolLayout, *, target: str, keep_done: bool = False) -> None:
        self.layout = layout
        self.target = target
        self.keep_done = keep_done

    def vanished(self) -> list[Path]:
        """Nothing: a consumed file that is gone was delivered, or withdrawn by its producer."""
        return []

    def read(self, entry: Entry) -> Snapshot | None:
        """Read the file as it is now; None if it is gone (already consumed, or deleted by its producer)."""
        return read_snapshot(entry.path)

    def delivered(self, entry: Entry, snapshot: Snapshot) -> None:
        """Remove (or archive) the version that was pushed; a newer file at the same path stays queued."""
        if snapshot.identity is None:
            return
        archive = None
        if self.keep_done:
            self.layout.done.mkdir(exist_ok=True)
            archive = self.layout.done / entry.path.name
        if not retire(entry.path, snapshot.identity, archive):
            log.debug("spool file replaced while in flight", extra={"kv": {"file": str(entry.path)}})

    def rejected(self, entry: Entry, snapshot: Snapshot | None, result: Outcome) -> None:
        """Move the file to `failed/NAME` and explain why in `failed/NAME.error`."""
        identity = snapshot.identity if snapshot is not None else stat_identity(entry.path)
        report = error_report(
            status=result.status_text,
            message=result.message,
            method=entry.method.value,
            group=readable_path(entry.key),
            target=self.target,
        )
        self._quarantine(entry.path, identity, report)

    def unusable(self, path: Path, error: SpoolError) -> None:
        """Quarantine a file whose name cannot be turned into a grouping key."""
        self._quarantine(path, stat_identity(path), unusable_name_report(str(error), target=self.target))

    def _quarantine(self, path: Path, identity: FileIdentity | None, report: bytes) -> None:
        if identity is None:
            return
        failed = self.layout.failed
        failed.mkdir(exist_ok=True)
        if retire(path, identity, failed / path.name):
            atomic_write(failed / f"{path.name}.error", report, durable=False)
        else:
            log.warning(
                "rejected spool file was replaced meanwhile; the newer one stays queued",
                extra={"kv": {"file": str(path)}},
            )
