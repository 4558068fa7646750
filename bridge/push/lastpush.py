"""What a gateway's `/api/v1/metrics` says about one group's last push; pure, read from the decoded JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bridge.protocol.grouping import GroupKey

API_PATH = "/api/v1/metrics"
"""The Pushgateway's JSON view of every group (Go >= 1.2, and ours)."""


@dataclass(frozen=True, slots=True)
class LastPush:
    """One group's push record as the gateway's API shows it.

    Attributes:
        successful: the group's `last_push_successful`; only an explicit `false` counts as failed.
        failure_time: its `push_failure_time_seconds` (Unix seconds, the gateway's clock; 0 if it never failed).

    """

    successful: bool
    failure_time: float


def find_last_push(document: object, key: GroupKey) -> LastPush | None:
    """The record of the group whose grouping labels are exactly `key`, or None if the gateway holds no such group.

    Raises:
        ValueError: the document is not an `/api/v1/metrics` answer (no `data` list).

    """
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ValueError(f"not a Pushgateway {API_PATH} answer (no 'data' list)")
    wanted = dict(key)
    for group in document["data"]:
        if isinstance(group, dict) and group.get("labels") == wanted:
            return LastPush(
                successful=group.get("last_push_successful") is not False, failure_time=_failure_time(group)
            )
    return None


def _failure_time(group: dict[str, object]) -> float:
    # Anything unreadable reads as "never failed": the caller then keeps retrying, the safe side.
    family = group.get("push_failure_time_seconds")
    metrics = family.get("metrics") if isinstance(family, dict) else None
    if not isinstance(metrics, list) or not metrics or not isinstance(metrics[0], dict):
        return 0.0
    try:
        seconds = float(metrics[0].get("value", 0))
    except (TypeError, ValueError):
        return 0.0
    return seconds if math.isfinite(seconds) else 0.0
