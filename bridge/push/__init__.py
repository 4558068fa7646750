"""Delivering one push to a gateway: over HTTP to any Pushgateway (`pusher`) or in-process (`inprocess`).

`outcome` (the verdict on an attempt) and `retry` (the backoff policy) are pure; `settings` is
the plain value that says how to reach a remote gateway. Nothing here knows the spool.
"""
