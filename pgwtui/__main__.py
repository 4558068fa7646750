"""`pgwtui [URL]`: flags → settings → app; with no gateway configured, composes the embedded demo; `rules`, `web`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from pgwtui import __version__
from pgwtui.config import Overrides, Settings, resolve
from pgwtui.config_file import default_config_path, environment
from pgwtui.connection import Connection
from pgwtui.durations import parse_duration
from pgwtui.errors import PgwtuiError
from pgwtui.rules import cli as rules_cli

EPILOG = """\
environment: PGWTUI_URL, PGWTUI_USERNAME, PGWTUI_PASSWORD, PGWTUI_TOKEN, PGWTUI_PROMETHEUS
(flags win over them).
config file: --config FILE, else $XDG_CONFIG_HOME/pgwtui/config.toml (see docs/tui.md).
`pgwtui rules [--config FILE] [-o FILE]` prints Prometheus alerting rules for the staleness
rules (docs/alerts.md).
`pgwtui web [--host 127.0.0.1 --port 8000] [--web.config.file F] [--allow-delete] [options]`
serves this app in a browser, read-only by default (docs/tui.md).
With no URL anywhere, pgwtui starts an embedded, seeded demo gateway (what `make run` shows).
Press ? in the app for every key.
"""

Command = Callable[[Sequence[str]], int]


def web_main(argv: Sequence[str]) -> int:
    """`pgwtui web [--host H] [--port P] [--web.config.file F] [--allow-delete] [pgwtui's options]`: serve the app."""
    from pgwtui.web import access

    try:
        options, app_args, wants_help = access.split_args(argv)
        if wants_help:
            print(
                access.web_parser().format_help().replace("usage: pgwtui web", "usage: pgwtui web [pgwtui's options]")
            )
            print(parser().format_help())
            return 0
        settings_from(parser().parse_args(app_args))  # the app's own checks, once, before any browser comes
        from pgwtui.web import auth, server

        config = auth.load(options.web_config)
        access.check_exposure(options.host, len(config.users), options.web_config)
        command, secrets = access.app_command(sys.executable, app_args, allow_delete=options.allow_delete)
    except PgwtuiError as exc:
        print(f"pgwtui: {exc}", file=sys.stderr)
        return 2
    os.environ.update(secrets)  # each tab's process inherits them; they stay off its command line
    try:
        server.PgwtuiServer(command, options.host, options.port, config).run()
    except OSError as exc:
        print(f"pgwtui web: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


COMMANDS: dict[str, Command] = {"rules": rules_cli.main, "web": web_main}
"""Subcommands (`pgwtui NAME …`); anything else is the TUI's URL."""


def parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    p = argparse.ArgumentParser(
        prog="pgwtui",
        description="Browse, triage and clean up a Prometheus Pushgateway (Go >= 1.2, or pgw-bridge).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("url", nargs="?", help="gateway URL, e.g. http://pushgateway:9091 (with any route prefix)")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML config file")
    p.add_argument("--gateway", metavar="NAME", help="open [gateways.NAME] from the config file")
    p.add_argument("--username", metavar="USER", help="basic auth user")
    p.add_argument("--password", metavar="PASS", help="basic auth password (prefer PGWTUI_PASSWORD: flags show in ps)")
    p.add_argument("--token", metavar="TOKEN", help="bearer token (prefer PGWTUI_TOKEN)")
    p.add_argument("--ca-file", metavar="PEM", help="CA bundle to verify the gateway's TLS certificate")
    p.add_argument("--insecure", action="store_true", help="do not verify the gateway's TLS certificate")
    p.add_argument("--read-only", action="store_true", help="disable every deletion")
    p.add_argument(
        "--prometheus", metavar="URL", help="show this Prometheus's firing and pending alerts on the groups they match"
    )
    p.add_argument("--prometheus-ca-file", metavar="PEM", help="CA bundle to verify Prometheus's TLS certificate")
    p.add_argument("--prometheus-insecure", action="store_true", help="do not verify Prometheus's TLS certificate")
    p.add_argument("--refresh", metavar="DURATION", help="auto-refresh interval, e.g. 5s (0 disables)")
    p.add_argument("--demo", action="store_true", help="start the embedded demo gateway even if one is configured")
    p.add_argument("--spool", type=Path, default=Path("spool"), metavar="DIR", help="demo spool directory (./spool)")
    p.add_argument("--log-file", type=Path, metavar="FILE", help="write logs here (nothing is logged otherwise)")
    p.add_argument("--version", action="version", version=f"pgwtui {__version__}")
    return p


def _logging(path: Path | None) -> None:
    # The terminal belongs to the TUI: without --log-file nothing may print to stderr, not even
    # the embedded gateway's uvicorn warnings.
    handler: logging.Handler = logging.FileHandler(path) if path else logging.NullHandler()
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def settings_from(args: argparse.Namespace) -> Settings:
    """Resolve flags, environment and config file.

    Raises:
        ConfigError: anything unusable.

    """
    refresh = parse_duration(args.refresh, what="--refresh") if args.refresh is not None else None
    overrides = Overrides(
        url=args.url,
        config=args.config,
        gateway=args.gateway,
        username=args.username,
        password=args.password,
        token=args.token,
        ca_file=args.ca_file,
        insecure=args.insecure,
        read_only=args.read_only,
        refresh_interval=refresh,
        prometheus=args.prometheus,
        prometheus_ca_file=args.prometheus_ca_file,
        prometheus_insecure=args.prometheus_insecure,
    )
    return resolve(overrides, environment())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the TUI; 2 on a configuration error."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    args = parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except PgwtuiError as exc:
        print(f"pgwtui: {exc}", file=sys.stderr)
        return 2
    _logging(args.log_file)
    from pgwtui.app import create_app

    demo = None
    notes: list[str] = []
    try:
        if settings.connection is None or args.demo:
            from pgwtui import demo as demo_backend

            demo = demo_backend.start_demo(time.time(), time.time, args.spool.resolve())
            policy = settings.policy if settings.config_path else demo_backend.DEMO_POLICY
            settings = replace(settings, connection=Connection(demo.url), policy=policy, gateway_name=None)
            notes = [
                f"Demo: an embedded gateway at {demo.url}, seeded with example groups "
                f"(no URL or config given; {default_config_path(environment())} configures a real one).",
                *demo.notes,
            ]
        app = create_app(settings, notes=notes)
        app.run()
    except PgwtuiError as exc:
        print(f"pgwtui: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"pgwtui: cannot start the demo gateway: {exc}", file=sys.stderr)
        return 1
    finally:
        if demo is not None:
            demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
