"""The SQL of one write transaction's body: group and family rows, one feed row per write, the sequence, NOTIFY.

Statements are queued in the order of the changes (a group deleted and pushed again in one
batch must end as pushed), on a cursor in pipeline mode, so the whole body and the COMMIT travel
in one round trip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridge.gateway.storage.postgres import schema
from bridge.gateway.storage.postgres.codec import encode_family, encode_write, labels_text, name_key
from bridge.gateway.store.types import Change

if TYPE_CHECKING:
    import psycopg

PRUNE_EVERY = 1000
"""The feed is pruned when the sequence crosses a multiple of this."""


async def store_writes(
    cur: psycopg.AsyncCursor[Any], writes: list[list[Change]], seq: int, origin: str, keep: int
) -> int:
    """Queue the statements of `writes`, committed after `seq`, tagged `origin`; the new sequence."""
    start = seq
    for changes in writes:
        for change in changes:
            await store_change(cur, change)
        seq += 1
        doc, blobs = encode_write(changes)
        await cur.execute(
            "INSERT INTO pgw_changes (seq, origin, doc, families) VALUES (%s, %s, %s, %s)", (seq, origin, doc, blobs)
        )
    await cur.execute("UPDATE pgw_meta SET seq = %s", (seq,))
    await cur.execute("SELECT pg_notify(%s, %s)", (schema.NOTIFY_CHANNEL, str(seq)))
    if seq // PRUNE_EVERY != start // PRUNE_EVERY:
        await cur.execute("DELETE FROM pgw_changes WHERE seq <= %s", (seq - keep,))
    return seq


async def store_change(cur: psycopg.AsyncCursor[Any], change: Change) -> None:
    """Queue what one change does to the group and family rows."""
    if change.wiped:
        # TRUNCATE is transactional and, unlike DELETE, costs nothing per row (a wipe at 50,000
        # groups); a replica loading meanwhile waits for it or sees the state before it.
        await cur.execute("TRUNCATE pgw_families, pgw_groups")
        return
    labels = labels_text(change.labels)
    if change.group_removed:
        await cur.execute("DELETE FROM pgw_groups WHERE labels = %s", (labels,))
        return
    await cur.execute("INSERT INTO pgw_groups (labels) VALUES (%s) ON CONFLICT DO NOTHING", (labels,))
    if change.removed:
        await cur.execute(
            "DELETE FROM pgw_families WHERE labels = %s AND name = ANY(%s::bytea[])",
            (labels, [name_key(name) for name in change.removed]),
        )
    if change.written:
        names = [name_key(name) for name in change.written]
        stamps = [s.timestamp_ns for s in change.written.values()]
        blobs = [encode_family(s.family) for s in change.written.values()]
        await cur.execute(
            "INSERT INTO pgw_families (labels, name, timestamp_ns, data) "
            "SELECT %s, * FROM unnest(%s::bytea[], %s::bigint[], %s::bytea[]) "
            "ON CONFLICT (labels, name) DO UPDATE SET timestamp_ns = EXCLUDED.timestamp_ns, data = EXCLUDED.data",
            (labels, names, stamps, blobs),
        )
