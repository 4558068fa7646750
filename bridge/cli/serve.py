"""`pgw-bridge serve`: the Go gateway's flags (same names and defaults) → `GatewayConfig`, optionally fed by a spool."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bridge import logs
from bridge.cli.flags import add_log_flags, add_version_flag
from bridge.cli.spool_flags import add_spool_flags, spool_options
from bridge.cli.storage import add_storage_flags, storage_settings
from bridge.errors import ConfigError, SpoolError

if TYPE_CHECKING:
    from bridge.gateway.config import GatewayConfig

# The gateway, uvicorn and the watcher are imported inside the handlers: building the parser
# (which every subcommand does) must stay cheap for `drop` and `exec`.


def add_gateway_flags(parser: argparse.ArgumentParser) -> None:
    """The Go gateway's flags, same names and defaults, plus the opt-in extensions."""
    g = parser.add_argument_group("gateway (same flags as prometheus/pushgateway)")
    bool_flag = argparse.BooleanOptionalAction
    g.add_argument(
        "--web.listen-address",
        dest="listen_address",
        default=":9091",
        metavar="ADDR",
        help="Address on which to expose metrics and web interface. Examples: `:9100` or `[::1]:9100` "
        "(one address; Go also repeats the flag and offers `vsock://`).",
    )
    g.add_argument(
        "--web.telemetry-path",
        dest="telemetry_path",
        default="/metrics",
        metavar="PATH",
        help="Path under which to expose metrics.",
    )
    g.add_argument(
        "--web.external-url",
        dest="external_url",
        default="",
        metavar="URL",
        help="The URL under which the Pushgateway is externally reachable.",
    )
    g.add_argument(
        "--web.route-prefix",
        dest="route_prefix",
        default="",
        metavar="PREFIX",
        help="Prefix for the internal routes of web endpoints. Defaults to the path of --web.external-url.",
    )
    g.add_argument(
        "--web.enable-lifecycle",
        dest="enable_lifecycle",
        action=bool_flag,
        default=False,
        help="Enable shutdown via HTTP request.",
    )
    g.add_argument(
        "--web.enable-admin-api",
        dest="enable_admin_api",
        action=bool_flag,
        default=False,
        help="Enable API endpoints for admin control actions.",
    )
    g.add_argument(
        "--web.config.file",
        dest="web_config_file",
        default="",
        metavar="FILE",
        help="Path to configuration file that can enable TLS or authentication. See: "
        "https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md "
        "(extension: roles).",
    )
    g.add_argument(
        "--web.systemd-socket",
        dest="systemd_socket",
        action=bool_flag,
        default=False,
        help="Use systemd socket activation listeners instead of port listeners (Linux only).",
    )
    g.add_argument(
        "--persistence.file",
        dest="persistence_file",
        default="",
        metavar="FILE",
        help="File to persist metrics. If empty, metrics are only kept in memory. "
        "(Here a SQLite file that keeps every acknowledged write.)",
    )
    g.add_argument(
        "--persistence.interval",
        dest="persistence_interval",
        default="5m",
        metavar="DURATION",
        help="The minimum interval at which to write out the persistence file. "
        "(Accepted for compatibility: every write is committed before it is acknowledged.)",
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
        help="Do not check consistency of pushed metrics. DANGEROUS. "
        "(Here: pushes are answered 202 at once; the check still runs and what it rejects is not stored.)",
    )
    g.add_argument(
        "--push.enable-utf8-names",
        dest="enable_utf8_names",
        action=bool_flag,
        default=False,
        help="allow UTF-8 characters in metric and label names (text bodies, `U__` and UTF-8 names in grouping keys)",
    )
    add_log_flags(g)
    add_version_flag(g)
    g.add_argument("--help-long", action="help", help="The same as --help (kingpin's flag).")
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
    from bridge.cli.flags import duration_seconds
    from bridge.gateway.config import GatewayConfig, TTLRule

    rules = []
    for raw in args.ttl_rules:
        pattern, sep, duration = raw.rpartition("=")
        if not sep or not pattern:
            raise ConfigError(f"--push.group-ttl-rule wants REGEX=DURATION, got {raw!r}")
        rules.append(TTLRule(pattern, duration_seconds(duration)))
    config = GatewayConfig(
        listen_address=args.listen_address,
        telemetry_path=args.telemetry_path,
        external_url=args.external_url,
        route_prefix=args.route_prefix,
        enable_lifecycle=args.enable_lifecycle,
        enable_admin_api=args.enable_admin_api,
        persistence_file=args.persistence_file,
        persistence_interval=duration_seconds(args.persistence_interval),
        persistence_fsync=args.persistence_fsync,
        disable_consistency_check=args.disable_consistency_check,
        enable_utf8_names=args.enable_utf8_names,
        web_config_file=args.web_config_file,
        systemd_socket=args.systemd_socket,
        log_level=args.log_level,
        log_format=args.log_format,
        max_body_bytes=args.max_body_bytes,
        max_series_per_push=args.max_series_per_push,
        max_groups=args.max_groups,
        group_ttl=duration_seconds(args.group_ttl),
        ttl_rules=rules,
        **storage_settings(args),
    )
    config.listen_host_port()
    return config


def register(sub: Any) -> None:
    """Add `serve` to the `pgw-bridge` subcommands."""
    serve = sub.add_parser(
        "serve",
        help="run the gateway (a drop-in for prometheus-pushgateway), optionally fed by a spool",
        description="Run a Pushgateway-compatible gateway. Same flags as prometheus-pushgateway.",
        allow_abbrev=False,
    )
    add_gateway_flags(serve)
    add_storage_flags(serve)
    add_spool_flags(serve, required=False)
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """`pgw-bridge serve [--spool DIR]`: the gateway until SIGINT/SIGTERM or `/-/quit`, fed by the spool directly."""
    from bridge.gateway.runtime import run_gateway
    from bridge.gateway.web.server import run

    config = gateway_config(args)
    logs.setup(config.log_level, config.log_format)
    if not args.spool:
        run(run_gateway(config))
        return 0
    from bridge.spool.embedded import spool_task

    # The spool is checked before the gateway binds: with a bad --spool, nothing is ever served.
    options = spool_options(args, state_in_memory=not config.persistence_file, utf8_names=config.enable_utf8_names)
    task = spool_task(options, target=f"embedded:{config.persistence_file}")
    run(run_gateway(config, [task]))
    if task.failure is not None:
        raise SpoolError(f"the spool bridge failed: {task.failure}")
    return 0
