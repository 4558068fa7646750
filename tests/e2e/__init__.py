"""End-to-end tests against real processes and real clients."""
