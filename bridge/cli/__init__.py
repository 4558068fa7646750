"""`pgw-bridge`: the command line, and the one package that composes the others; errors become a message and a status.

    serve        `serve`: the Go gateway's flags → GatewayConfig; with --spool, the embedded spool too
    watch        `watch`: a spool feeding a remote gateway over HTTP (and --metrics-listen)
    produce      `drop`, `exec`: producers writing into the spool
    storage      `--storage.postgres*` on serve; `storage import / export` between a file and PostgreSQL
    spool_flags  the spool's and the remote gateway's flags → SpoolOptions, HttpSettings
    flags        what every subcommand's flags share: env fallbacks, durations, the log flags

Building the parser imports no framework: each handler imports what it runs (the gateway,
uvicorn, watchdog, httpx) in its body, so `drop` and `exec`, which cron runs often, start fast.
Exit statuses: 0 done, 1 a runtime failure (`BridgeError`), 2 bad flags (`ConfigError`), 130 Ctrl+C;
`exec` returns its command's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bridge.cli import produce, serve, storage, watch
from bridge.cli.flags import add_version_flag
from bridge.errors import BridgeError, ConfigError

Handler = Callable[[argparse.Namespace], int]
_REGISTRARS: list[Callable[[Any], None]] = [serve.register, watch.register, produce.register, storage.register]
"""Each subcommand module adds its parsers, in the order `--help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The whole `pgw-bridge` command line."""
    parser = argparse.ArgumentParser(
        prog="pgw-bridge",
        description="A Pushgateway-compatible gateway, and a spool directory that turns .prom files into pushes.",
        allow_abbrev=False,
    )
    add_version_flag(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _REGISTRARS:
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
