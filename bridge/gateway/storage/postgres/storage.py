"""`--storage.postgres`: a store shared by any number of replicas; a write is answered once PostgreSQL committed it.

A `Storage` (see `interface`) kept by one task per replica (the writer) that owns one
connection and the only door into the model besides `decide`:

- **Writes.** Queued writes are taken together (group commit) into one transaction that first
  locks the `pgw_meta` row: the one write lock of every replica. Under it the writer catches the
  model up with what others committed (`pgw_changes` after its position), runs each `decide` on
  the model (the unchanged consistency check, now against everything committed anywhere), writes
  the group and family rows and one feed row per write, moves `pgw_meta.seq` on, NOTIFYs, and
  commits (synchronous commit). Only then are the writes answered. Two conflicting pushes to two
  replicas are therefore decided one after the other, the second against the first's result.
- **Following.** A listener connection LISTENs; a notification (or, as a backstop, every
  `poll_interval`) makes the writer read the feed after its position and `Model.apply` it.
  A history that is not the model's, a sequence that went backwards, or a gap (the feed was
  pruned past the position) reloads the model from the tables instead.
- **Faults.** A write waits at most `timeout` for the database, then is answered 503
  (`StorageUnavailable`), saying whether it was not applied or its outcome is unknown (the
  connection was lost during the commit). Reads go on from memory; `up` (exposed as
  `pgw_bridge_storage_up`) is 0 and one log line says why. The writer reconnects with backoff;
  a batch whose commit it could not confirm is looked up in the feed by its origin tag (kept if
  it committed, else the model is reloaded), then the model catches up and writes resume.
- **Server errors** with the connection alive roll the transaction back: the model is reloaded
  from the tables before the writes are answered (500, or 503 for a lock timeout or a primary
  that turned read-only).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.config import redact_dsn
from bridge.gateway.storage.interface import Committed, Decision, Loaded, Model, Position, Reset, T
from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import decode_write, encode_family, encode_write, labels_text
from bridge.gateway.storage.postgres.connect import conninfo, describe, is_broken, session_statements, unavailable
from bridge.gateway.store.types import Change
from bridge.protocol.model import Metric, MetricFamily, MetricType

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("bridge.gateway")

MAX_BATCH = 512
"""Writes per transaction at most (a bound on how long one transaction holds the lock)."""
KEEP_CHANGES = 100_000
"""Feed rows kept; a replica further behind reloads (pruned every `PRUNE_EVERY` writes)."""
PRUNE_EVERY = 1000


@dataclass(slots=True, eq=False)
class _Pending:
    decide: Callable[[], Decision[Any]]
    future: asyncio.Future[Any]
    started: bool = False  # decide was called
    abandoned: bool = False  # the caller gave up before decide: never decide it


@dataclass(frozen=True, slots=True)
class _Limbo:
    """A batch whose commit was sent but never confirmed: the model holds it, the database may not."""

    before: Position
    origin: str
    count: int


class _Lost(Exception):
    """The writer's connection is gone; reconnect (carries the database error)."""


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


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
            replica: this replica's name (logs, the application name, pgwtui's title).
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
        self.up = False
        self.leader = False
        """Whether this replica runs the jobs only one may run (set by `election`)."""
        self.reloads = 0
        self.transactions = 0
        self.writes = 0
        self._session = session_statements(timeout)
        self._origin = secrets.token_hex(6)
        self._batch_number = 0
        self._pending: deque[_Pending] = deque()
        self._wake = asyncio.Event()
        self._model: Model | None = None
        self._position: Position | None = None
        self._limbo: _Limbo | None = None
        self._down_reason = "not connected yet"
        self._said_down = False
        self._sync_warning = False
        self._closing = False
        self._writer: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
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
        """A new autocommit session with this storage's settings (the election holds one)."""
        return await self._open()

    async def _open(self) -> psycopg.AsyncConnection[Any]:
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
        self._model = model
        self._position = position
        self._writer = loop.create_task(self._write_loop(), name="pgw-postgres-writer")
        self._listener = loop.create_task(self._listen_loop(), name="pgw-postgres-listener")

    async def write(self, decide: Callable[[], Decision[T]], *, alone: bool = False) -> T:
        """Queue the write for the writer's next transaction; its result once committed.

        Raises:
            StorageUnavailable: the database did not take it within `timeout` (503).
            PersistenceError: the transaction failed (the model was reloaded first).

        """
        if self._writer is None:
            raise PersistenceError("the PostgreSQL storage is not started")
        if self._closing:
            raise StorageUnavailable(f"the gateway is shutting down; the write to {self.where} was not applied")
        pending = _Pending(decide, asyncio.get_running_loop().create_future())
        self._pending.append(pending)
        self._wake.set()
        try:
            result: T = await asyncio.wait_for(asyncio.shield(pending.future), self.timeout)
        except TimeoutError:
            pending.future.add_done_callback(_consume)
            if not pending.started:
                pending.abandoned = True
                raise StorageUnavailable(
                    f"{self.where} did not take the write within {self.timeout:g}s ({self._down_reason}); "
                    "it was not applied, retry later"
                ) from None
            raise StorageUnavailable(
                f"{self.where} did not confirm the commit within {self.timeout:g}s; "
                "the write may or may not have been applied"
            ) from None
        return result

    async def changes_after(self, position: Position) -> list[Committed] | Reset:
        """The writes committed after `position`, from the feed table, or `Reset`."""
        conn = await self._open()
        try:
            async with conn.transaction():
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                history, seq = await (await conn.execute(schema.LOAD_META)).fetchone()  # type: ignore[misc]
                if history != position.history:
                    return Reset(f"another history ({position.history}; the database has {history})")
                if position.seq > seq:
                    return Reset(
                        f"position {position.seq} is ahead of the database ({seq}): the sequence went backwards"
                    )
                rows = await (
                    await conn.execute(
                        "SELECT seq, doc, families FROM pgw_changes WHERE seq > %s AND seq <= %s ORDER BY seq",
                        (position.seq, seq),
                    )
                ).fetchall()
        finally:
            await conn.close()
        if len(rows) != seq - position.seq:
            return Reset(f"the feed no longer holds the writes after {position.seq}")
        return [Committed(Position(history, s), decode_write(doc, list(blobs))) for s, doc, blobs in rows]

    async def close(self) -> None:
        """Commit what is queued (if the database is there), stop following, and disconnect."""
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    # ------------------------------------------------------------------ the writer
    async def _write_loop(self) -> None:
        backoff = 0.05
        while True:
            try:
                conn = await self._open()
            except Exception as exc:
                self._set_down(exc)
                if self._closing:
                    self._fail_queued(StorageUnavailable(f"{self.where} is unavailable; the write was not applied"))
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.05
            try:
                await self._serve(conn)
                return
            except _Lost as lost:
                self._set_down(lost.__cause__ or lost)
            except Exception as exc:  # a bug or a broken connection: never let the writer die
                if not is_broken(conn):
                    log.exception("PostgreSQL writer failed; reconnecting")
                self._set_down(exc)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _serve(self, conn: psycopg.AsyncConnection[Any]) -> None:
        conn.add_notice_handler(self._notice)
        await self._resync(conn)
        self._set_up()
        while True:
            if not self._pending:
                if self._closing:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
                self._wake.clear()
            try:
                if self._pending:
                    await self._transaction(conn)
                else:
                    await self._catch_up(conn)
            except _Lost:
                raise
            except Exception as exc:
                if is_broken(conn):
                    raise _Lost() from exc
                raise

    async def _resync(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """After (re)connecting: settle a batch in limbo, then catch up."""
        limbo, self._limbo = self._limbo, None
        if limbo is not None:
            row = await (
                await conn.execute(
                    "SELECT m.history, c.origin FROM pgw_meta m LEFT JOIN pgw_changes c ON c.seq = %s",
                    (limbo.before.seq + 1,),
                )
            ).fetchone()
            if row is not None and row[0] == limbo.before.history and row[1] == limbo.origin:
                self._position = Position(limbo.before.history, limbo.before.seq + limbo.count)
                log.info("the unconfirmed commit did happen", extra={"kv": {"writes": limbo.count}})
            else:
                await self._reload("the unconfirmed commit did not happen")
        await self._catch_up(conn)

    async def _catch_up(self, conn: psycopg.AsyncConnection[Any]) -> None:
        row = await (await conn.execute(schema.LOAD_META)).fetchone()
        assert row is not None
        await self._follow(conn, Position(row[0], row[1]))

    async def _follow(self, conn: psycopg.AsyncConnection[Any], head: Position) -> None:
        """Bring the model to `head`: replay the feed, or reload when it cannot continue."""
        position = self._position
        if position is None:
            await self._reload("never loaded")
            return
        if head.history != position.history:
            await self._reload(f"another history ({head.history})")
            return
        if head.seq < position.seq:
            await self._reload(f"the sequence went backwards ({position.seq} → {head.seq})")
            return
        if head.seq == position.seq:
            return
        rows = await (
            await conn.execute(
                "SELECT seq, doc, families FROM pgw_changes WHERE seq > %s AND seq <= %s ORDER BY seq",
                (position.seq, head.seq),
            )
        ).fetchall()
        if len(rows) != head.seq - position.seq:
            await self._reload(f"the feed no longer holds the writes after {position.seq}")
            return
        model = self._model
        assert model is not None
        for seq, doc, blobs in rows:
            committed = Committed(Position(head.history, seq), decode_write(doc, list(blobs)))
            model.apply(committed)
            self._position = committed.position

    async def _reload(self, reason: str) -> None:
        """Replace the model with the tables (on a connection of its own: it may run under the lock)."""
        log.warning("reloading the store from PostgreSQL", extra={"kv": {"reason": reason}})
        conn = await self._open()
        try:
            loaded = await schema.load_async(conn)
        finally:
            await conn.close()
        assert self._model is not None
        self._model.reload(loaded)
        self._position = loaded.position
        self.reloads += 1

    # ------------------------------------------------------------------ one transaction
    async def _transaction(self, conn: psycopg.AsyncConnection[Any]) -> None:
        batch: list[_Pending] = []
        while self._pending and len(batch) < MAX_BATCH:
            pending = self._pending.popleft()
            if not pending.abandoned:
                batch.append(pending)
        if not batch:
            return
        self._batch_number += 1
        origin = f"{self._origin}/{self._batch_number}"
        decided: list[tuple[_Pending, Any]] = []
        writes: list[list[Change]] = []
        before = self._position
        self._sync_warning = False
        try:
            async with conn.pipeline(), conn.transaction():
                row = await (await conn.execute("SELECT history, seq FROM pgw_meta FOR UPDATE")).fetchone()
                assert row is not None
                await self._follow(conn, Position(row[0], row[1]))
                before = self._position
                assert before is not None
                for pending in batch:
                    if pending.abandoned:
                        continue
                    pending.started = True
                    try:
                        result, changes = pending.decide()
                    except BaseException as exc:
                        pending.future.set_exception(exc)
                        continue
                    decided.append((pending, result))
                    if changes:
                        writes.append(changes)
                if writes:
                    await self._store(conn, writes, before.seq, origin)
        except BaseException as exc:
            await self._failed(conn, exc, before, origin, decided, writes)
            return
        assert before is not None
        self._position = Position(before.history, before.seq + len(writes))
        self.transactions += 1
        self.writes += len(writes)
        warning = self._sync_warning
        for pending, result in decided:
            if pending.future.done():
                continue
            if warning and writes:
                pending.future.set_exception(
                    StorageUnavailable(
                        f"{self.where} committed the write but its synchronous standby did not confirm it; "
                        "it may be lost if the primary fails now"
                    )
                )
            else:
                pending.future.set_result(result)

    async def _store(
        self, conn: psycopg.AsyncConnection[Any], writes: list[list[Change]], seq: int, origin: str
    ) -> None:
        cur = conn.cursor()
        for changes in writes:
            for change in changes:
                await self._store_change(cur, change)
            seq += 1
            doc, blobs = encode_write(changes)
            await cur.execute(
                "INSERT INTO pgw_changes (seq, origin, doc, families) VALUES (%s, %s, %s, %s)",
                (seq, origin, doc, blobs),
            )
        await cur.execute("UPDATE pgw_meta SET seq = %s", (seq,))
        await cur.execute("SELECT pg_notify(%s, %s)", (schema.NOTIFY_CHANNEL, str(seq)))
        if seq // PRUNE_EVERY != (seq - len(writes)) // PRUNE_EVERY:
            await cur.execute("DELETE FROM pgw_changes WHERE seq <= %s", (seq - self.keep_changes,))

    @staticmethod
    async def _store_change(cur: psycopg.AsyncCursor[Any], change: Change) -> None:
        if change.wiped:
            await cur.execute("TRUNCATE pgw_families, pgw_groups")
            return
        labels = labels_text(change.labels)
        if change.group_removed:
            await cur.execute("DELETE FROM pgw_groups WHERE labels = %s", (labels,))
            return
        await cur.execute("INSERT INTO pgw_groups (labels) VALUES (%s) ON CONFLICT DO NOTHING", (labels,))
        if change.removed:
            await cur.execute(
                "DELETE FROM pgw_families WHERE labels = %s AND name = ANY(%s)", (labels, list(change.removed))
            )
        if change.written:
            names = list(change.written)
            stamps = [s.timestamp_ns for s in change.written.values()]
            blobs = [encode_family(s.family) for s in change.written.values()]
            await cur.execute(
                "INSERT INTO pgw_families (labels, name, timestamp_ns, data) "
                "SELECT %s, * FROM unnest(%s::text[], %s::bigint[], %s::bytea[]) "
                "ON CONFLICT (labels, name) DO UPDATE SET timestamp_ns = EXCLUDED.timestamp_ns, data = EXCLUDED.data",
                (labels, names, stamps, blobs),
            )

    async def _failed(
        self,
        conn: psycopg.AsyncConnection[Any],
        exc: BaseException,
        before: Position | None,
        origin: str,
        decided: list[tuple[_Pending, Any]],
        writes: list[list[Change]],
    ) -> None:
        """Answer a failed batch: reload the model first when the database is there, else remember the limbo."""
        broken = is_broken(conn)
        reason = describe(exc)
        if broken and writes and before is not None:
            self._limbo = _Limbo(before, origin, len(writes))
            error: PersistenceError = StorageUnavailable(
                f"{self.where} went away during the commit ({reason}); the write may or may not have been applied"
            )
        elif unavailable(exc):
            error = StorageUnavailable(
                f"{self.where} is unavailable ({reason}); the write was not applied, retry later"
            )
        else:
            error = PersistenceError(f"could not persist the write to {self.where}: {reason}")
        if writes and not broken:
            try:
                await self._reload("a failed transaction")
            except Exception as reload_exc:  # the database went away meanwhile: reload when it returns
                self._position = None
                broken = True
                exc = reload_exc
        if writes:
            log.error("PostgreSQL transaction failed", extra={"kv": {"err": reason, "writes": len(writes)}})
        for pending, _result in decided:
            if not pending.future.done():
                pending.future.set_exception(error)
        if broken:
            raise _Lost() from exc

    def _fail_queued(self, error: PersistenceError) -> None:
        while self._pending:
            pending = self._pending.popleft()
            if not pending.future.done():
                pending.future.set_exception(error)

    def _notice(self, diagnostic: psycopg.errors.Diagnostic) -> None:
        if "synchronous replication" in (diagnostic.message_primary or ""):
            self._sync_warning = True

    # ------------------------------------------------------------------ the listener
    async def _listen_loop(self) -> None:
        backoff = 0.05
        while True:
            try:
                conn = await self._open()
            except Exception:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.05
            try:
                await conn.execute(f"LISTEN {schema.NOTIFY_CHANNEL}")
                self._wake.set()  # notifications may have been missed while away
                async for note in conn.notifies():
                    position = self._position
                    if position is None or not note.payload.isdigit() or int(note.payload) > position.seq:
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(backoff)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    # ------------------------------------------------------------------ state
    def _set_down(self, exc: BaseException) -> None:
        reason = describe(exc)
        self._down_reason = f"unavailable: {reason}"
        if self.up or not self._said_down:
            log.error(
                "PostgreSQL unavailable: writes answer 503 until it is back, reads are served from memory",
                extra={"kv": {"storage": self.where, "err": reason}},
            )
            self._said_down = True
        self.up = False

    def _set_up(self) -> None:
        if not self.up:
            seq = self._position.seq if self._position is not None else 0
            log.info("PostgreSQL available: writes resume", extra={"kv": {"storage": self.where, "seq": seq}})
        self.up = True
        self._said_down = False
        self._down_reason = "busy"

    @property
    def position(self) -> Position | None:
        """Where the model stands in the feed."""
        return self._position

    # ------------------------------------------------------------------ what it tells about itself
    def status(self) -> dict[str, object]:
        """The replica and its storage, for extension discovery (pgwtui's title)."""
        position = self._position
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
        position = self._position
        values = {
            UP: float(self.up),
            SEQ: float(position.seq if position is not None else 0),
            LEADER: float(self.leader),
            TRANSACTIONS: float(self.transactions),
            WRITES: float(self.writes),
            RELOADS: float(self.reloads),
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
