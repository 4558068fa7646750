"""Durability behind the `Gateway`: one storage contract and its implementations.

Modules::

    interface      the contract: load, write (decide under the lock + commit), wipe, the change feed
    memory         MemoryStorage, the default: nothing durable
    sqlite         SqliteStorage (`--persistence.file`): WAL, group commit on a writer thread,
                   wiped rows collected in the background
    sqlitefile     the file's schema (v2: a generation per wipe), identity checks, loading, collecting
    sqlitemigrate  the in-place migration of a v1 file, in one transaction
    rowcodec       a family as a row: JSON for classic families, protobuf for everything else
    feed           the change feed of a single-node storage: this process's last writes
"""
