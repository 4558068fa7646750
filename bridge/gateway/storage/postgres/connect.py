"""Connections to the shared database: the conninfo (password from a file), session settings, error classes.

The DSN is anything libpq takes (a `postgresql://` URL or `key=value` pairs, several hosts with
`target_session_attrs=read-write` for a failover pair); its own mechanisms (`passfile`,
`PGPASSWORD`, `PGPASSFILE`, a service file) work as usual. `--storage.postgres.password-file`
adds a password read from a file holding only that (a container secret). The password is never
logged: log lines and `/api/v1/status` show `config.redact_dsn(dsn)`.

Every session is set up so that no replica can stall the others: `lock_timeout` bounds the wait
for the write lock, `idle_in_transaction_session_timeout` ends the session of a replica that holds
the lock and stops talking (a paused or wedged process), TCP keepalives and `tcp_user_timeout`
notice a vanished peer. `synchronous_commit` is at least `on`: a commit is acknowledged by
PostgreSQL (and by a synchronous standby, where one is configured) before the client is answered.
No `statement_timeout`: cancelling a COMMIT that waits for a synchronous standby would make
PostgreSQL report it committed with a warning, which would turn an unconfirmed write into a 200.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.errors import ConfigError

if TYPE_CHECKING:
    import psycopg

APPLICATION = "pgw-bridge"

# SQLSTATE classes and codes that mean "the database is not available right now" (503, retry):
# connection exceptions, insufficient resources, operator intervention (shutdown, cancel,
# starting up), transaction rollbacks (serialization, deadlock), system errors, and a primary
# that became read-only (failing over); a lock not granted in time (another replica stuck).
_UNAVAILABLE_CLASSES = ("08", "53", "57", "40", "58")
_UNAVAILABLE_CODES = ("55P03", "25006")


def conninfo(dsn: str, *, password_file: str = "", timeout: float, replica: str) -> str:
    """The libpq connection string for `dsn`, with our connect timeout, keepalives and name.

    Raises:
        ConfigError: the DSN does not parse, or the password file cannot be read.

    """
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        given = conninfo_to_dict(dsn)
    except ProgrammingError as exc:
        raise ConfigError(f"--storage.postgres is not a PostgreSQL connection string: {exc}") from None
    extra: dict[str, Any] = {}
    if password_file:
        try:
            extra["password"] = Path(password_file).read_text().strip("\r\n")
        except OSError as exc:
            raise ConfigError(
                f"--storage.postgres.password-file: cannot read {password_file}: {exc.strerror}"
            ) from None
    seconds = max(2, math.ceil(timeout))  # libpq's connect_timeout is whole seconds, at least 2
    defaults = {
        "connect_timeout": str(seconds),
        "keepalives": "1",
        "keepalives_idle": str(seconds),
        "keepalives_interval": "1",
        "keepalives_count": "3",
        "tcp_user_timeout": str(int(timeout * 1000)),
        "application_name": f"{APPLICATION} {replica}"[:63],
    }
    for key, value in defaults.items():
        if key not in given:
            extra[key] = value
    return make_conninfo(dsn, **extra)


def session_statements(timeout: float) -> list[str]:
    """What every session runs first (see the module docstring)."""
    ms = max(1, int(timeout * 1000))
    return [
        f"SET lock_timeout = {int(ms * 0.8) or 1}",
        f"SET idle_in_transaction_session_timeout = {ms}",
        "SET statement_timeout = 0",
        # 'remote_apply' is stronger than 'on' and stays; anything weaker becomes 'on'.
        "SELECT set_config('synchronous_commit', 'on', false)"
        " WHERE current_setting('synchronous_commit') NOT IN ('on', 'remote_apply')",
    ]


def unavailable(exc: BaseException) -> bool:
    """Whether a database error means "not available now" (answer 503) rather than a fault (500)."""
    import psycopg

    if isinstance(exc, (OSError, TimeoutError)):
        return True
    if not isinstance(exc, psycopg.Error):
        return False
    state = exc.sqlstate or ""
    if not state:
        return isinstance(exc, psycopg.OperationalError)  # no answer from the server at all
    return state[:2] in _UNAVAILABLE_CLASSES or state in _UNAVAILABLE_CODES


def describe(exc: BaseException) -> str:
    """A database error in one line, without the connection string."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first.removeprefix("connection failed: ")


def is_broken(conn: psycopg.AsyncConnection[Any] | None) -> bool:
    """Whether a connection can no longer be used (closed, or lost mid-request)."""
    return conn is None or conn.closed or conn.broken
