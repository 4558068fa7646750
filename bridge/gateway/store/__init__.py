"""The store: the in-memory model of every group and every rule of what a write does (pure: no I/O, no asyncio).

Modules::

    metric_store        Store: push, delete, family delete, wipe, replay; the per-name indexes
    types               what it holds and says: Group, StoredFamily, NameIndex, Change, StoreListener
    sanitize            a pushed family's label rules (grouping labels, `instance=""`, sorted)
    family_checks       client_golang's per-family consistency rules
    cross_group_checks  a write checked against the rest of the store, at the cost of what it touches
"""
