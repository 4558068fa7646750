"""Spool and remote-gateway flags, each with a `PGW_BRIDGE_*` environment variable, and their values."""

from __future__ import annotations

import argparse
import enum
import os
from dataclasses import dataclass, field
from pathlib import Path

from bridge.errors import ConfigError
from bridge.gateway.config import parse_duration
from bridge.push.retry import BackoffPolicy
from bridge.push.settings import HttpSettings


class Mode(enum.StrEnum):
    """`consume`: files are requests, removed once delivered. `mirror`: files are state, never removed."""

    CONSUME = "consume"
    MIRROR = "mirror"


@dataclass(frozen=True, slots=True)
class SpoolOptions:
    """Everything about reading the spool (where pushes go is the pusher's business).

    Attributes:
        spool: the spool directory.
        mode: consume or mirror.
        keep_done: archive delivered files in `done/` instead of deleting them (consume mode).
        polling: poll instead of inotify (network filesystems).
        poll_interval: seconds between polls.
        quiet_period: seconds a file written in place must stay unchanged when no close-write is seen.
        workers: pushes in flight at once (different groups).
        grace: seconds in-flight pushes get to finish at shutdown.
        backoff: retry delays after transient failures.
        state_file: mirror mode's digest file; None: `SPOOL/.pgw-bridge-mirror.json`.
        state_in_memory: keep mirror state in memory only (the embedded gateway starts empty as well).
        rescan_interval: seconds between safety rescans for files the watcher missed (0: never).

    """

    spool: Path
    mode: Mode = Mode.CONSUME
    keep_done: bool = False
    polling: bool = False
    poll_interval: float = 1.0
    quiet_period: float = 1.0
    workers: int = 4
    grace: float = 10.0
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    state_file: Path | None = None
    state_in_memory: bool = False
    rescan_interval: float = 60.0


ENV_PREFIX = "PGW_BRIDGE_"
_TRUE = {"1", "true", "yes", "on"}


def env_name(flag: str) -> str:
    """Return the environment variable of a flag: `--tls-ca-file` → `PGW_BRIDGE_TLS_CA_FILE`."""
    return ENV_PREFIX + flag.lstrip("-").replace("-", "_").replace(".", "_").upper()


def _env(flag: str, default: str | None = None) -> str | None:
    return os.environ.get(env_name(flag), default)


def _env_bool(flag: str) -> bool:
    return (os.environ.get(env_name(flag)) or "").strip().lower() in _TRUE


def _add(group: argparse._ArgumentGroup, flag: str, help_text: str, default: str | None = None, **kw: object) -> None:
    group.add_argument(flag, default=_env(flag, default), help=f"{help_text} (env {env_name(flag)})", **kw)  # type: ignore[arg-type]


def add_spool_flags(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """How to read the spool: shared by `watch` and `serve --spool`."""
    g = parser.add_argument_group("spool")
    spool_help = "the spool directory to read .prom files from" + ("" if required else " (enables the bridge)")
    _add(g, "--spool", spool_help, metavar="DIR")
    _add(
        g,
        "--mode",
        "consume: files are removed once pushed; mirror: files are state, pushed on change",
        "consume",
        choices=[m.value for m in Mode],
    )
    g.add_argument(
        "--keep-done",
        action="store_true",
        default=_env_bool("--keep-done"),
        help=f"archive delivered files in SPOOL/done/ instead of deleting them (env {env_name('--keep-done')})",
    )
    _add(g, "--observer", "inotify, or polling for network filesystems", "inotify", choices=["inotify", "polling"])
    _add(g, "--poll-interval", "seconds between polls with --observer=polling", "1s", metavar="DURATION")
    _add(
        g,
        "--quiet-period",
        "a file written in place without a close-write is read once unchanged this long",
        "1s",
        metavar="DURATION",
    )
    _add(g, "--workers", "pushes in flight at once, for different groups", "4", metavar="N")
    _add(g, "--retry-initial", "first retry delay after a transient failure", "500ms", metavar="DURATION")
    _add(g, "--retry-max", "longest retry delay (backoff cap)", "30s", metavar="DURATION")
    _add(g, "--grace", "at shutdown, how long in-flight pushes may take to finish", "10s", metavar="DURATION")
    _add(
        g,
        "--rescan-interval",
        "rescan the spool this often for files the watcher missed (0: never)",
        "1m",
        metavar="DURATION",
    )
    _add(g, "--state-file", "mirror mode: digest state file (default SPOOL/.pgw-bridge-mirror.json)", metavar="FILE")


def add_remote_flags(parser: argparse.ArgumentParser) -> None:
    """Where `watch` pushes: a Pushgateway URL, auth and TLS."""
    g = parser.add_argument_group("gateway")
    _add(g, "--gateway", "the Pushgateway's base URL, route prefix included", metavar="URL")
    _add(g, "--basic-auth-user", "basic-auth user", metavar="USER")
    _add(g, "--basic-auth-password", "basic-auth password (prefer the _FILE variant)", metavar="PASSWORD")
    _add(g, "--basic-auth-password-file", "file holding the basic-auth password", metavar="FILE")
    _add(g, "--bearer-token", "bearer token for the Authorization header (prefer the _FILE variant)", metavar="TOKEN")
    _add(g, "--bearer-token-file", "file holding the bearer token", metavar="FILE")
    _add(g, "--tls-ca-file", "CA bundle (PEM) to verify the gateway's certificate", metavar="FILE")
    _add(g, "--tls-cert-file", "client certificate (PEM) for mutual TLS", metavar="FILE")
    _add(g, "--tls-key-file", "client certificate's private key (PEM)", metavar="FILE")
    g.add_argument(
        "--tls-insecure-skip-verify",
        action="store_true",
        default=_env_bool("--tls-insecure-skip-verify"),
        help=f"do not verify the gateway's certificate (env {env_name('--tls-insecure-skip-verify')})",
    )
    _add(g, "--timeout", "timeout of one push", "10s", metavar="DURATION")
    _add(g, "--metrics-listen", "serve the bridge's own metrics on this [host]:port at /metrics", metavar="ADDR")


def _seconds(args: argparse.Namespace, name: str, flag: str) -> float:
    value = parse_duration(str(getattr(args, name)))
    if value < 0:
        raise ConfigError(f"{flag} must not be negative")
    return value


def _read_secret(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} file: {exc}") from None


def spool_options(args: argparse.Namespace, *, state_in_memory: bool = False) -> SpoolOptions:
    """`SpoolOptions` from parsed flags.

    Raises:
        ConfigError: a missing spool or a value that does not parse.

    """
    if not args.spool:
        raise ConfigError(f"--spool (or {env_name('--spool')}) is required")
    try:
        workers = int(args.workers)
        maximum = _seconds(args, "retry_max", "--retry-max")
        initial = min(_seconds(args, "retry_initial", "--retry-initial"), maximum)
        backoff = BackoffPolicy(initial=initial, maximum=maximum)
    except ValueError as exc:
        raise ConfigError(f"bad retry or worker setting: {exc}") from None
    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    quiet = _seconds(args, "quiet_period", "--quiet-period")
    poll = _seconds(args, "poll_interval", "--poll-interval")
    if quiet <= 0 or poll <= 0:
        raise ConfigError("--quiet-period and --poll-interval must be positive")
    return SpoolOptions(
        spool=Path(args.spool),
        mode=Mode(args.mode),
        keep_done=bool(args.keep_done),
        polling=args.observer == "polling",
        poll_interval=poll,
        quiet_period=quiet,
        workers=workers,
        grace=_seconds(args, "grace", "--grace"),
        backoff=backoff,
        state_file=Path(args.state_file) if args.state_file else None,
        state_in_memory=state_in_memory,
        rescan_interval=_seconds(args, "rescan_interval", "--rescan-interval"),
    )


def http_settings(args: argparse.Namespace) -> HttpSettings:
    """`HttpSettings` from parsed flags (secrets read from their files).

    Raises:
        ConfigError: no gateway URL, conflicting secrets, or an unreadable secret file.

    """
    if not args.gateway:
        raise ConfigError(f"--gateway (or {env_name('--gateway')}) is required")
    password = args.basic_auth_password
    if args.basic_auth_password_file:
        if password:
            raise ConfigError("give --basic-auth-password or --basic-auth-password-file, not both")
        password = _read_secret(args.basic_auth_password_file, "basic-auth password")
    token = args.bearer_token
    if args.bearer_token_file:
        if token:
            raise ConfigError("give --bearer-token or --bearer-token-file, not both")
        token = _read_secret(args.bearer_token_file, "bearer token")
    return HttpSettings(
        url=args.gateway,
        username=args.basic_auth_user or None,
        password=password or None,
        bearer_token=token or None,
        ca_file=args.tls_ca_file or None,
        cert_file=args.tls_cert_file or None,
        key_file=args.tls_key_file or None,
        insecure_skip_verify=bool(args.tls_insecure_skip_verify),
        timeout=_seconds(args, "timeout", "--timeout") or 10.0,
    )
