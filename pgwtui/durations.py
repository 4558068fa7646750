"""Durations both ways: `90s` / `1h30m` / `2d` in the config, and short ages such as `3m12s` on screen."""

from __future__ import annotations

import math

from bridge.protocol import durations
from pgwtui.errors import ConfigError


def parse_duration(value: object, *, what: str = "duration") -> float:
    """Seconds in a Prometheus-style duration (`90s`, `5m`, `1h30m`, `2d`) or a plain number of seconds.

    Raises:
        ConfigError: not a duration, or negative.

    """
    if isinstance(value, bool):
        raise ConfigError(f"{what}: expected a duration such as '5m', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = durations.parse(value)
        except ValueError as exc:
            raise ConfigError(f"{what}: {exc}") from None
    else:
        raise ConfigError(f"{what}: expected a duration such as '5m', got {value!r}")
    if seconds < 0 or math.isnan(seconds) or math.isinf(seconds):
        raise ConfigError(f"{what}: must be a finite, non-negative duration, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """Write a threshold as a user would: `45s`, `5m`, `1h30m`, `26h`, `3d`."""
    return durations.format_short(seconds)


def format_age(seconds: float) -> str:
    """Write an age compactly, two units at most: `45s`, `3m12s`, `2h05m`, `3d04h`; `future` if negative."""
    if seconds < -1:
        return "future"
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        minutes, secs = divmod(whole, 60)
        return f"{minutes}m{secs:02d}s"
    if whole < 86400:
        hours, rest = divmod(whole, 3600)
        return f"{hours}h{rest // 60:02d}m"
    days, rest = divmod(whole, 86400)
    return f"{days}d{rest // 3600:02d}h"
