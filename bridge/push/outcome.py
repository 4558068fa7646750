"""What a push attempt came to: delivered, rejected for good, or worth retrying; pure, no I/O."""

from __future__ import annotations

import email.utils
import enum
from dataclasses import dataclass

TRANSIENT_STATUSES = frozenset({408, 429})
"""4xx answers that mean "not now" rather than "never"; every 5xx is transient too."""


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

    """

    verdict: Verdict
    status: int | None = None
    message: str = ""
    retry_after: float | None = None
    unreachable: bool = False

    @property
    def status_text(self) -> str:
        """The status as the `.error` file shows it: the HTTP code, or why there is none."""
        if self.status is not None:
            return str(self.status)
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
