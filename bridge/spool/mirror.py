"""Mirror mode: files are their groups' current state; push on content change, delete on removal.

The digest of the last content pushed (or refused) for each file lives in a small JSON state
file, so unchanged content is never pushed again, not even after a restart (that would refresh
`push_time_seconds` and hide staleness).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from bridge.errors import SpoolError
from bridge.protocol.grouping import readable_path
from bridge.protocol.methods import Method
from bridge.push.outcome import Outcome
from bridge.spool.disposition import Entry
from bridge.spool.files import Snapshot, atomic_write, error_report, read_snapshot, unusable_name_report
from bridge.spool.layout import SpoolLayout
from bridge.spool.metrics import BridgeMetrics

log = logging.getLogger("bridge.spool")
STATE_VERSION = 1
DEFAULT_STATE_NAME = ".pgw-bridge-mirror.json"


def digest(body: bytes) -> str:
    """Return the content digest kept in the state file."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


@dataclass(frozen=True, slots=True)
class Record:
    """What the bridge last did with a file's content: `pushed` or `failed`."""

    digest: str
    status: str


class MirrorState:
    """File name → last digest pushed (or refused), persisted as JSON; in memory only if `path` is None.

    Args:
        path: the state file, or None (serve mode without persistence: the gateway starts empty too).
        target: the gateway the digests refer to; a state file written for another target is ignored.

    """

    def __init__(self, path: Path | None, target: str) -> None:
        self.path = path
        self.target = target
        self.records: dict[str, Record] = {}

    def load(self) -> None:
        """Read the state file if it exists and belongs to this target.

        Raises:
            SpoolError: the file exists but is not a mirror state file.

        """
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unknown version {data.get('version')!r}")
            files = data["files"]
            records = {str(name): Record(str(r["digest"]), str(r["status"])) for name, r in files.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SpoolError(f"mirror state file {str(self.path)!r} is unusable ({exc}); move it away") from None
        if data.get("target") != self.target:
            log.warning(
                "mirror state was written for another gateway; pushing every file again",
                extra={"kv": {"state": str(self.path), "was": data.get("target"), "now": self.target}},
            )
            return
        self.records = records

    def save(self) -> None:
        """Write the state file atomically (not fsynced: losing it only costs one re-push)."""
        if self.path is None:
            return
        data = {
            "version": STATE_VERSION,
            "target": self.target,
            "files": {n: {"digest": r.digest, "status": r.status} for n, r in sorted(self.records.items())},
        }
        atomic_write(self.path, json.dumps(data, indent=1).encode("utf-8"), durable=False)

    def set(self, name: str, record: Record | None) -> None:
        """Record (or forget, with None) a file's last content, and save."""
        if record is None:
            if self.records.pop(name, None) is None:
                return
        else:
            if self.records.get(name) == record:
                return
            self.records[name] = record
        self.save()


class MirrorDisposition:
    """Pushes a file only when its digest differs from the state's; never moves or deletes spool files.

    Args:
        layout: the spool (only its top level is mirrored).
        state: the digests.
        metrics: counters (unchanged files are counted).

    """

    def __init__(self, layout: SpoolLayout, state: MirrorState, metrics: BridgeMetrics) -> None:
        self.layout = layout
        self.state = state
        self.metrics = metrics

    def vanished(self) -> list[Path]:
        """Files the state knows but that are gone (removed while the bridge was down)."""
        return [
            self.layout.root / name for name in sorted(self.state.records) if not (self.layout.root / name).exists()
        ]

    def read(self, entry: Entry) -> Snapshot | None:
        """Return the content to push, or None when it is unchanged (or the removal is moot)."""
        name = entry.path.name
        if entry.method is Method.DELETE:
            if entry.path.exists() or name not in self.state.records:
                return None
            return Snapshot(b"", None)
        snapshot = read_snapshot(entry.path)
        if snapshot is None:
            return None
        record = self.state.records.get(name)
        if record is not None and record.digest == digest(snapshot.body):
            self.metrics.skipped_unchanged()
            return None
        return snapshot

    def delivered(self, entry: Entry, snapshot: Snapshot) -> None:
        """Remember what the gateway now holds for this file."""
        if entry.method is Method.DELETE:
            self.state.set(entry.path.name, None)
        else:
            self.state.set(entry.path.name, Record(digest(snapshot.body), "pushed"))

    def rejected(self, entry: Entry, snapshot: Snapshot | None, result: Outcome) -> None:
        """Copy the refused content to `failed/NAME` with `NAME.error`; retry only once the file changes."""
        name = entry.path.name
        report = error_report(
            status=result.status_text,
            message=result.message,
            method=entry.method.value,
            group=readable_path(entry.key),
            target=self.state.target,
        )
        self._report(name, snapshot.body if snapshot is not None else None, report)
        if entry.method is Method.DELETE or snapshot is None:
            self.state.set(name, None)
        else:
            self.state.set(name, Record(digest(snapshot.body), "failed"))

    def unusable(self, path: Path, error: SpoolError) -> None:
        """Explain in `failed/NAME.error` why a file is ignored; the file itself stays."""
        self._report(path.name, None, unusable_name_report(str(error), target=self.state.target))

    def _report(self, name: str, body: bytes | None, report: bytes) -> None:
        failed = self.layout.failed
        failed.mkdir(exist_ok=True)
        if body is not None:
            atomic_write(failed / name, body, durable=False)
        atomic_write(failed / f"{name}.error", report, durable=False)
