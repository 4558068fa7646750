"""The pure verdict on a push whose connection closed without an answer, and the API record it rests on."""

from __future__ import annotations

import email.utils
import math

import pytest

from bridge.protocol.grouping import GroupKey, group_key
from bridge.push.lastpush import LastPush, find_last_push
from bridge.push.outcome import (
    CLOCK_SKEW,
    Verdict,
    attempt_floor,
    dropped,
    dropped_unverified,
    parse_http_date,
)

ERROR = "RemoteProtocolError: Server disconnected without sending a response."
SENT = 1_000_000.0
"""Our clock when the attempt went out; the API answered 0.2 s later."""
HOUR = 3600.0


def failed_at(seconds: float) -> LastPush:
    return LastPush(successful=False, failure_time=seconds)


@pytest.mark.parametrize(
    ("group", "gateway_date", "verdict"),
    [
        # The gateway's clock agrees with ours (its Date truncated to the second).
        (failed_at(SENT + 0.05), SENT, Verdict.REJECTED),
        (None, SENT, Verdict.TRANSIENT),
        (LastPush(successful=True, failure_time=SENT + 0.05), SENT, Verdict.TRANSIENT),
        (LastPush(successful=True, failure_time=0.0), SENT, Verdict.TRANSIENT),
        (failed_at(SENT - 30), SENT, Verdict.TRANSIENT),  # an earlier failure of the group
        (failed_at(SENT - 0.2), SENT, Verdict.REJECTED),  # on the floor: Date's second and the transit
        (failed_at(SENT - 0.21), SENT, Verdict.TRANSIENT),  # just below it
        # The gateway's clock an hour behind ours: its Date says so, the failure is this attempt's.
        (failed_at(SENT - HOUR + 0.05), SENT - HOUR, Verdict.REJECTED),
        (failed_at(SENT - HOUR - 30), SENT - HOUR, Verdict.TRANSIENT),
        # An hour ahead: a failure half a minute before the attempt is still older than it.
        (failed_at(SENT + HOUR - 30), SENT + HOUR, Verdict.TRANSIENT),
        (failed_at(SENT + HOUR + 0.05), SENT + HOUR, Verdict.REJECTED),
        # No Date header: our clock, less CLOCK_SKEW.
        (failed_at(SENT - CLOCK_SKEW), None, Verdict.REJECTED),
        (failed_at(SENT - CLOCK_SKEW - 1), None, Verdict.TRANSIENT),
        (failed_at(SENT - HOUR + 0.05), None, Verdict.TRANSIENT),  # a clock an hour behind, unseen
    ],
)
def test_dropped_is_rejected_only_for_a_failure_the_gateway_recorded_since_the_attempt(
    group: LastPush | None, gateway_date: float | None, verdict: Verdict
) -> None:
    result = dropped(ERROR, group, sent_at=SENT, answered_at=SENT + 0.2, gateway_date=gateway_date)
    assert result.verdict is verdict
    assert result.closed and result.status is None and not result.unreachable
    assert result.status_text == "no answer (connection closed)"


def test_the_rejection_says_what_happened_and_what_to_do() -> None:
    at = 1_700_000_000.123
    result = dropped(ERROR, failed_at(at), sent_at=at - 0.01, answered_at=at + 0.1, gateway_date=math.floor(at))
    assert result.verdict is Verdict.REJECTED
    assert result.message.startswith(
        "the gateway closed the connection without answering and recorded a failed push for this group at "
        "2023-11-14T22:13:20.123Z: Pushgateway 1.11.0 does this when it rejects a push as invalid or inconsistent"
    )
    assert "its log shows only a panic" in result.message.lower()
    assert "fix what was pushed" in result.message


@pytest.mark.parametrize(
    ("group", "words"),
    [
        (None, "holds no such group"),
        (LastPush(successful=True, failure_time=0.0), "last push as successful"),
        (failed_at(SENT - 60), "last failed push, at 1970-01-12T13:45:40.000Z, is older than this attempt"),
    ],
)
def test_a_transient_close_keeps_the_error_and_says_why_it_is_retried(group: LastPush | None, words: str) -> None:
    result = dropped(ERROR, group, sent_at=SENT, answered_at=SENT + 0.2, gateway_date=SENT)
    assert result.message.startswith(ERROR) and words in result.message


@pytest.mark.parametrize("unreachable", [True, False])
def test_when_the_api_cannot_be_asked_it_stays_transient(unreachable: bool) -> None:
    result = dropped_unverified(ERROR, "GET /api/v1/metrics answered 404", unreachable=unreachable)
    assert result.verdict is Verdict.TRANSIENT and result.closed and result.unreachable is unreachable
    assert (
        result.message
        == f"{ERROR} (could not ask the gateway whether it rejected the push: GET /api/v1/metrics answered 404)"
    )


def test_attempt_floor() -> None:
    # The Date was read at most answered_at - sent_at after the attempt: the floor is that much earlier.
    assert attempt_floor(100.0, 100.5, 5000.0) == 4999.5
    assert attempt_floor(100.0, 99.0, 5000.0) == 5000.0  # our clock stepped back: no negative transit
    assert attempt_floor(100.0, 100.5, None) == 100.0 - CLOCK_SKEW


def test_parse_http_date() -> None:
    assert parse_http_date(email.utils.formatdate(1_700_000_000, usegmt=True)) == 1_700_000_000.0
    assert parse_http_date("Thu, 03 Dec 2026 16:50:01 GMT") == 1_796_316_601.0
    assert parse_http_date(None) is None
    assert parse_http_date("yesterday") is None


KEY: GroupKey = group_key({"job": "backup", "instance": "db/1", "empty": ""})


def api_group(
    labels: dict[str, str], *, ok: object = False, failure: object = "1.7963164879154415e+09"
) -> dict[str, object]:
    """One group as Go 1.11.0's /api/v1/metrics shows it (trimmed to what is read)."""
    return {
        "labels": labels,
        "last_push_successful": ok,
        "push_failure_time_seconds": {"type": "GAUGE", "metrics": [{"labels": labels, "value": failure}]},
        "push_time_seconds": {"type": "GAUGE", "metrics": [{"labels": labels, "value": "1.79e+09"}]},
    }


def test_find_last_push_matches_the_grouping_labels_exactly() -> None:
    exact = dict(KEY)
    document = {
        "status": "success",
        "data": [
            api_group({"job": "backup", "instance": "db/1"}, ok=False),  # no empty label: another group
            api_group({**exact, "extra": "x"}, ok=False),  # a superset: another group
            api_group(exact, ok=False, failure="1.7963164879154415e+09"),
        ],
    }
    assert find_last_push(document, KEY) == LastPush(successful=False, failure_time=1.7963164879154415e09)
    assert find_last_push(document, group_key({"job": "other"})) is None
    assert find_last_push({"status": "success", "data": []}, KEY) is None


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (api_group(dict(KEY), ok=True, failure="0"), LastPush(True, 0.0)),
        (api_group(dict(KEY), ok="false", failure="12"), LastPush(True, 12.0)),  # only a JSON false is a failure
        ({"labels": dict(KEY)}, LastPush(True, 0.0)),
        (api_group(dict(KEY), failure="NaN"), LastPush(False, 0.0)),
        (api_group(dict(KEY), failure="soon"), LastPush(False, 0.0)),
        (api_group(dict(KEY), failure=None), LastPush(False, 0.0)),
        (
            {"labels": dict(KEY), "last_push_successful": False, "push_failure_time_seconds": {"metrics": []}},
            LastPush(False, 0.0),
        ),
    ],
)
def test_find_last_push_reads_anything_odd_as_the_safe_side(group: dict[str, object], expected: LastPush) -> None:
    assert find_last_push({"data": [group]}, KEY) == expected


@pytest.mark.parametrize("document", [None, [], {"status": "error"}, {"data": {}}, "<html>"])
def test_find_last_push_refuses_what_is_not_the_api(document: object) -> None:
    with pytest.raises(ValueError, match="not a Pushgateway /api/v1/metrics answer"):
        find_last_push(document, KEY)
