"""The bridge's own metrics: files pushed / failed / pending, oldest pending age, last push per group."""

from __future__ import annotations

import time
from collections.abc import Callable

from bridge.protocol.grouping import GroupKey, readable_path
from bridge.protocol.model import Metric, MetricFamily, MetricType

PREFIX = "pgw_bridge_spool_"
PUSHED = PREFIX + "files_pushed_total"
FAILED = PREFIX + "files_failed_total"
RETRIES = PREFIX + "push_retries_total"
UNCHANGED = PREFIX + "files_unchanged_total"
PENDING = PREFIX + "files_pending"
OLDEST = PREFIX + "oldest_pending_age_seconds"
LAST_PUSH = PREFIX + "last_push_timestamp_seconds"

KNOWN: dict[str, tuple[MetricType, str]] = {
    PUSHED: (MetricType.COUNTER, "Spool files delivered to the gateway (2xx), by method."),
    FAILED: (
        MetricType.COUNTER,
        "Spool files quarantined in failed/, by reason (invalid_name, parse_error, rejected).",
    ),
    RETRIES: (
        MetricType.COUNTER,
        "Push attempts that failed transiently (no answer, 5xx, 408, 429) and will be retried.",
    ),
    UNCHANGED: (MetricType.COUNTER, "Mirror mode: files seen again with the content already pushed (not re-pushed)."),
    PENDING: (MetricType.GAUGE, "Spool files waiting to be delivered (in flight or retrying included)."),
    OLDEST: (MetricType.GAUGE, "Age of the oldest pending spool file (by modification time), 0 when none."),
    LAST_PUSH: (MetricType.GAUGE, "Unix time of the last delivered push per group (readable grouping-key path)."),
}
"""Names, types and HELP of every family the bridge exposes about itself."""

QUARANTINE_REASONS = ("invalid_name", "parse_error", "rejected")
"""Every `reason` of FAILED; each starts at 0 so `increase()` sees the first quarantined file."""

PendingStats = Callable[[], tuple[int, float | None]]
"""Returns (pending files, modification time of the oldest one or None)."""


class BridgeMetrics:
    """Counters the pipeline updates, gathered as metric families on demand (on the event loop's thread).

    Args:
        clock: wall-clock seconds (injected in tests).

    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.pushed: dict[str, float] = {}
        self.failed: dict[str, float] = dict.fromkeys(QUARANTINE_REASONS, 0.0)
        self.retries = 0.0
        self.unchanged = 0.0
        self.last_push: dict[GroupKey, float] = {}
        self._pending: PendingStats = lambda: (0, None)

    def attach(self, pending: PendingStats) -> None:
        """Read pending counts from this callback (the pipeline's)."""
        self._pending = pending

    def delivered(self, method: str, key: GroupKey) -> None:
        """Count one delivered file and note the group's push time (a delivered DELETE forgets the group)."""
        self.pushed[method] = self.pushed.get(method, 0.0) + 1
        if method == "DELETE":
            self.last_push.pop(key, None)
        else:
            self.last_push[key] = self._clock()

    def quarantined(self, reason: str) -> None:
        """Count one file moved to `failed/`."""
        self.failed[reason] = self.failed.get(reason, 0.0) + 1

    def retried(self) -> None:
        """Count one transient failure."""
        self.retries += 1

    def skipped_unchanged(self) -> None:
        """Count one mirror file not re-pushed because its content did not change."""
        self.unchanged += 1

    def families(self) -> list[MetricFamily]:
        """Every family, sorted series, ready for any exposition."""
        count, oldest = self._pending()
        age = max(0.0, self._clock() - oldest) if oldest is not None else 0.0

        def family(name: str, metrics: list[Metric]) -> MetricFamily:
            mtype, help_text = KNOWN[name]
            return MetricFamily(name, mtype, help_text, metrics)

        return [
            family(PUSHED, [Metric((("method", m),), counter=v) for m, v in sorted(self.pushed.items())]),
            family(FAILED, [Metric((("reason", r),), counter=v) for r, v in sorted(self.failed.items())]),
            family(RETRIES, [Metric(counter=self.retries)]),
            family(UNCHANGED, [Metric(counter=self.unchanged)]),
            family(PENDING, [Metric(gauge=float(count))]),
            family(OLDEST, [Metric(gauge=age)]),
            family(
                LAST_PUSH,
                sorted(
                    (Metric((("group", readable_path(k)),), gauge=v) for k, v in self.last_push.items()),
                    key=lambda m: m.labels,
                ),
            ),
        ]
