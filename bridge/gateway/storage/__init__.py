"""Durability behind the `Gateway`: one storage contract and its implementations.

Modules::

    interface      the contract: load, write (decide under the lock + commit), wipe, the change feed
    memory         MemoryStorage, the default: nothing durable
    sqlite         SqliteStorage (`--persistence.file`): WAL, group commit on a writer thread
    sqlitewrite    what a batch of changes does to the rows (group ids in memory, undone on failure)
    sqlitefile     the file's schema (v2: a generation per wipe), identity checks, loading, collecting
    sqlitemigrate  the in-place migration of a v1 file, in one transaction
    rowcodec       a family as a row: JSON for classic families, protobuf for everything else
    collector      a wipe's rows deleted in the background, small batches between the commits
    checkpointer   WAL checkpoints on a thread of their own, so no commit pays for one
    feed           the change feed of a single-node storage: this process's last writes
    postgres/      PostgresStorage (`--storage.postgres`): one store shared by replicas (psycopg, loaded lazily)
"""
