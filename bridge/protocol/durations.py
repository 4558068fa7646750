"""Prometheus/Go-style durations (`90s`, `5m`, `1h30m`, `2d`, `250ms`): the one grammar, and its two spellings.

`parse` reads the grammar every part accepts. There are two ways to write a duration back:
`format_go` as Go's `time.Duration.String()` does (`5m0s`, for the gateway's `/api/v1/status`
flags, which must match the Go binary's), and `format_short` as a user would (`5m`, `1h30m`,
for pgwtui's thresholds and generated rules). Callers wrap these to translate `ValueError`
into their own package's error.
"""

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


def parse(text: str) -> float:
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


def format_go(seconds: float) -> str:
    """Go's `time.Duration.String()` for whole seconds and above (`5m0s`, `1h0m0s`, `0s`); below, milliseconds."""
    if seconds == 0:
        return "0s"
    whole = int(seconds)
    if whole != seconds or whole < 1:
        millis = seconds * 1000
        return f"{millis:g}ms"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def format_short(seconds: float) -> str:
    """Write a duration as a user would, rounded to the second: `45s`, `5m`, `1h30m`, `26h`, `3d` (whole days from 2d up)."""
    whole = round(seconds)
    if whole <= 0:
        return "0s"
    if whole % 86400 == 0 and whole >= 2 * 86400:
        return f"{whole // 86400}d"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if secs:
        parts.append(f"{secs}s")
    return "".join(parts)
