"""`examples/replicas/`: the Prometheus configuration and alerting rules pass promtool; the systemd unit's flags parse."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from bridge.cli import build_parser
from tests.conftest import require_binary
from tests.support.servers import REPO

EXAMPLES = REPO / "examples" / "replicas"


@pytest.mark.prometheus
def test_the_prometheus_configuration_and_rules_are_valid() -> None:
    promtool = require_binary("promtool")
    for args in (["check", "rules", "pgw-replicas-alerts.yml"], ["check", "config", "prometheus.yml"]):
        done = subprocess.run([promtool, *args], cwd=EXAMPLES, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    rules = (EXAMPLES / "pgw-replicas-alerts.yml").read_text()
    for family in (
        "pgw_bridge_storage_up",
        "pgw_bridge_storage_seq",
        "pgw_bridge_storage_leader",
        "pgw_bridge_storage_reloads_total",
    ):
        assert family in rules


def test_the_systemd_unit_starts_serve_with_flags_that_exist() -> None:
    unit = (EXAMPLES / "pgw-bridge-replica@.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+?)(?<!\\)$", unit, re.MULTILINE | re.DOTALL)
    assert exec_start is not None
    command = shlex.split(exec_start.group(1).replace("\\\n", " ").replace("%i", "9091").replace("%H", "host"))
    assert command[:2] == ["/usr/local/bin/pgw-bridge", "serve"]
    args = build_parser().parse_args(command[1:])
    assert (args.listen_address, args.storage_postgres_replica) == (":9091", "host:9091")
    assert "PGW_STORAGE_POSTGRES=" in unit and "PGW_STORAGE_POSTGRES_PASSWORD_FILE=" in unit
