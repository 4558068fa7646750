"""The writer of one replica: queued writes → one transaction under the `pgw_meta` row lock → answers.

One task per replica owns one connection. It takes every queued write (up to `MAX_BATCH`) into
one transaction: lock the meta row (the write lock of all replicas), follow the feed to its head
(`follow`), run each `decide` on the model, queue their rows (`rows`), COMMIT (synchronous
commit) and only then answer them. Between transactions it follows the feed when woken by a
NOTIFY, or every `poll_interval`.

Faults: a write waits at most `timeout` (`submit`), then is answered `StorageUnavailable` (503)
saying whether it was not applied or its outcome is unknown. A server error with the connection
alive rolled the transaction back: the model is reloaded before the batch is answered. A lost
connection after `decide` leaves the batch in limbo (`follow.Limbo`), settled from the feed once
reconnected. While the database is away the writer retries with backoff; `up` says how it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bridge.errors import PersistenceError, StorageUnavailable
from bridge.gateway.storage.interface import Decision, Position
from bridge.gateway.storage.postgres.connect import describe, is_broken, unavailable
from bridge.gateway.storage.postgres.follow import Follower, Limbo, Open
from bridge.gateway.storage.postgres.rows import store_writes
from bridge.gateway.store.types import Change

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")
log = logging.getLogger("bridge.gateway")

MAX_BATCH = 512
"""Writes per transaction at most (a bound on how long one transaction holds the lock)."""


@dataclass(slots=True, eq=False)
class _Pending:
    decide: Callable[[], Decision[Any]]
    future: asyncio.Future[Any]
    started: bool = False  # decide was called
    abandoned: bool = False  # the caller gave up before decide: never decide it


class _Lost(Exception):
    """The writer's connection is gone; reconnect (the database error is the cause)."""


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


class Writer:
    """Decides and commits the writes of one replica (see the module docstring)."""

    def __init__(
        self, where: str, open_connection: Open, follower: Follower, *, timeout: float, poll_interval: float, keep: int
    ) -> None:
        self.where = where
        self.follower = follower
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.keep = keep
        self.up = False
        self.transactions = 0
        self.writes = 0
        self.wake = asyncio.Event()
        self._open = open_connection
        self._pending: deque[_Pending] = deque()
        self._origin = secrets.token_hex(6)
        self._batch_number = 0
        self._limbo: Limbo | None = None
        self._down_reason = "not connected yet"
        self._said_down = False
        self._sync_warning = False
        self._closing = False

    async def submit(self, decide: Callable[[], Decision[T]]) -> T:
        """Queue a write for the next transaction; its result once committed, or 503 after `timeout`."""
        if self._closing:
            raise StorageUnavailable(f"the gateway is shutting down; the write to {self.where} was not applied")
        pending = _Pending(decide, asyncio.get_running_loop().create_future())
        self._pending.append(pending)
        self.wake.set()
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

    def close(self) -> None:
        """Take no new writes; `run` returns once the queued ones are answered."""
        self._closing = True
        self.wake.set()

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        """Connect, serve, reconnect with backoff; return once closed and drained."""
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
        limbo, self._limbo = self._limbo, None
        if limbo is not None:
            await self.follower.settle(conn, limbo)
        await self.follower.catch_up(conn)
        self._set_up()
        while True:
            if not self._pending:
                if self._closing:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.poll_interval)
                self.wake.clear()
            try:
                if self._pending:
                    await self._transaction(conn)
                else:
                    await self.follower.catch_up(conn)
            except _Lost:
                raise
            except Exception as exc:
                if is_broken(conn):
                    raise _Lost() from exc
                raise

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
        follower = self.follower
        before = follower.position
        self._sync_warning = False
        try:
            async with conn.pipeline(), conn.transaction():
                row = await (await conn.execute("SELECT history, seq FROM pgw_meta FOR UPDATE")).fetchone()
                assert row is not None
                await follower.follow(conn, Position(row[0], row[1]))
                before = follower.position
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
                    await store_writes(conn.cursor(), writes, before.seq, origin, self.keep)
        except BaseException as exc:
            # Writes not decided yet (the lock was not granted, the connection went) go back to
            # the front of the queue: the next transaction tries them, until their timeout.
            self._pending.extendleft(reversed([p for p in batch if not p.started and not p.future.done()]))
            await self._failed(conn, exc, before, origin, decided, writes)
            return
        assert before is not None
        follower.position = Position(before.history, before.seq + len(writes))
        self.transactions += 1
        self.writes += len(writes)
        unconfirmed = self._sync_warning and writes
        for pending, result in decided:
            if pending.future.done():
                continue
            if unconfirmed:
                pending.future.set_exception(
                    StorageUnavailable(
                        f"{self.where} committed the write but its synchronous standby did not confirm it; "
                        "it may be lost if the primary fails now"
                    )
                )
            else:
                pending.future.set_result(result)

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
            self._limbo = Limbo(before, origin, len(writes))
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
                await self.follower.reload("a failed transaction")
            except Exception as reload_exc:  # the database went away meanwhile: reload when it returns
                self.follower.position = None
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
        # PostgreSQL warns, and reports the COMMIT successful, when the wait for a synchronous
        # standby is cancelled (by an administrator): committed locally, not confirmed.
        if "synchronous replication" in (diagnostic.message_primary or ""):
            self._sync_warning = True

    # ------------------------------------------------------------------ up or down
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
            position = self.follower.position
            seq = position.seq if position is not None else 0
            log.info("PostgreSQL available: writes resume", extra={"kv": {"storage": self.where, "seq": seq}})
        self.up = True
        self._said_down = False
        self._down_reason = "busy"
