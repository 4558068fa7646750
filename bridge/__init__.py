"""pgw-bridge: a Pushgateway-compatible gateway, and a spool directory that feeds any gateway.

The packages, from the edge inwards; imports only point down the list (`make imports` checks it)::

    cli/       `pgw-bridge serve | watch | drop | exec`: flags → values, errors → exit statuses;
               the one place that composes the packages below (`__main__`: `python -m bridge`)
    spool/     a directory of .prom files → pushes: file names, watcher, consume and mirror
               modes, the pipeline; `spool.embedded` alone feeds the in-process gateway
    push/      delivering one push: over HTTP to any Pushgateway, or into the embedded gateway;
               the verdict on each attempt and the retry policy
    gateway/   the Pushgateway-compatible server: store and its rules, read models, persistence,
               HTTP edge
    protocol/  the wire codec everything speaks: text and protobuf formats, grouping keys, push
               methods, media types, durations, Go's number rules (pure: no I/O)

Beside them, for every package: `errors` (the exception tree), `logs` (the Go gateway's log
formats), `addresses` (`[host]:port` as Go reads it), `serving` (uvicorn without its signal
capture) and `buildinfo` (the build in Go's words: `--version`, `pushgateway_build_info`).

A spool file's way: `spool.watcher` → `spool.runner` → `spool.pipeline` → `push.pusher` (HTTP,
`watch`) or `push.inprocess` → the gateway's `Gateway` service (`serve --spool`).

`asgi` is the one home of the ASGI callable's types (the gateway's app, the spool's metrics server).
"""

from __future__ import annotations

__version__ = "0.1.0"
