"""Unit tests: durations in the config, thresholds and ages on screen."""

from __future__ import annotations

import pytest

from pgwtui.durations import format_age, format_duration, parse_duration
from pgwtui.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        ("250ms", 0.25),
        (42, 42),
        (1.5, 1.5),
        ("0s", 0),
    ],
)
def test_parse_duration(text: object, seconds: float):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 m", "-5m", True, None, [], "nan"])
def test_parse_duration_rejects(text: object):
    with pytest.raises(ConfigError):
        parse_duration(text, what="x")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (90, "1m30s"), (3600, "1h"), (93600, "26h"), (172800, "2d"), (86400, "24h")]
)
def test_format_duration(seconds: float, text: str):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (45.9, "45s"),
        (60, "1m00s"),
        (192, "3m12s"),
        (7500, "2h05m"),
        (273600, "3d04h"),
        (-0.5, "0s"),
        (-30, "future"),
    ],
)
def test_format_age(seconds: float, text: str):
    assert format_age(seconds) == text
