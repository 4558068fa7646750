"""Prometheus/Go-style durations (`90s`, `5m`, `1h30m`, `2d`, `250ms`): the one grammar every part uses."""

from __future__ import annotations

import re

_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
    "y": 365 * 86400.0,
}


def parse_duration(text: str) -> float:
    """Seconds in a duration such as `5m`, `1h30m`, `90s`, `2d`; `0` alone is zero.

    Raises:
        ValueError: not a duration (empty, unknown unit, stray characters).

    """
    text = text.strip()
    if text == "0":
        return 0.0
    if not text:
        raise ValueError("empty duration")
    total = 0.0
    pos = 0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise ValueError(f"invalid duration {text!r} (examples: 90s, 5m, 1h30m, 2d)")
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total
