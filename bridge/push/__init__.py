"""Delivering one push to a gateway: over HTTP to any Pushgateway (`pusher`) or in-process (`inprocess`).

`outcome` (the verdict on an attempt), `lastpush` (a group's last push, read from the gateway's
API) and `retry` (the backoff policy) are pure; `settings` is the plain value that says how to
reach a remote gateway. Nothing here knows the spool.
"""
