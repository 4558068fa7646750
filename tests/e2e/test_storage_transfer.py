"""`pgw-bridge storage import / export`: a single-node store moves to PostgreSQL and back without losing a group.

Real processes all the way: a `serve --persistence.file` fills the file, the CLI imports it, a
replica on the database shows exactly what the single node showed (API, text and protobuf), a
running replica reloads when an import replaces the store, and the export serves the same again;
a native histogram goes to a persistence file (schema 2) and back byte for byte.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from google.protobuf import text_format

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import api_groups, client_view, groups_by_labels, poll
from tests.e2e.replicas import replica_args
from tests.e2e.test_replicas_fidelity import NATIVE
from tests.support import metrics_pb
from tests.support.postgres import PASSWORD
from tests.support.servers import REPO

pytestmark = pytest.mark.slow

FAMILIES = ("t_gauge", "t_hist", "t_sum", "t_counter", "push_time_seconds", "push_failure_time_seconds")
TEXT = {"Content-Type": "text/plain; version=0.0.4"}
PUSHES = [
    ("/metrics/job/a", b'# HELP t_gauge back\\\\slash\\nnewline\n# TYPE t_gauge gauge\nt_gauge{k="v"} 1.5\nt_gauge 2\n'),
    ("/metrics/job/e/instance/", b'# TYPE t_hist histogram\nt_hist_bucket{le="0.5"} 1\nt_hist_bucket{le="+Inf"} 3\nt_hist_sum 2.5\nt_hist_count 3\n'),
    ("/metrics/job@base64/L3g", b'# TYPE t_sum summary\nt_sum{quantile="0.9"} NaN\nt_sum_sum 1e+300\nt_sum_count 7\n'),
    ("/metrics/job/c", b"# TYPE t_counter counter\nt_counter 3\n"),
    ("/metrics/job/d", b"# TYPE t_gauge counter\nt_gauge 1\n"),  # refused: a failure recorded
]  # fmt: skip


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", "storage", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def fill(bridge: StartBridge, db: Path, pushes: list[tuple[str, bytes]]) -> tuple[object, ...]:
    server = bridge([f"--persistence.file={db}"])
    for path, body in pushes:
        httpx.put(f"{server.url}{path}", content=body, headers=TEXT)
    view = client_view(server.url, FAMILIES)
    assert server.stop(signal.SIGTERM) == 0
    return view


def test_a_store_moves_to_postgres_and_back_exactly(bridge: StartBridge, pg_dsn: str, tmp_path: Path) -> None:
    source = tmp_path / "state.db"
    before = fill(bridge, source, PUSHES)
    done = cli("import", "--from", str(source), "--to", pg_dsn)
    assert done.returncode == 0, done.stderr
    assert "imported 5 groups" in done.stderr and PASSWORD not in done.stderr
    replica = bridge(replica_args(pg_dsn, "r0"))
    assert client_view(replica.url, FAMILIES) == before

    again = cli("import", "--from", str(source), "--to", pg_dsn)
    assert again.returncode == 1 and "already holds 5 groups" in again.stderr and "--replace" in again.stderr

    # An import that replaces the store is seen by a replica already running: it reloads.
    other = tmp_path / "other.db"
    fill(bridge, other, [("/metrics/job/replaced", b"r 1\n")])
    assert cli("import", "--from", str(other), "--to", pg_dsn, "--replace").returncode == 0

    def reloaded() -> bool:
        with httpx.Client(base_url=replica.url) as client:
            return set(groups_by_labels(api_groups(client))) == {(("job", "replaced"),)}

    poll(reloaded, timeout=20, what="the running replica to reload the imported store")
    assert cli("import", "--from", str(source), "--to", pg_dsn, "--replace").returncode == 0

    exported = tmp_path / "exported.db"
    out = cli("export", "--from", pg_dsn, "--to", str(exported))
    assert out.returncode == 0 and "exported 5 groups" in out.stderr, out.stderr
    refused = cli("export", "--from", pg_dsn, "--to", str(exported))
    assert refused.returncode == 1 and "exists" in refused.stderr
    single = bridge([f"--persistence.file={exported}"])
    assert client_view(single.url, FAMILIES) == before


def test_import_of_a_file_that_is_not_ours_is_refused(pg_dsn: str, tmp_path: Path) -> None:
    foreign = tmp_path / "go-pushgateway.db"
    foreign.write_bytes(b"\x0a\x05hello not sqlite")
    done = cli("import", "--from", str(foreign), "--to", pg_dsn)
    assert done.returncode == 1 and "not a pgw-bridge persistence file" in done.stderr
    missing = cli("import", "--from", str(tmp_path / "none.db"), "--to", pg_dsn)
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def protobuf_scrape_of(url: str, job: str) -> list[bytes]:
    """The job's families in a protobuf scrape, each as its message's bytes (the servers' own metrics left out)."""
    body = httpx.get(f"{url}/metrics", headers={"Accept": metrics_pb.PROTO_CT}).content
    kept = []
    for family in metrics_pb.parse_delimited(body):
        if any(label.name == "job" and label.value == job for metric in family.metric for label in metric.label):
            kept.append(family.SerializeToString())
    return kept


def test_a_native_histogram_moves_to_a_persistence_file_and_back_byte_for_byte(
    bridge: StartBridge, pg_dsn: str, tmp_path: Path
) -> None:
    replica = bridge(replica_args(pg_dsn, "r0"))
    native = metrics_pb.delimited(text_format.Parse(NATIVE, metrics_pb.MetricFamily()))
    pushed = httpx.put(
        f"{replica.url}/metrics/job/native", content=native, headers={"Content-Type": metrics_pb.PROTO_CT}
    )
    assert pushed.status_code == 200
    before = protobuf_scrape_of(replica.url, "native")
    assert any(b"rpc_seconds" in family for family in before)
    target = tmp_path / "exported.db"
    out = cli("export", "--from", pg_dsn, "--to", str(target))
    assert out.returncode == 0 and "exported 1 groups" in out.stderr, out.stderr
    single = bridge([f"--persistence.file={target}"])
    assert protobuf_scrape_of(single.url, "native") == before
    assert cli("import", "--from", str(target), "--to", pg_dsn, "--replace").returncode == 0
    fresh = bridge(replica_args(pg_dsn, "r1"))
    assert protobuf_scrape_of(fresh.url, "native") == before
