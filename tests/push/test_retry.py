"""The pure retry policy and outcome classification."""

from __future__ import annotations

import email.utils

import pytest

from bridge.push.outcome import Verdict, classify_status, from_answer, invalid, no_answer, parse_retry_after
from bridge.push.retry import BackoffPolicy


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (202, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (400, Verdict.REJECTED),
        (401, Verdict.REJECTED),
        (403, Verdict.REJECTED),
        (404, Verdict.REJECTED),
        (405, Verdict.REJECTED),
        (413, Verdict.REJECTED),
        (408, Verdict.TRANSIENT),
        (429, Verdict.TRANSIENT),
        (500, Verdict.TRANSIENT),
        (502, Verdict.TRANSIENT),
        (503, Verdict.TRANSIENT),
        (504, Verdict.TRANSIENT),
        (301, Verdict.REJECTED),
    ],
)
def test_classify_status(status: int, verdict: Verdict) -> None:
    assert classify_status(status) is verdict


def test_answers_keep_the_gateways_message() -> None:
    result = from_answer(400, "pushed metrics are invalid\n")
    assert result.verdict is Verdict.REJECTED
    assert (result.status, result.message, result.status_text) == (400, "pushed metrics are invalid", "400")
    assert not result.unreachable


def test_no_answer_pauses_everyone() -> None:
    result = no_answer("ConnectError: refused")
    assert result.verdict is Verdict.TRANSIENT and result.unreachable
    assert result.status_text == "no answer"
    assert invalid("text format parsing error in line 3: x").status_text == "invalid (not sent)"


def test_retry_after() -> None:
    assert parse_retry_after("7", now=0) == 7.0
    assert parse_retry_after(None, now=0) is None
    assert parse_retry_after("soon", now=0) is None
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=1_000_000) == pytest.approx(30.0)
    assert from_answer(429, "", retry_after="3").retry_after == 3.0
    assert from_answer(400, "", retry_after="3").retry_after is None


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = BackoffPolicy(initial=0.5, maximum=8.0, multiplier=2.0, jitter=0.0)
    assert [policy.delay(n, rand=0.9) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert policy.delay(10_000, rand=0.5) == 8.0


def test_jitter_stays_within_its_fraction() -> None:
    policy = BackoffPolicy(initial=1.0, maximum=100.0, jitter=0.5)
    assert policy.delay(3, rand=0.0) == 4.0
    assert policy.delay(3, rand=0.999) == pytest.approx(2.002)
    draws = [policy.delay(3, rand=i / 100) for i in range(100)]
    assert min(draws) >= 2.0 and max(draws) <= 4.0 and len(set(draws)) == 100


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = BackoffPolicy(initial=0.5, maximum=10.0, jitter=0.0)
    assert policy.delay(1, rand=0.0, retry_after=5.0) == 5.0
    assert policy.delay(1, rand=0.0, retry_after=500.0) == 10.0
    assert policy.delay(5, rand=0.0, retry_after=1.0) == 8.0


@pytest.mark.parametrize("kwargs", [{"initial": 0}, {"initial": 2, "maximum": 1}, {"jitter": 2}, {"multiplier": 0.5}])
def test_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BackoffPolicy(**kwargs)
