"""The Pushgateway-compatible server (`pgw-bridge serve`): a drop-in for prometheus/pushgateway, in layers.

A push, top to bottom::

    PUT/POST /metrics/job/…                       a spool file (serve mode)
      web.fastpath (small bodies) or uvicorn's ASGI bridge.push.inprocess.GatewayPusher
      web.app: Go's routing, request accounting     │
      web.handlers: URL + body → grouping, families │
      │  Verdict → 200 / 202 / 400                  │  Verdict → Outcome (the same message)
      ▼                                             ▼
    service.Gateway.push: the only way in; the push limits; a verdict.Verdict, worded once as Go words it
      │  storage.write(decide)
      ▼
    storage (interface): take the write lock (and, shared, catch up from the feed), then decide:
      │    store.Store.push: sanitise; store.family_checks + store.cross_group_checks; apply
      │      └─ each Change → its listeners, the read models: reads.exposition, reads.api
      ▼
    storage: commit the Changes (memory: nothing; SQLite: one transaction per pass of the event loop, or the writer thread's; shared: one transaction)
      ▼
    the answer, once the write is durable

A read::

    GET /metrics          → Gateway.metrics_text()  → reads.exposition (series rendered at the first read, gzip chunks cached)
    GET /api/v1/metrics   → Gateway.api_metrics()   → reads.api (JSON cached per group)
    status page, expiry   → Gateway.groups() / group()

The layers (each imports only those below it; the `layers` contract in pyproject.toml checks it)::

    runtime                  composition root: config → storage, Gateway, app, background tasks
    web/ | expiry            the HTTP edge | the TTL extension's sweep (both use the service only)
    service                  Gateway: every write decided once, every read served
    reads/ | storage/ | ownmetrics | deferred_free | verdict | gcpolicy
                             read models | durability | the gateway's own metrics | freeing wipes |
                             a push's Verdict, worded as Go words it | gc.freeze() for a big store
    store/                   the in-memory model and every rule of a write (pure)
    config                   GatewayConfig: the Go binary's flags and their derived values

Why these subpackages: each is a layer with a rule a test or a contract holds it to.
`store/` and `reads/` are pure (no I/O, no asyncio: import-linter); `storage/` is everything
durable behind one interface (`storage.interface`) that the in-memory, SQLite and (next)
PostgreSQL stores implement and one contract suite checks; `web/` is everything HTTP, an ASGI
app tests call in-process, with its own layers (server > app > handlers | auth > primitives).
The modules left at the top are one each of their layer.
"""
