"""The store: the in-memory model of every group and every rule of what a write does (pure: no I/O, no framework)."""
