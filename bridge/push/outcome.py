"""What a push attempt came to: delivered, rejected for good, or worth retrying; pure, no I/O."""

from __future__ import annotations

import email.utils
import enum
from dataclasses import dataclass

from bridge.logs import utc_timestamp
from bridge.push.lastpush import LastPush

TRANSIENT_STATUSES = frozenset({408, 429})
"""4xx answers that mean "not now" rather than "never"; every 5xx is transient too."""

CLOCK_SKEW = 5.0
"""Seconds the gateway's clock may run behind ours, assumed only when its answer has no `Date` header.

A failure recorded up to this long before the attempt (more, if the gateway's clock is ahead) is
then taken for the attempt's. With a `Date` (Go always sends one), the gateway's own clock dates
the attempt and skew does not matter.
"""

DROPPED_REJECTION = (
    "the gateway closed the connection without answering and recorded a failed push for this group at {at}: "
    "Pushgateway 1.11.0 does this when it rejects a push as invalid or inconsistent with the metrics it holds "
    "(samples with timestamps, a duplicate series, a type that differs from the same metric in another group). "
    "Its log shows only a panic in handler/push.go, not the reason: fix what was pushed, or send it to a gateway "
    "that answers with the reason (1.5.1, pgw-bridge serve) to see it"
)


class Verdict(enum.StrEnum):
    """The three ways a push can end."""

    DELIVERED = "delivered"
    REJECTED = "rejected"
    TRANSIENT = "transient"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict on one attempt, with what the gateway (or the local check) said.

    Attributes:
        verdict: delivered, rejected (quarantine the file) or transient (keep it, retry).
        status: the HTTP status, or None when no answer came or the check was local.
        message: the gateway's answer body, the transport error, or the local parse error.
        retry_after: seconds the gateway asked us to wait (`Retry-After`), if any.
        unreachable: no answer at all (refused, timeout): every group should pause, not just this one.
        closed: the gateway took the request and closed the connection without an answer.

    """

    verdict: Verdict
    status: int | None = None
    message: str = ""
    retry_after: float | None = None
    unreachable: bool = False
    closed: bool = False

    @property
    def status_text(self) -> str:
        """The status as the `.error` file shows it: the HTTP code, or why there is none."""
        if self.status is not None:
            return str(self.status)
        if self.closed:
            return "no answer (connection closed)"
        if self.verdict is Verdict.REJECTED:
            return "invalid (not sent)"
        return "no answer"


def classify_status(status: int) -> Verdict:
    """2xx delivered; 408, 429 and 5xx transient; any other answer (4xx, 3xx, 1xx) rejected for good."""
    if 200 <= status < 300:
        return Verdict.DELIVERED
    if status in TRANSIENT_STATUSES or 500 <= status < 600:
        return Verdict.TRANSIENT
    return Verdict.REJECTED


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def parse_http_date(value: str | None) -> float | None:
    """Unix seconds from an HTTP date header (`Date`), or None if absent or bad."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def from_answer(status: int, body: str, *, retry_after: str | None = None, now: float = 0.0) -> Outcome:
    """Judge an HTTP answer."""
    verdict = classify_status(status)
    wait = parse_retry_after(retry_after, now) if verdict is Verdict.TRANSIENT else None
    return Outcome(verdict, status, body.strip(), retry_after=wait)


def no_answer(message: str) -> Outcome:
    """Judge a request that got no answer (connection refused, timeout, reset): transient."""
    return Outcome(Verdict.TRANSIENT, None, message, unreachable=True)


def invalid(message: str) -> Outcome:
    """Judge a file refused before sending (bad name, parse error with its line number): rejected."""
    return Outcome(Verdict.REJECTED, None, message)


def attempt_floor(sent_at: float, answered_at: float, gateway_date: float | None) -> float:
    """The earliest time, on the gateway's clock, the attempt sent at `sent_at` (our clock) can have reached it.

    `gateway_date` is the `Date` of an answer received at `answered_at` (our clock): the gateway's
    clock read, truncated to the second, at some instant before `answered_at`, so the attempt began
    no earlier than `gateway_date - (answered_at - sent_at)` on that clock, whatever the skew. A
    failure recorded before the attempt can still pass this floor by up to a second plus the
    answer's transit. Without a `Date`, our clock stands in, less `CLOCK_SKEW`.
    """
    if gateway_date is None:
        return sent_at - CLOCK_SKEW
    return gateway_date - max(0.0, answered_at - sent_at)


def dropped(
    error: str, group: LastPush | None, *, sent_at: float, answered_at: float, gateway_date: float | None
) -> Outcome:
    """Judge a push the gateway took and closed the connection on, given what its API shows afterwards.

    Rejected only when the group's last push failed and that failure is not older than the attempt
    (`attempt_floor`): Pushgateway 1.11.0's answer to a push it refuses. Anything else (no such
    group, a successful last push, an older failure) means the connection was lost on the way,
    which is transient; the gateway answered the API, so the other groups need not pause.

    Args:
        error: the transport error, as the log and the message show it.
        group: the group as `/api/v1/metrics` shows it after the attempt (None: not there).
        sent_at: our clock when the attempt was sent.
        answered_at: our clock when the API's answer arrived.
        gateway_date: the API answer's `Date` header, if any (`parse_http_date`).

    """
    floor = attempt_floor(sent_at, answered_at, gateway_date)
    if group is not None and not group.successful and group.failure_time >= floor:
        return Outcome(
            Verdict.REJECTED, None, DROPPED_REJECTION.format(at=utc_timestamp(group.failure_time)), closed=True
        )
    if group is None:
        seen = "the gateway holds no such group"
    elif group.successful:
        seen = "the gateway shows this group's last push as successful"
    else:
        seen = f"the group's last failed push, at {utc_timestamp(group.failure_time)}, is older than this attempt"
    return Outcome(Verdict.TRANSIENT, None, f"{error} ({seen}: the connection was lost on the way)", closed=True)


def dropped_unverified(error: str, why: str, *, unreachable: bool) -> Outcome:
    """Judge a closed connection when the gateway could not say whether it rejected the push: transient."""
    message = f"{error} (could not ask the gateway whether it rejected the push: {why})"
    return Outcome(Verdict.TRANSIENT, None, message, unreachable=unreachable, closed=True)
