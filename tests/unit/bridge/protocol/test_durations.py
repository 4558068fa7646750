"""The one duration grammar, and its two spellings: Go's (`5m0s`, for /api/v1/status) and a user's (`5m`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.protocol.durations import format_go, format_short, parse


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0.0),
        ("0s", 0.0),
        ("90s", 90.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("2d", 172800.0),
        ("1w", 604800.0),
        ("1y", 365 * 86400.0),
        ("250ms", 0.25),
        ("1.5h", 5400.0),
        (" 5m ", 300.0),
    ],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", " ", "5", "5 m", "-5m", "5x", "m", "1h 30m", "nan"])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (5, "5s"), (90, "1m30s"), (300, "5m0s"), (3600, "1h0m0s"), (93784, "26h3m4s"), (0.5, "500ms")],
)
def test_format_go_writes_what_the_go_binary_writes(seconds: float, text: str) -> None:
    assert format_go(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-3, "0s"),
        (45.4, "45s"),
        (90, "1m30s"),
        (300, "5m"),
        (3600, "1h"),
        (93600, "26h"),
        (86400, "24h"),
        (172800, "2d"),
    ],
)
def test_format_short_writes_what_a_user_would(seconds: float, text: str) -> None:
    assert format_short(seconds) == text


@given(st.integers(min_value=0, max_value=10 * 365 * 86400))
def test_both_spellings_parse_back(seconds: int) -> None:
    assert parse(format_short(seconds)) == seconds
    assert parse(format_go(seconds)) == seconds
