"""`pgw-bridge`: the command line (serve, watch, drop, exec); errors become a message and an exit status."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bridge import __version__, logs
from bridge.errors import BridgeError, ConfigError
from bridge.gateway.config import GatewayConfig, TTLRule, parse_duration

log = logging.getLogger("bridge")


def add_gateway_flags(parser: argparse.ArgumentParser) -> None:
    """The Go gateway's flags, same names and defaults, plus the opt-in extensions."""
    g = parser.add_argument_group("gateway (same flags as prometheus/pushgateway)")
    bool_flag = argparse.BooleanOptionalAction
    g.add_argument(
        "--web.listen-address",
        dest="listen_address",
        default=":9091",
        metavar="ADDR",
        help="address to listen on for the web interface, API and telemetry (default :9091)",
    )
    g.add_argument(
        "--web.telemetry-path",
        dest="telemetry_path",
        default="/metrics",
        metavar="PATH",
        help="path under which to expose metrics",
    )
    g.add_argument(
        "--web.external-url",
        dest="external_url",
        default="",
        metavar="URL",
        help="the URL under which the gateway is externally reachable",
    )
    g.add_argument(
        "--web.route-prefix",
        dest="route_prefix",
        default="",
        metavar="PREFIX",
        help="prefix for the internal routes; defaults to the path of --web.external-url",
    )
    g.add_argument(
        "--web.enable-lifecycle",
        dest="enable_lifecycle",
        action=bool_flag,
        default=False,
        help="enable shutdown via HTTP request (PUT/POST /-/quit)",
    )
    g.add_argument(
        "--web.enable-admin-api",
        dest="enable_admin_api",
        action=bool_flag,
        default=False,
        help="enable API endpoints for admin control actions (PUT /api/v1/admin/wipe)",
    )
    g.add_argument(
        "--web.config.file",
        dest="web_config_file",
        default="",
        metavar="FILE",
        help="exporter-toolkit web config: TLS, bcrypt basic auth, and (extension) roles",
    )
    g.add_argument(
        "--web.systemd-socket",
        dest="systemd_socket",
        action=bool_flag,
        default=False,
        help="use the socket systemd passes (socket activation) instead of --web.listen-address",
    )
    g.add_argument(
        "--persistence.file",
        dest="persistence_file",
        default="",
        metavar="FILE",
        help="SQLite file that keeps every acknowledged write; empty keeps metrics in memory only",
    )
    g.add_argument(
        "--persistence.interval",
        dest="persistence_interval",
        default="5m",
        metavar="DURATION",
        help="accepted for compatibility; every write is committed before it is acknowledged",
    )
    g.add_argument(
        "--persistence.fsync",
        dest="persistence_fsync",
        action=bool_flag,
        default=False,
        help="extension: fsync every commit, so acknowledged writes also survive power loss "
        "(by default they survive any crash of the process)",
    )
    g.add_argument(
        "--push.disable-consistency-check",
        dest="disable_consistency_check",
        action=bool_flag,
        default=False,
        help="answer pushes with 202 before checking them (checks still run)",
    )
    g.add_argument(
        "--log.level",
        dest="log_level",
        default="info",
        choices=sorted(logs.LEVELS),
        help="only log messages with the given severity or above",
    )
    g.add_argument(
        "--log.format",
        dest="log_format",
        default="logfmt",
        choices=["logfmt", "json"],
        help="output format of log messages",
    )
    x = parser.add_argument_group("extensions (opt-in; they never change a standard route)")
    x.add_argument(
        "--web.max-request-bytes",
        dest="max_body_bytes",
        type=int,
        default=64 * 1024 * 1024,
        metavar="N",
        help="largest request body accepted, after gzip decoding; 413 beyond (0: no limit)",
    )
    x.add_argument(
        "--push.max-series",
        dest="max_series_per_push",
        type=int,
        default=0,
        metavar="N",
        help="refuse pushes with more series than this (0: no limit)",
    )
    x.add_argument(
        "--push.max-groups",
        dest="max_groups",
        type=int,
        default=0,
        metavar="N",
        help="refuse pushes that would create a group beyond this many (0: no limit)",
    )
    x.add_argument(
        "--push.group-ttl",
        dest="group_ttl",
        default="0",
        metavar="DURATION",
        help="delete groups whose last push is older than this (0: never)",
    )
    x.add_argument(
        "--push.group-ttl-rule",
        dest="ttl_rules",
        action="append",
        default=[],
        metavar="REGEX=DURATION",
        help="per-job TTL: groups whose job fully matches REGEX expire after DURATION (repeatable)",
    )


def gateway_config(args: argparse.Namespace) -> GatewayConfig:
    """Build a `GatewayConfig` from parsed flags.

    Raises:
        ConfigError: a value that does not parse.

    """
    rules = []
    for raw in args.ttl_rules:
        pattern, sep, duration = raw.rpartition("=")
        if not sep or not pattern:
            raise ConfigError(f"--push.group-ttl-rule wants REGEX=DURATION, got {raw!r}")
        rules.append(TTLRule(pattern, parse_duration(duration)))
    config = GatewayConfig(
        listen_address=args.listen_address,
        telemetry_path=args.telemetry_path,
        external_url=args.external_url,
        route_prefix=args.route_prefix,
        enable_lifecycle=args.enable_lifecycle,
        enable_admin_api=args.enable_admin_api,
        persistence_file=args.persistence_file,
        persistence_interval=parse_duration(args.persistence_interval),
        persistence_fsync=args.persistence_fsync,
        disable_consistency_check=args.disable_consistency_check,
        web_config_file=args.web_config_file,
        systemd_socket=args.systemd_socket,
        log_level=args.log_level,
        log_format=args.log_format,
        max_body_bytes=args.max_body_bytes,
        max_series_per_push=args.max_series_per_push,
        max_groups=args.max_groups,
        group_ttl=parse_duration(args.group_ttl),
        ttl_rules=rules,
    )
    config.listen_host_port()
    return config


Handler = Callable[[argparse.Namespace], int]


def _register_serve(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the gateway (a drop-in for prometheus-pushgateway), optionally fed by a spool",
        description="Run a Pushgateway-compatible gateway. Same flags as prometheus-pushgateway.",
        allow_abbrev=False,
    )
    add_gateway_flags(serve)
    from bridge.spool.commands import add_serve_spool_flags

    add_serve_spool_flags(serve)
    serve.set_defaults(handler=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from bridge.gateway.runtime import run_gateway
    from bridge.gateway.web.server import run

    config = gateway_config(args)
    logs.setup(config.log_level, config.log_format)
    if getattr(args, "spool", None):
        from bridge.spool.commands import run_serve_spool

        return run_serve_spool(args, config)
    run(run_gateway(config))
    return 0


def _registrars() -> list[Callable[[Any], None]]:
    """Each subcommand module registers its parsers here."""
    from bridge.spool.commands import register as register_spool

    return [_register_serve, register_spool]


def build_parser() -> argparse.ArgumentParser:
    """The whole `pgw-bridge` command line."""
    parser = argparse.ArgumentParser(
        prog="pgw-bridge",
        description="A Pushgateway-compatible gateway, and a spool directory that turns .prom files into pushes.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"pgw-bridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `pgw-bridge`; returns the exit status. Errors are printed, never raised."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"pgw-bridge: {exc}", file=sys.stderr)
        return 2
    except BridgeError as exc:
        print(f"pgw-bridge: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
