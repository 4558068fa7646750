"""Durability behind the `Gateway`: the storage contract (`interface`) and its implementations (in memory, SQLite)."""
