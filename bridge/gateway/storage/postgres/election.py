"""Jobs only one replica may run (TTL expiry), elected through a PostgreSQL session advisory lock.

Every replica tries `pg_try_advisory_lock` every `interval` on a connection of its own; the one
that gets it runs the job until its session ends. When that replica dies, PostgreSQL ends the
session (at once for a killed process, within the TCP keepalive/`tcp_user_timeout` bound for a
vanished host) and the next try of another replica takes over. The holder checks its session
every `interval`; when it is lost (the database restarted, the network went), the job is
cancelled and the replica competes again.

Two holders at once (for at most `interval`, after a database restart) would do no harm: an
expiry delete is decided under the write lock against the caught-up store, and only if the
group is still expired, so the second delete of a group finds nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bridge.gateway.storage.postgres.storage import PostgresStorage

log = logging.getLogger("bridge.gateway")


async def run_elected(
    storage: PostgresStorage, key: int, job: Callable[[], Awaitable[None]], *, what: str, interval: float = 1.0
) -> None:
    """Run `job` whenever this replica holds advisory lock `key`; forever (until cancelled)."""
    while True:
        try:
            conn = await storage.open_connection()
        except Exception:
            await asyncio.sleep(interval)
            continue
        task: asyncio.Task[None] | None = None
        try:
            while True:
                row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
                if row is not None and row[0]:
                    break
                await asyncio.sleep(interval)
            storage.leader = True
            log.info("this replica was elected", extra={"kv": {"job": what, "replica": storage.replica}})
            task = asyncio.ensure_future(job())
            while not task.done():
                await asyncio.wait({task}, timeout=interval)
                if not task.done():
                    await conn.execute("SELECT 1")  # the session, and with it the lock, is still there
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("lost the election's session", extra={"kv": {"job": what, "err": str(exc).strip()}})
            await asyncio.sleep(interval)
        finally:
            if storage.leader:
                storage.leader = False
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            with contextlib.suppress(Exception):
                await conn.close()
