"""`--storage.postgres`: one store in PostgreSQL shared by any number of `pgw-bridge serve` replicas.

Modules::

    storage    PostgresStorage: the facade the gateway calls, the feed for others, status and metrics
    writer     queued writes → one transaction under the meta row lock → answers; faults, reconnects
    follow     the model at the feed's head: replay, reload on gap/reset/backwards, LISTEN wake-ups
    rows       the SQL of a write transaction's body (group, family and feed rows, the sequence)
    schema     the tables, their checks, loading them whole
    codec      rows as bytes and text: families as their protobuf message (the codec hook), labels, feed entries; pure
    connect    conninfo and session settings (timeouts, synchronous commit), error classes
    election   jobs only one replica may run (TTL expiry), through an advisory lock
    transfer   `pgw-bridge storage import / export` between a persistence file and the database

psycopg is imported by these modules only when they connect, and nothing imports this package
unless the flag is given, so a gateway without it never loads psycopg (import contracts in
pyproject.toml: only these modules import psycopg; only `gateway.runtime` and `cli.storage`
import this package, lazily).
"""
