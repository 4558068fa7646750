"""How a spool is read (`SpoolOptions`): a plain value the CLI builds from its flags (`bridge.cli.spool_flags`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from bridge.push.retry import BackoffPolicy


class Mode(enum.StrEnum):
    """`consume`: files are requests, removed once delivered. `mirror`: files are state, never removed."""

    CONSUME = "consume"
    MIRROR = "mirror"


@dataclass(frozen=True, slots=True)
class SpoolOptions:
    """Everything about reading the spool (where pushes go is the pusher's business).

    Attributes:
        spool: the spool directory.
        mode: consume or mirror.
        keep_done: archive delivered files in `done/` instead of deleting them (consume mode).
        polling: poll instead of inotify (network filesystems).
        poll_interval: seconds between polls.
        quiet_period: seconds a file written in place must stay unchanged when no close-write is seen.
        workers: pushes in flight at once (different groups).
        grace: seconds in-flight pushes get to finish at shutdown.
        backoff: retry delays after transient failures.
        state_file: mirror mode's digest file; None: `SPOOL/.pgw-bridge-mirror.json`.
        state_in_memory: keep mirror state in memory only (the embedded gateway starts empty as well).
        rescan_interval: seconds between safety rescans for files the watcher missed (0: never).
        utf8_names: the target gateway runs with `--push.enable-utf8-names`: file names and bodies
            may carry UTF-8 metric and label names (checked with the UTF-8 rule, not the legacy one).

    """

    spool: Path
    mode: Mode = Mode.CONSUME
    keep_done: bool = False
    polling: bool = False
    poll_interval: float = 1.0
    quiet_period: float = 1.0
    workers: int = 4
    grace: float = 10.0
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    state_file: Path | None = None
    state_in_memory: bool = False
    rescan_interval: float = 60.0
    utf8_names: bool = False
