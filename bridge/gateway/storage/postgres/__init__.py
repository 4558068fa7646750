"""`--storage.postgres`: one store in PostgreSQL shared by any number of `pgw-bridge serve` replicas.

Modules::

    storage    PostgresStorage: the write lock, group commit, the change feed, faults
    schema     the tables, their checks, loading them whole
    codec      rows as bytes and text (the family codec hook, labels, feed entries); pure
    connect    conninfo and session settings (timeouts, synchronous commit), error classes
    election   jobs only one replica may run (TTL expiry), through an advisory lock
    transfer   `pgw-bridge storage import / export` between a persistence file and the database

psycopg is imported by these modules only when they connect, and nothing imports this package
unless the flag is given, so a gateway without it never loads psycopg.
"""
