"""Unit tests: the demo's seed files and the states they produce (fresh, stale and failed at once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwtui.demo import DEMO_POLICY, SEED_DIR, build_demo_gateway, grouping_from_name, read_seeds, start_spool_bridge
from pgwtui.errors import ConfigError
from pgwtui.models import parse_groups
from pgwtui.staleness import Status, assess

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


def test_spool_hook_only_creates_the_directory_for_now(tmp_path: Path):
    app = build_demo_gateway(NOW, seed_dir=tmp_path / "none")
    note = start_spool_bridge(app.gateway, tmp_path / "spool")
    assert (tmp_path / "spool").is_dir()
    assert "not wired yet" in note
