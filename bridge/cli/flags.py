"""What every subcommand's flags share: `PGW_BRIDGE_*` environment fallbacks, durations, the log flags, `--version`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from bridge import buildinfo, logs
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
    """`--log.level` and `--log.format`, as the Go gateway spells them, with its help texts (serve and watch)."""
    container.add_argument(
        "--log.level",
        dest="log_level",
        default="info",
        choices=sorted(logs.LEVELS),
        help="Only log messages with the given severity or above. One of: [debug, info, warn, error]",
    )
    container.add_argument(
        "--log.format",
        dest="log_format",
        default="logfmt",
        choices=["logfmt", "json"],
        help="Output format of log messages. One of: [logfmt, json]",
    )


class _GoVersion(argparse.Action):
    """`--version` as Go 1.11 prints it: the multi-line text on stdout, exit 0 (argparse's own would reflow it)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        sys.stdout.write(buildinfo.version_text() + "\n")
        sys.stdout.flush()
        parser.exit(0)


def add_version_flag(container: argparse._ActionsContainer) -> None:
    """`--version`: the build, in the six lines of Go's version.Print (`tags` last), on stdout."""
    container.add_argument("--version", action=_GoVersion, help="Show application version.")


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
