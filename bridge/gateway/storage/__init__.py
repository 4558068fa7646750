"""Durability behind the `Gateway`: one storage contract and its implementations.

Modules::

    interface   the contract: load, write (decide under the lock + commit), wipe, the change feed
    memory      MemoryStorage, the default: nothing durable
    sqlite      SqliteStorage (`--persistence.file`): WAL, group commit on a writer thread
    sqlitefile  the file's schema, identity checks and row codec
    feed        the change feed of a single-node storage: this process's last writes
    postgres/   PostgresStorage (`--storage.postgres`): one store shared by replicas (psycopg, loaded lazily)
"""
