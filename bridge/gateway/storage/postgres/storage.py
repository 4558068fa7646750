"""`--storage.postgres`: one store shared by any number of replicas; a write is answered once PostgreSQL committed it.

A `Storage` (see `interface`) in three parts: `writer.Writer` decides queued writes in one
transaction under the `pgw_meta` row lock (the write lock of all replicas) and commits them
(group commit, synchronous commit); `follow.Follower` keeps the model at the feed's head, woken
by LISTEN/NOTIFY (`follow.listen`) with polling as a backstop; this class is the facade the
gateway calls, and what the replica tells about itself (`status`, `families`).

Why a change-log table and not logical decoding: the feed must be read by every replica at its
own pace, from any position still kept, with the same transaction guarantees as the tables it
describes; a table written in the same transaction gives exactly that on any PostgreSQL (managed
services included), needs no replication slot (which would pin WAL for a replica that is gone),
and NOTIFY, sent at commit, makes the lag a round trip instead of a poll interval.

Two conflicting pushes sent at once to two replicas: both writers queue for the meta row lock;
the second to get it first follows the feed (the first's push is in it), then decides: the same
consistency check, against everything committed anywhere, gives the answer one gateway gives.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.config import redact_dsn
from bridge.gateway.storage.interface import Committed, Decision, Loaded, Model, Position, Reset, T
from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import decode_write
from bridge.gateway.storage.postgres.connect import conninfo, describe, session_statements
from bridge.gateway.storage.postgres.follow import FEED_AFTER, Follower, listen
from bridge.gateway.storage.postgres.writer import Writer
from bridge.protocol.model import Metric, MetricFamily, MetricType

if TYPE_CHECKING:
    import psycopg

KEEP_CHANGES = 100_000
"""Feed rows kept; a replica further behind reloads."""


class PostgresStorage:
    """The shared, durable storage of replicas (see the module docstring)."""

    durable = True

    def __init__(
        self,
        dsn: str,
        *,
        password_file: str = "",
        timeout: float = 5.0,
        replica: str = "",
        poll_interval: float = 1.0,
        keep_changes: int = KEEP_CHANGES,
    ) -> None:
        """Connect once to check the database, creating the tables if it has none.

        Args:
            dsn: a libpq connection string or URL.
            password_file: a file holding only the password (else the DSN's own mechanisms).
            timeout: the longest a write waits for the database before it is answered 503.
            replica: this replica's name (logs, the application name, metrics, pgwtui's title).
            poll_interval: how often the feed is read without a notification.
            keep_changes: feed rows kept for replicas that fall behind.

        Raises:
            ConfigError: the DSN or the password file cannot be used.
            StorageUnavailable: the database cannot be reached.
            PersistenceError: the database holds tables that are not ours (or newer ones).

        """
        self.where = f"PostgreSQL {redact_dsn(dsn)}"
        self.replica = replica or socket.gethostname()
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.keep_changes = keep_changes
        self.conninfo = conninfo(dsn, password_file=password_file, timeout=timeout, replica=self.replica)
        self.leader = False
        """Whether this replica runs the jobs only one may run (set by `election`)."""
        self._session = session_statements(timeout)
        self._follower: Follower | None = None
        self._writer: Writer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        with self._connect_sync() as conn:
            schema.ensure(conn, self.where)

    # ------------------------------------------------------------------ connections
    def _connect_sync(self) -> psycopg.Connection[Any]:
        import psycopg

        try:
            conn = psycopg.connect(self.conninfo, autocommit=True)
            for statement in self._session:
                conn.execute(statement)
        except psycopg.Error as exc:
            raise StorageUnavailable(f"cannot connect to {self.where}: {describe(exc)}") from None
        return conn

    async def open_connection(self) -> psycopg.AsyncConnection[Any]:
        """A new autocommit session with this storage's settings (the writer, the listener, the election)."""
        import psycopg

        conn = await asyncio.wait_for(psycopg.AsyncConnection.connect(self.conninfo, autocommit=True), self.timeout + 2)
        try:
            for statement in self._session:
                await conn.execute(statement)
        except BaseException:
            await conn.close()
            raise
        return conn

    # ------------------------------------------------------------------ Storage
    def load(self) -> Loaded:
        """Everything committed, in one snapshot, and its position (blocks: start-up and tests).

        Raises:
            StorageUnavailable: the database cannot be reached.
            PersistenceError: a row this code cannot read.

        """
        import psycopg

        with self._connect_sync() as conn:
            try:
                return schema.load(conn)
            except psycopg.Error as exc:
                raise StorageUnavailable(f"cannot load from {self.where}: {describe(exc)}") from None

    def start(self, loop: asyncio.AbstractEventLoop, model: Model, position: Position | None) -> None:
        """Start the writer and the listener on `loop`; `model` stands at `position`."""
        follower = self._follower = Follower(model, position, self.open_connection)
        writer = self._writer = Writer(
            self.where,
            self.open_connection,
            follower,
            timeout=self.timeout,
            poll_interval=self.poll_interval,
            keep=self.keep_changes,
        )
        self._tasks = [
            loop.create_task(writer.run(), name="pgw-postgres-writer"),
            loop.create_task(listen(self.open_connection, writer.wake, lambda: follower.position), name="pgw-listen"),
        ]

    async def write(self, decide: Callable[[], Decision[T]]) -> T:
        """Queue the write for the writer's next transaction; its result once committed.

        Raises:
            StorageUnavailable: the database did not take it within `timeout` (503).
            PersistenceError: the transaction failed (the model was reloaded first).

        """
        if self._writer is None:
            raise PersistenceError("the PostgreSQL storage is not started")
        return await self._writer.submit(decide)

    async def changes_after(self, position: Position) -> list[Committed] | Reset:
        """The writes committed after `position`, from the feed table, or `Reset`."""
        conn = await self.open_connection()
        try:
            async with conn.transaction():
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                row = await (await conn.execute(schema.LOAD_META)).fetchone()
                assert row is not None
                history, seq = row
                if history != position.history:
                    return Reset(f"another history ({position.history}; the database has {history})")
                if position.seq > seq:
                    return Reset(
                        f"position {position.seq} is ahead of the database ({seq}): the sequence went backwards"
                    )
                rows = await (await conn.execute(FEED_AFTER, (position.seq, seq))).fetchall()
        finally:
            await conn.close()
        if len(rows) != seq - position.seq:
            return Reset(f"the feed no longer holds the writes after {position.seq}")
        return [Committed(Position(history, s), decode_write(doc, list(blobs))) for s, doc, blobs in rows]

    async def close(self) -> None:
        """Commit what is queued (if the database is there), stop following, and disconnect."""
        if self._writer is None:
            return
        self._writer.close()
        writer_task, listener_task = self._tasks
        await writer_task
        listener_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener_task

    # ------------------------------------------------------------------ what it tells about itself
    @property
    def up(self) -> bool:
        """Whether writes can reach the database now."""
        return self._writer is not None and self._writer.up

    @property
    def position(self) -> Position | None:
        """Where the model stands in the feed."""
        return self._follower.position if self._follower is not None else None

    def status(self) -> dict[str, object]:
        """The replica and its storage, for extension discovery (pgwtui's title)."""
        position = self.position
        return {
            "kind": "postgres",
            "replica": self.replica,
            "up": self.up,
            "seq": position.seq if position is not None else None,
            "leader": self.leader,
        }

    def families(self) -> list[MetricFamily]:
        """`pgw_bridge_storage_*`, labelled with the replica (they differ from replica to replica)."""
        labels = (("replica", self.replica),)
        position = self.position
        writer, follower = self._writer, self._follower
        values = {
            UP: float(self.up),
            SEQ: float(position.seq if position is not None else 0),
            LEADER: float(self.leader),
            TRANSACTIONS: float(writer.transactions if writer else 0),
            WRITES: float(writer.writes if writer else 0),
            RELOADS: float(follower.reloads if follower else 0),
        }
        out = []
        for name, (mtype, help_text) in KNOWN.items():
            value = values[name]
            metric = Metric(labels, counter=value) if mtype is MetricType.COUNTER else Metric(labels, gauge=value)
            out.append(MetricFamily(name, mtype, help_text, [metric]))
        return out


UP = "pgw_bridge_storage_up"
SEQ = "pgw_bridge_storage_seq"
LEADER = "pgw_bridge_storage_leader"
TRANSACTIONS = "pgw_bridge_storage_transactions_total"
WRITES = "pgw_bridge_storage_writes_total"
RELOADS = "pgw_bridge_storage_reloads_total"
KNOWN: dict[str, tuple[MetricType, str]] = {
    UP: (MetricType.GAUGE, "Whether this replica can write to the shared PostgreSQL store (0: writes answer 503)."),
    SEQ: (MetricType.GAUGE, "The last write of the shared store's change feed this replica's memory reflects."),
    LEADER: (MetricType.GAUGE, "Whether this replica runs the jobs only one replica may run (TTL expiry)."),
    TRANSACTIONS: (MetricType.COUNTER, "Write transactions this replica committed to PostgreSQL."),
    WRITES: (MetricType.COUNTER, "Writes this replica committed to PostgreSQL (several per transaction when batched)."),
    RELOADS: (MetricType.COUNTER, "Times this replica reloaded its whole store from PostgreSQL (gap, reset, failure)."),
}
