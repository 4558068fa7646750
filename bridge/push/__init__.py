"""Delivering spool files to a gateway: over HTTP (any Pushgateway) or in-process, with a pure retry policy."""
