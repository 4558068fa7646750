"""Keeping a replica's model at the feed's head: replay what others committed, reload when the feed cannot continue.

`Follower` owns the model's position. `follow(conn, head)` replays `pgw_changes` up to `head`
(the writer calls it under the write lock before deciding, and on a notification or a poll
without it); a history that is not the model's, a sequence that went backwards, or a gap
(rows pruned past the position) reload the whole model instead. `settle` decides a batch whose
commit was never confirmed (the connection died during it): its first feed row carries the
batch's origin tag if, and only if, it committed. `listen` turns NOTIFYs into wake-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridge.gateway.storage.interface import Committed, Model, Position
from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import decode_write

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("bridge.gateway")

Open = Callable[[], Awaitable["psycopg.AsyncConnection[Any]"]]
FEED_AFTER = "SELECT seq, doc, families FROM pgw_changes WHERE seq > %s AND seq <= %s ORDER BY seq"


@dataclass(frozen=True, slots=True)
class Limbo:
    """A batch whose commit was sent but never confirmed: the model holds it, the database may not."""

    before: Position
    origin: str
    count: int


class Follower:
    """The model and where it stands in the feed (see the module docstring)."""

    def __init__(self, model: Model, position: Position | None, open_connection: Open) -> None:
        self.model = model
        self.position = position
        self.reloads = 0
        self._open = open_connection

    async def catch_up(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Follow to the head the database has now (no lock)."""
        row = await (await conn.execute(schema.LOAD_META)).fetchone()
        assert row is not None
        await self.follow(conn, Position(row[0], row[1]))

    async def follow(self, conn: psycopg.AsyncConnection[Any], head: Position) -> None:
        """Bring the model to `head`: replay the feed, or reload when it cannot continue."""
        position = self.position
        if position is None:
            await self.reload("never loaded")
            return
        if head.history != position.history:
            await self.reload(f"another history ({head.history})")
            return
        if head.seq < position.seq:
            await self.reload(f"the sequence went backwards ({position.seq} → {head.seq})")
            return
        if head.seq == position.seq:
            return
        rows = await (await conn.execute(FEED_AFTER, (position.seq, head.seq))).fetchall()
        if len(rows) != head.seq - position.seq:
            await self.reload(f"the feed no longer holds the writes after {position.seq}")
            return
        for seq, doc, blobs in rows:
            committed = Committed(Position(head.history, seq), decode_write(doc, list(blobs)))
            self.model.apply(committed)
            self.position = committed.position

    async def reload(self, reason: str) -> None:
        """Replace the model with the tables (on a connection of its own: it may run under the lock)."""
        log.warning("reloading the store from PostgreSQL", extra={"kv": {"reason": reason}})
        conn = await self._open()
        try:
            loaded = await schema.load_async(conn)
        finally:
            await conn.close()
        self.model.reload(loaded)
        self.position = loaded.position
        self.reloads += 1

    async def settle(self, conn: psycopg.AsyncConnection[Any], limbo: Limbo) -> None:
        """Keep a batch in limbo if it committed (the model is right), else reload."""
        row = await (
            await conn.execute(
                "SELECT m.history, c.origin FROM pgw_meta m LEFT JOIN pgw_changes c ON c.seq = %s",
                (limbo.before.seq + 1,),
            )
        ).fetchone()
        if row is not None and row[0] == limbo.before.history and row[1] == limbo.origin:
            self.position = Position(limbo.before.history, limbo.before.seq + limbo.count)
            log.info("the unconfirmed commit did happen", extra={"kv": {"writes": limbo.count}})
        else:
            self.position = limbo.before
            await self.reload("the unconfirmed commit did not happen")


async def listen(open_connection: Open, wake: asyncio.Event, position: Callable[[], Position | None]) -> None:
    """LISTEN for commits and set `wake` for those after `position()`; reconnect forever (until cancelled)."""
    backoff = 0.05
    while True:
        try:
            conn = await open_connection()
        except Exception:
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)
            continue
        backoff = 0.05
        try:
            await conn.execute(f"LISTEN {schema.NOTIFY_CHANNEL}")
            wake.set()  # notifications may have been missed while away
            async for note in conn.notifies():
                at = position()
                if at is None or not note.payload.isdigit() or int(note.payload) > at.seq:
                    wake.set()
        except asyncio.CancelledError:
            raise
        except Exception:
            await asyncio.sleep(backoff)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
