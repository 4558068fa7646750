"""Group TTL policy: rule matching, ages, and which groups expire."""

from __future__ import annotations

from bridge.gateway.config import TTLRule
from bridge.gateway.expiry import TTLPolicy, expired, last_push_seconds
from bridge.gateway.store.metric_store import Store
from bridge.protocol.textparse import parse_text

S = 1_000_000_000


def test_first_full_match_wins() -> None:
    policy = TTLPolicy(60, [TTLRule("backup-.*", 3600), TTLRule("backup-db", 1), TTLRule("keep", 0)])
    assert policy.ttl("backup-db") == 3600
    assert policy.ttl("xbackup-db") == 60
    assert policy.ttl("keep") == 0
    assert policy.sweep_interval == 1.0  # a tenth of the shortest TTL, at least a second
    assert TTLPolicy(600, []).sweep_interval == 60.0


def test_expiry_by_last_push_and_failure_only_groups() -> None:
    store = Store()
    store.push({"job": "old"}, parse_text(b"x 1\n"), replace=True, now_ns=100 * S)
    store.push({"job": "new"}, parse_text(b"y 1\n"), replace=True, now_ns=190 * S)
    store.push({"job": "old"}, parse_text(b"x 1 5\n"), replace=True, now_ns=195 * S)  # a failure does not refresh it
    store.push({"job": "failed"}, parse_text(b"# TYPE y counter\ny 1\n"), replace=True, now_ns=150 * S)
    groups = list(store.groups.values())
    assert last_push_seconds(store.groups[(("job", "failed"),)]) == 150.0
    policy = TTLPolicy(30, [])
    assert sorted(g.labels["job"] for g in expired(groups, 200.0, policy)) == ["failed", "old"]
    assert expired(groups, 200.0, TTLPolicy(0, [])) == []
    assert not TTLPolicy(0, [TTLRule("x", 0)]).active
