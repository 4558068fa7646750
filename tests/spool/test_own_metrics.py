"""The bridge's own metrics start at zero, so Prometheus's increase() sees the first quarantined file."""

from __future__ import annotations

from bridge.spool.metrics import FAILED, QUARANTINE_REASONS, BridgeMetrics


def failed_counters(metrics: BridgeMetrics) -> dict[str, float]:
    family = next(f for f in metrics.families() if f.name == FAILED)
    return {dict(m.labels)["reason"]: m.scalar() for m in family.metrics}


def test_every_quarantine_reason_is_exposed_from_the_start() -> None:
    metrics = BridgeMetrics(clock=lambda: 0.0)
    assert failed_counters(metrics) == dict.fromkeys(QUARANTINE_REASONS, 0.0)
    metrics.quarantined("parse_error")
    assert failed_counters(metrics) == {"invalid_name": 0.0, "parse_error": 1.0, "rejected": 0.0}
