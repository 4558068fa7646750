"""Unit tests: the demo's seed files and the states they produce (fresh, stale and failed at once)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from pgwtui.demo import (
    DEMO_POLICY,
    SEED_DIR,
    DemoGateway,
    build_demo_gateway,
    grouping_from_name,
    read_seeds,
    start_spool_bridge,
)
from pgwtui.errors import ConfigError
from pgwtui.models import parse_groups
from pgwtui.staleness import Status, assess
from tests.support.servers import free_port

NOW = 1_780_000_000.0


@pytest.mark.parametrize(
    ("name", "grouping"),
    [
        ("backup.prom", {"job": "backup"}),
        ("backup@instance=.prom", {"job": "backup", "instance": ""}),
        ("deploy@path=%2Fsrv%2Fapp.prom", {"job": "deploy", "path": "/srv/app"}),
        ("a%40b@x=1@y=%3D.prom", {"job": "a@b", "x": "1", "y": "="}),
    ],
)
def test_grouping_from_name(name: str, grouping: dict[str, str]):
    assert grouping_from_name(name) == grouping


@pytest.mark.parametrize("name", ["backup.txt", ".hidden.prom", "job@novalue.prom"])
def test_bad_seed_names(name: str):
    with pytest.raises(ConfigError):
        grouping_from_name(name)


def test_seeds_show_every_state_at_once():
    seeds = read_seeds(SEED_DIR)
    assert len(seeds) >= 6
    app = build_demo_gateway(NOW)
    groups, unreadable = parse_groups(app.gateway.api_metrics())
    assert unreadable == 0 and len(groups) == len(seeds)
    statuses = {assess(g, DEMO_POLICY, NOW).status for g in groups}
    assert statuses == {Status.OK, Status.STALE, Status.FAILED, Status.FAILED_STALE}
    keys = {g.key for g in groups}
    assert (("instance", ""), ("job", "cron-cleanup")) in keys, "an empty label value"
    assert (("job", "deploy"), ("path", "/srv/app")) in keys, "a value with slashes"


def test_the_demo_spool_bridge_pushes_dropped_files(tmp_path: Path, no_thread_leaks: None):
    spool = tmp_path / "spool"
    port = free_port()
    demo = DemoGateway(build_demo_gateway(NOW, port=port, seed_dir=tmp_path / "none"), port, spool)
    demo.start()
    try:
        assert any("Spool bridge watching" in note for note in demo.notes)
        (spool / ".mine.tmp").write_bytes(b"mine_total 3\n")
        (spool / ".mine.tmp").rename(spool / "mine@instance=a.prom")
        deadline = time.monotonic() + 10
        labels: list[dict[str, str]] = []
        while time.monotonic() < deadline:
            labels = [g["labels"] for g in httpx.get(demo.url + "/api/v1/metrics").json()["data"]]
            if {"job": "mine", "instance": "a"} in labels and not list(spool.glob("*.prom")):
                break
            time.sleep(0.05)
        assert {"job": "mine", "instance": "a"} in labels
        assert {"job": "welcome", "instance": "make-run"} in labels, "the example dropped at start"
        assert not list(spool.glob("*.prom")), "delivered files are consumed"
        assert "pgw_bridge_spool_files_pushed_total" in httpx.get(demo.url + "/metrics").text
    finally:
        demo.stop()


def test_spool_bridge_factory_prepares_the_directory(tmp_path: Path):
    task, note = start_spool_bridge(tmp_path / "spool")
    assert (tmp_path / "spool" / "failed").is_dir()
    assert callable(task) and "drop" in note
