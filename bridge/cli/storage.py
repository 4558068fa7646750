"""`--storage.postgres*` (the shared store of replicas) and `pgw-bridge storage import / export` (moving a store).

The DSN comes from the flag or `PGW_STORAGE_POSTGRES`; the password from the DSN's own mechanisms
(libpq's passfile, `PGPASSWORD`, a service file) or `--storage.postgres.password-file`, a file
holding only the password (`PGW_STORAGE_POSTGRES_PASSWORD_FILE`). It is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from bridge.cli.flags import duration_seconds
from bridge.errors import ConfigError

DSN_ENV = "PGW_STORAGE_POSTGRES"
PASSWORD_FILE_ENV = "PGW_STORAGE_POSTGRES_PASSWORD_FILE"


def add_storage_flags(parser: argparse.ArgumentParser) -> None:
    """The shared store's flags on `serve`."""
    g = parser.add_argument_group("shared store (extension: replicas on one PostgreSQL; excludes --persistence.file)")
    g.add_argument(
        "--storage.postgres",
        dest="storage_postgres",
        default=os.environ.get(DSN_ENV, ""),
        metavar="DSN",
        help=f"PostgreSQL connection string or URL shared by every replica (env {DSN_ENV}); empty: not shared",
    )
    g.add_argument(
        "--storage.postgres.password-file",
        dest="storage_postgres_password_file",
        default=os.environ.get(PASSWORD_FILE_ENV, ""),
        metavar="FILE",
        help=f"read the database password from FILE, which holds only it (env {PASSWORD_FILE_ENV})",
    )
    g.add_argument(
        "--storage.postgres.timeout",
        dest="storage_postgres_timeout",
        default="5s",
        metavar="DURATION",
        help="longest a write waits for the database before it is answered 503 (default 5s)",
    )
    g.add_argument(
        "--storage.postgres.replica",
        dest="storage_postgres_replica",
        default="",
        metavar="NAME",
        help="this replica's name in logs, metrics and pgwtui's title (default host:port)",
    )


def storage_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The `GatewayConfig` fields of the shared store's flags.

    Raises:
        ConfigError: a timeout that is not a positive duration.

    """
    timeout = duration_seconds(args.storage_postgres_timeout)
    if timeout <= 0:
        raise ConfigError("--storage.postgres.timeout must be a positive duration")
    return {
        "storage_postgres": args.storage_postgres,
        "storage_postgres_password_file": args.storage_postgres_password_file,
        "storage_postgres_timeout": timeout,
        "storage_postgres_replica": args.storage_postgres_replica,
    }


def register(sub: Any) -> None:
    """Add `storage import` and `storage export`."""
    storage = sub.add_parser(
        "storage",
        help="move a gateway's store between a persistence file and PostgreSQL",
        description="Move every group, exactly, between a --persistence.file and a --storage.postgres database.",
        allow_abbrev=False,
    )
    actions = storage.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = actions.add_parser("import", help="copy a persistence file into PostgreSQL", allow_abbrev=False)
    imp.add_argument("--from", dest="source", required=True, metavar="FILE", help="the persistence file")
    imp.add_argument("--to", dest="target", required=True, metavar="DSN", help="the PostgreSQL connection string")
    imp.add_argument("--replace", action="store_true", help="replace the groups the database already holds")
    exp = actions.add_parser("export", help="copy PostgreSQL's store into a new persistence file", allow_abbrev=False)
    exp.add_argument("--from", dest="source", required=True, metavar="DSN", help="the PostgreSQL connection string")
    exp.add_argument("--to", dest="target", required=True, metavar="FILE", help="the new persistence file")
    for parser in (imp, exp):
        parser.add_argument(
            "--password-file",
            default=os.environ.get(PASSWORD_FILE_ENV, ""),
            metavar="FILE",
            help=f"read the database password from FILE (env {PASSWORD_FILE_ENV})",
        )
    imp.set_defaults(handler=run_import)
    exp.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    """`pgw-bridge storage import --from FILE --to DSN`."""
    from bridge.gateway.config import redact_dsn
    from bridge.gateway.storage.postgres.transfer import import_file

    count = import_file(args.source, args.target, password_file=args.password_file, replace=args.replace)
    print(f"imported {count} groups from {args.source} into {redact_dsn(args.target)}", file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """`pgw-bridge storage export --from DSN --to FILE`."""
    from bridge.gateway.config import redact_dsn
    from bridge.gateway.storage.postgres.transfer import export_file

    count = export_file(args.source, args.target, password_file=args.password_file)
    print(f"exported {count} groups from {redact_dsn(args.source)} into {args.target}", file=sys.stderr)
    return 0
