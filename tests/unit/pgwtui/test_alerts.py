"""Unit tests: parsing /api/v1/alerts, matching alerts to groups (instance="" and specificity), watching them resolve."""

from __future__ import annotations

import json

import pytest

from bridge.protocol.grouping import GroupKey
from pgwtui.alerts.model import (
    RESOLVED_KEEP,
    Alert,
    AlertCounts,
    index_alerts,
    matches,
    parse_alerts,
    parse_time,
    settle,
    track_deleted,
    unresolved,
)
from pgwtui.errors import PrometheusError
from pgwtui.views.alerts import alert_rows, cells, details, group_text, hidden_count
from pgwtui.views.groups import CellFormatter
from tests.support.prometheus import api_alert, rfc3339


def key(**labels: str) -> GroupKey:
    return tuple(sorted(labels.items()))


def alert(
    name: str = "PushgatewayGroupStale", state: str = "firing", active: float | None = 100.0, **labels: str
) -> Alert:
    return Alert(tuple(sorted({"alertname": name, **labels}.items())), state=state, active_at=active)


def body(*alerts: dict[str, object], status: str = "success") -> bytes:
    return json.dumps({"status": status, "data": {"alerts": list(alerts)}}).encode()


def test_parse_alerts_as_prometheus_writes_them() -> None:
    raw = api_alert("X", {"job": "a", "instance": "b"}, state="pending", active_at=1_780_000_000.25, summary="s")
    [parsed] = parse_alerts(body(raw))
    assert parsed.name == "X" and parsed.state == "pending" and not parsed.firing
    assert parsed.labels == (("alertname", "X"), ("instance", "b"), ("job", "a"))
    assert parsed.active_at == pytest.approx(1_780_000_000.25)
    assert parsed.summary == "s" and parsed.label("missing") == ""


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<html>", "is this Prometheus?"),
        (body(status="error"), "answered status 'error'"),
        (b'{"status": "success", "data": {}}', "is this Prometheus?"),
        (b'{"status": "success", "data": {"alerts": [1]}}', "is this Prometheus?"),
        (b'{"status": "success", "data": {"alerts": [{"labels": []}]}}', "is this Prometheus?"),
    ],
)
def test_parse_alerts_rejects_what_is_not_prometheus(payload: bytes, message: str) -> None:
    with pytest.raises(PrometheusError, match=message):
        parse_alerts(payload)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (rfc3339(1_780_000_000.5), 1_780_000_000.5),
        ("2026-05-28T20:26:40Z", 1_780_000_000.0),
        ("0001-01-01T00:00:00Z", None),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_time(text: object, expected: float | None) -> None:
    assert parse_time(text) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("group", "labels", "expected"),
    [
        (key(job="backup", instance="db-1"), {"job": "backup", "instance": "db-1", "alertname": "X"}, True),
        (key(job="backup", instance=""), {"job": "backup"}, True),  # Prometheus dropped instance=""
        (key(job="backup"), {"job": "backup"}, True),  # the gateway added instance="", Prometheus dropped it
        (key(job="backup"), {"job": "backup", "instance": "db-1"}, False),  # another group's alert
        (key(job="backup", instance="db-1"), {"job": "backup"}, False),
        (key(job="backup", env=""), {"job": "backup"}, True),
        (key(job="backup", env="prod"), {"job": "backup", "env": "dev"}, False),
        (key(job="backup"), {"job": "other"}, False),
        (key(job="backup", path="/srv/a b"), {"job": "backup", "path": "/srv/a b", "severity": "page"}, True),
    ],
)
def test_matches(group: GroupKey, labels: dict[str, str], expected: bool) -> None:
    assert matches(group, labels) is expected


def test_the_most_specific_group_wins() -> None:
    plain, prod = key(job="backup"), key(job="backup", env="prod")
    empty = key(job="backup", env="")
    on_prod = alert(job="backup", env="prod")
    on_plain = alert(job="backup")
    index = index_alerts([plain, prod, empty, key(job="other")], [on_prod, on_plain, alert(job="nothing-here")])
    assert index.on(prod) == (on_prod,)
    assert index.on(plain) == (on_plain,) and index.on(empty) == (on_plain,), "indistinguishable in Prometheus: both"
    assert index.groups_of[on_prod.labels] == (prod,)
    assert index.counts() == {prod: AlertCounts(1, 0), plain: AlertCounts(1, 0), empty: AlertCounts(1, 0)}


def test_relevant_alerts_are_ours_or_about_a_group() -> None:
    ours = alert("PushBridgeBacklog", job="bridge", instance="b:9092")
    mine = alert("MyJobFailed", state="pending", job="backup")
    other = alert("HostDown", job="node", instance="x")
    index = index_alerts([key(job="backup")], [ours, mine, other])
    assert index.relevant() == (ours, mine)
    assert index.total() == AlertCounts(1, 1)
    assert hidden_count(index) == 1


def test_alerts_on_a_group_are_ordered_firing_first_then_longest_active() -> None:
    g = key(job="a")
    late, early, pending = (
        alert("B", active=200.0, job="a"),
        alert("C", active=50.0, job="a"),
        alert("A", "pending", 1.0, job="a"),
    )
    assert index_alerts([g], [late, pending, early]).on(g) == (early, late, pending)


@pytest.mark.parametrize(
    ("counts", "text"),
    [
        (AlertCounts(), "-"),
        (AlertCounts(2, 0), "2 firing"),
        (AlertCounts(0, 1), "1 pending"),
        (AlertCounts(1, 3), "1 firing"),
    ],
)
def test_counts_text(counts: AlertCounts, text: str) -> None:
    assert counts.text() == text


def test_watch_the_alerts_of_deleted_groups_until_they_resolve() -> None:
    gone, kept = key(job="a"), key(job="b")
    on_gone, on_kept = alert(job="a"), alert(job="b")
    index = index_alerts([gone, kept], [on_gone, on_kept])
    watching = track_deleted((), [gone], index, now=1000.0)
    assert [(w.alert, w.key, w.resolved_at) for w in watching] == [(on_gone, gone, None)]
    assert track_deleted(watching, [gone], index, now=1001.0) == watching, "not twice"
    still, resolved = settle(watching, [on_gone, on_kept], now=1002.0)
    assert resolved == () and unresolved(still) == 1
    done, resolved = settle(still, [on_kept], now=1010.0)
    assert [r.resolved_at for r in resolved] == [1010.0] and unresolved(done) == 0
    assert settle(done, [], now=1010.0 + RESOLVED_KEEP + 1) == ((), ()), "forgotten after a while"


def test_alert_rows_and_their_words() -> None:
    gone, here = key(job="cron", instance=""), key(job="backup", instance="db-2")
    on_gone = alert(job="cron")
    on_here = alert(job="backup", instance="db-2", active=400.0)
    bridge = alert("PushBridgeBacklog", job="bridge", instance="b:9092", active=300.0)
    index = index_alerts([gone, here], [on_gone, on_here, bridge])
    watching = track_deleted((), [gone], index, now=900.0)
    index = index_alerts([here], [on_gone, on_here, bridge])  # the group is gone; its alert is still firing
    rows = alert_rows(index, watching)
    assert [(r.alert.name, r.state, group_text(r)) for r in rows] == [
        ("PushgatewayGroupStale", "firing", 'deleted: job=cron instance=""'),
        ("PushBridgeBacklog", "firing", "— no group on this gateway"),
        ("PushgatewayGroupStale", "firing", "job=backup instance=db-2"),
    ]
    fmt = CellFormatter(1000.0)
    assert cells(rows[2], fmt)[:3] == ("firing", "PushgatewayGroupStale", "10m00s")
    assert "enter opens it" in details(rows[2], fmt)
    watching, _ = settle(watching, [on_here, bridge], now=1000.0)
    rows = alert_rows(index_alerts([here], [on_here, bridge]), watching)
    assert [r.state for r in rows] == ["firing", "firing", "resolved"]
    assert cells(rows[-1], CellFormatter(1030.0))[2] == "resolved 30s ago"
    assert "resolved in Prometheus" in details(rows[-1], fmt)
