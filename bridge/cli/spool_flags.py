"""The spool's flags (`watch`, `serve --spool`) and the remote gateway's (`watch`) → `SpoolOptions`, `HttpSettings`.

Every flag falls back to a `PGW_BRIDGE_*` environment variable (`--tls-ca-file` →
`PGW_BRIDGE_TLS_CA_FILE`), so a systemd unit or a container can configure the bridge without
a command line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bridge.cli.flags import add_env_flag, duration_seconds, env_bool, env_name
from bridge.errors import ConfigError
from bridge.push.retry import BackoffPolicy
from bridge.push.settings import HttpSettings
from bridge.spool.options import Mode, SpoolOptions


def add_spool_flags(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """How to read the spool: shared by `watch` and `serve --spool`."""
    g = parser.add_argument_group("spool")
    spool_help = "the spool directory to read .prom files from" + ("" if required else " (enables the bridge)")
    add_env_flag(g, "--spool", spool_help, metavar="DIR")
    add_env_flag(
        g,
        "--mode",
        "consume: files are removed once pushed; mirror: files are state, pushed on change",
        "consume",
        choices=[m.value for m in Mode],
    )
    g.add_argument(
        "--keep-done",
        action="store_true",
        default=env_bool("--keep-done"),
        help=f"archive delivered files in SPOOL/done/ instead of deleting them (env {env_name('--keep-done')})",
    )
    add_env_flag(
        g, "--observer", "inotify, or polling for network filesystems", "inotify", choices=["inotify", "polling"]
    )
    add_env_flag(g, "--poll-interval", "seconds between polls with --observer=polling", "1s", metavar="DURATION")
    add_env_flag(
        g,
        "--quiet-period",
        "a file written in place without a close-write is read once unchanged this long",
        "1s",
        metavar="DURATION",
    )
    add_env_flag(g, "--workers", "pushes in flight at once, for different groups", "4", metavar="N")
    add_env_flag(g, "--retry-initial", "first retry delay after a transient failure", "500ms", metavar="DURATION")
    add_env_flag(g, "--retry-max", "longest retry delay (backoff cap)", "30s", metavar="DURATION")
    add_env_flag(g, "--grace", "at shutdown, how long in-flight pushes may take to finish", "10s", metavar="DURATION")
    add_env_flag(
        g,
        "--rescan-interval",
        "rescan the spool this often for files the watcher missed (0: never)",
        "1m",
        metavar="DURATION",
    )
    add_env_flag(
        g, "--state-file", "mirror mode: digest state file (default SPOOL/.pgw-bridge-mirror.json)", metavar="FILE"
    )


def add_remote_flags(parser: argparse.ArgumentParser) -> None:
    """Where `watch` pushes: a Pushgateway URL, auth and TLS."""
    g = parser.add_argument_group("gateway")
    add_env_flag(g, "--gateway", "the Pushgateway's base URL, route prefix included", metavar="URL")
    add_env_flag(g, "--basic-auth-user", "basic-auth user", metavar="USER")
    add_env_flag(g, "--basic-auth-password", "basic-auth password (prefer the _FILE variant)", metavar="PASSWORD")
    add_env_flag(g, "--basic-auth-password-file", "file holding the basic-auth password", metavar="FILE")
    add_env_flag(
        g, "--bearer-token", "bearer token for the Authorization header (prefer the _FILE variant)", metavar="TOKEN"
    )
    add_env_flag(g, "--bearer-token-file", "file holding the bearer token", metavar="FILE")
    add_env_flag(g, "--tls-ca-file", "CA bundle (PEM) to verify the gateway's certificate", metavar="FILE")
    add_env_flag(g, "--tls-cert-file", "client certificate (PEM) for mutual TLS", metavar="FILE")
    add_env_flag(g, "--tls-key-file", "client certificate's private key (PEM)", metavar="FILE")
    g.add_argument(
        "--tls-insecure-skip-verify",
        action="store_true",
        default=env_bool("--tls-insecure-skip-verify"),
        help=f"do not verify the gateway's certificate (env {env_name('--tls-insecure-skip-verify')})",
    )
    add_env_flag(g, "--timeout", "timeout of one push", "10s", metavar="DURATION")
    g.add_argument(
        "--utf8-names",
        action="store_true",
        default=env_bool("--utf8-names"),
        help="the gateway runs with --push.enable-utf8-names: spool file names and bodies may carry UTF-8 "
        f"metric and label names (env {env_name('--utf8-names')})",
    )
    add_env_flag(
        g, "--metrics-listen", "serve the bridge's own metrics on this [host]:port at /metrics", metavar="ADDR"
    )


def _seconds(args: argparse.Namespace, name: str, flag: str) -> float:
    value = duration_seconds(str(getattr(args, name)))
    if value < 0:
        raise ConfigError(f"{flag} must not be negative")
    return value


def _read_secret(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} file: {exc}") from None


def spool_options(
    args: argparse.Namespace, *, state_in_memory: bool = False, utf8_names: bool | None = None
) -> SpoolOptions:
    """`SpoolOptions` from parsed flags; `utf8_names` None: `--utf8-names` (watch), else the gateway's own flag.

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
        utf8_names=bool(getattr(args, "utf8_names", False)) if utf8_names is None else utf8_names,
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
        utf8_names=bool(args.utf8_names),
    )
