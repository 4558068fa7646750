"""What every subcommand's flags share: `PGW_BRIDGE_*` environment fallbacks, durations, the log flags."""

from __future__ import annotations

import argparse
import os
from typing import Any

from bridge import logs
from bridge.errors import ConfigError
from bridge.protocol import durations

ENV_PREFIX = "PGW_BRIDGE_"
_TRUE = {"1", "true", "yes", "on"}


def env_name(flag: str) -> str:
    """Return the environment variable of a flag: `--tls-ca-file` → `PGW_BRIDGE_TLS_CA_FILE`."""
    return ENV_PREFIX + flag.lstrip("-").replace("-", "_").replace(".", "_").upper()


def env_default(flag: str, default: str | None = None) -> str | None:
    """The flag's environment variable, else `default`: what the flag holds when not given."""
    return os.environ.get(env_name(flag), default)


def env_bool(flag: str) -> bool:
    """Whether a switch's environment variable is set to a true value (`1`, `true`, `yes`, `on`)."""
    return (os.environ.get(env_name(flag)) or "").strip().lower() in _TRUE


def add_env_flag(
    group: argparse._ArgumentGroup, flag: str, help_text: str, default: str | None = None, **kw: Any
) -> None:
    """Add a flag whose environment variable stands in when it is not given (the help names the variable)."""
    group.add_argument(flag, default=env_default(flag, default), help=f"{help_text} (env {env_name(flag)})", **kw)


def add_log_flags(container: argparse._ActionsContainer) -> None:
    """`--log.level` and `--log.format`, as the Go gateway spells them (serve and watch)."""
    container.add_argument(
        "--log.level",
        dest="log_level",
        default="info",
        choices=sorted(logs.LEVELS),
        help="only log messages with the given severity or above",
    )
    container.add_argument(
        "--log.format",
        dest="log_format",
        default="logfmt",
        choices=["logfmt", "json"],
        help="output format of log messages",
    )


def duration_seconds(text: str) -> float:
    """Seconds in a duration flag's value (`500ms`, `90s`, `1h30m`, `2d`); empty, like `0`, is zero.

    The one parser of every subcommand's duration flags (the gateway's config takes seconds).

    Raises:
        ConfigError: not a duration.

    """
    if text.strip() == "":
        return 0.0
    try:
        return durations.parse(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
