"""Benchmarks and the soak script (not part of `make test`)."""
