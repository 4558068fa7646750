"""`--persistence.file` through the real CLI: files that are not ours are refused untouched; ours restore exactly."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require_binary
from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import (
    TIMESTAMP_FAMILIES,
    api_groups,
    client_view,
    groups_by_labels,
    label_key,
    poll,
    run_serve,
    siblings,
)
from tests.support import metrics_pb
from tests.support.servers import BridgeProcess, free_port, wait_ready

TEXT_CT = "text/plain; version=0.0.4"
V1_FIXTURE = Path(__file__).parents[1] / "unit/bridge/gateway/storage/fixtures/v1.sqlite"
V1_GROUPS = [group["labels"] for group in json.loads(V1_FIXTURE.with_name("v1.expected.json").read_text())]


def assert_refused(path: Path, message: str) -> None:
    """Start on `path`: exit status 1, a clear message on stderr, the file and its neighbours untouched."""
    before = path.read_bytes()
    names = siblings(path)
    result = run_serve([f"--persistence.file={path}"])
    assert result.returncode == 1, f"exit status {result.returncode}; stderr:\n{result.stderr}"
    assert f"pgw-bridge: {path}" in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert path.read_bytes() == before, "the refused file was modified"
    assert siblings(path) == names, f"files appeared next to the refused one: {siblings(path) - names}"


def _fill(bridge: StartBridge, path: Path, groups: int) -> None:
    """Make a real persistence file with `groups` groups, then stop gracefully (the WAL is checkpointed)."""
    server = bridge([f"--persistence.file={path}"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for i in range(groups):
            body = f'# HELP filler_value Some text to fill pages {"x" * 200}.\nfiller_value{{n="{i}"}} {i}\n'
            answer = client.put(f"/metrics/job/filler/instance/i{i}", content=body)
            assert answer.status_code == 200, answer.text
    assert server.stop() == 0
    assert not path.with_name(path.name + "-wal").exists()


# ------------------------------------------------------------------ refusals
def test_garbage_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_bytes(bytes(range(256)) * 40)
    assert_refused(path, "is not a pgw-bridge persistence file")


@pytest.mark.oracle
def test_go_pushgateway_file_is_refused(tmp_path: Path) -> None:
    """The real Go gateway writes its gob file on a graceful stop; ours must not take it over."""
    binary = require_binary("prometheus-pushgateway")
    path = tmp_path / "go-pushgateway.db"
    port = free_port()
    go = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}", f"--persistence.file={path}", "--log.level=error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/-/ready", proc=go)
        answer = httpx.put(f"http://127.0.0.1:{port}/metrics/job/go_batch", content="go_batch_value 42\n")
        assert answer.status_code in (200, 202)
        go.send_signal(signal.SIGTERM)
        assert go.wait(20) == 0
    finally:
        if go.poll() is None:
            go.kill()
            go.wait()
    assert path.stat().st_size > 0, "the Go gateway did not write its file"
    assert_refused(path, "not SQLite; a Go pushgateway file?")


def test_another_applications_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "someone-else.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        conn.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    conn.close()
    assert_refused(path, "is a SQLite file of another application (application_id 0x0)")


def test_sqlite_with_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other-app-id.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234567")
    conn.close()
    assert_refused(path, f"application_id {1234567:#x}")


def test_newer_schema_version_is_refused(bridge: StartBridge, tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    _fill(bridge, path, 3)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    assert_refused(path, "has schema version 3, newer than this pgw-bridge understands (2)")


def test_truncated_file_is_refused(bridge: StartBridge, tmp_path: Path) -> None:
    path = tmp_path / "truncated.db"
    _fill(bridge, path, 200)
    data = path.read_bytes()
    assert len(data) >= 8 * 4096, "the file is too small for this test to mean anything"
    path.write_bytes(data[: len(data) // 2])
    assert_refused(path, "corrupt")


def test_corrupted_pages_are_refused(bridge: StartBridge, tmp_path: Path) -> None:
    path = tmp_path / "corrupted.db"
    _fill(bridge, path, 200)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    assert len(data) >= 8 * page
    for offset in range(2 * page, len(data), page):  # every b-tree page header after the schema page
        data[offset : offset + 12] = b"\xa5" * 12
    path.write_bytes(bytes(data))
    assert_refused(path, "corrupt")


def test_empty_file_becomes_a_new_store(bridge: StartBridge, tmp_path: Path) -> None:
    """A zero-byte file (`touch pgw.db`) is an empty SQLite database: it is taken, not refused."""
    path = tmp_path / "touched.db"
    path.touch()
    server = bridge([f"--persistence.file={path}"])
    assert httpx.put(f"{server.url}/metrics/job/j", content="x 1\n").status_code == 200
    assert server.stop() == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x50475742
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


# ------------------------------------------------------------------ exact restore
GAUGE_TEXT = """# HELP restore_gauge A gauge: back\\\\slash, new\\nline, "quotes" and ünïcödé.
# TYPE restore_gauge gauge
restore_gauge{zone="b"} 2.5
restore_gauge{zone="a"} -1e-07
restore_gauge{zone="c",note="q\\"u\\\\o\\nte"} 1.7976931348623157e+308
# HELP restore_requests_total Requests.
# TYPE restore_requests_total counter
restore_requests_total{code="500"} 3
restore_requests_total{code="200"} 1027
# TYPE restore_special untyped
restore_special{kind="nan"} NaN
restore_special{kind="inf"} +Inf
restore_special{kind="-inf"} -Inf
restore_special{kind="negzero"} -0
# HELP restore_latency_seconds Latency histogram.
# TYPE restore_latency_seconds histogram
restore_latency_seconds_bucket{le="0.005"} 1
restore_latency_seconds_bucket{le="0.25"} 4
restore_latency_seconds_bucket{le="+Inf"} 9
restore_latency_seconds_sum 12.75
restore_latency_seconds_count 9
# HELP restore_size_bytes Size summary.
# TYPE restore_size_bytes summary
restore_size_bytes{quantile="0.5"} 100
restore_size_bytes{quantile="0.99"} 4096.5
restore_size_bytes_sum 123456.789
restore_size_bytes_count 321
"""
OUR_FAMILIES = (
    "restore_gauge",
    "restore_requests_total",
    "restore_special",
    "restore_latency_seconds",
    "restore_size_bytes",
    "restore_proto_value",
    "restore_empty",
    "restore_empty_histogram",
    "restore_then_failed_value",
    *TIMESTAMP_FAMILIES,
)


def _populate(client: httpx.Client) -> None:
    def expect(status: int, answer: httpx.Response) -> None:
        assert answer.status_code == status, f"{answer.request.method} {answer.request.url}: {answer.text}"

    expect(200, client.put("/metrics/job/restore/instance/i1", content=GAUGE_TEXT, headers={"Content-Type": TEXT_CT}))
    # A later POST replaces one family: families of one group carry different time stamps.
    expect(200, client.post("/metrics/job/restore/instance/i1", content="# TYPE restore_special untyped\n"
                            'restore_special{kind="later"} 7\n'))  # fmt: skip
    # Protobuf with empty families, to a grouping key with a slash and an empty value.
    proto = metrics_pb.delimited(
        metrics_pb.family(
            "restore_proto_value", "GAUGE", "Pushed as protobuf.", [{"labels": {"a": "1"}, "gauge": 0.1}]
        ),
        metrics_pb.family("restore_empty", "COUNTER", "An empty family.", []),
        metrics_pb.family("restore_empty_histogram", "HISTOGRAM", None, []),
    )
    expect(
        200,
        client.put(
            "/metrics/job@base64/cmVzdG9yZS9wcm90bw/path@base64/L2EvYg/empty@base64/=",
            content=proto,
            headers={"Content-Type": metrics_pb.PROTO_CT},
        ),
    )
    # A group that only ever failed: a push with a timestamp.
    expect(400, client.put("/metrics/job/restore_failed_only", content="restore_gauge 1 1700000000000\n"))
    # A group that succeeded, then failed (a type conflict with another group).
    expect(200, client.put("/metrics/job/restore_then_failed", content="restore_then_failed_value 5\n"))
    expect(
        400, client.post("/metrics/job/restore_then_failed", content="# TYPE restore_gauge counter\nrestore_gauge 1\n")
    )
    expect(202, client.delete("/metrics/job/restore_deleted"))


def _snapshot(url: str) -> tuple[dict[Any, Any], str, list[bytes]]:
    return client_view(url, OUR_FAMILIES)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_restart_restores_every_group_exactly(bridge: StartBridge, tmp_path: Path, stop: str) -> None:
    path = tmp_path / "pgw.sqlite"
    server = bridge([f"--persistence.file={path}"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        _populate(client)
    before = _snapshot(server.url)
    api = before[0]
    # The snapshot holds what the test is about (else equality would prove little).
    failed_only = api[label_key({"job": "restore_failed_only"})]
    assert failed_only["last_push_successful"] is False
    assert failed_only["push_time_seconds"]["metrics"][0]["value"] == "0"
    assert failed_only["push_failure_time_seconds"]["metrics"][0]["value"] != "0"
    assert api[label_key({"job": "restore_then_failed"})]["last_push_successful"] is False
    proto_group = api[label_key({"job": "restore/proto", "path": "/a/b", "empty": ""})]
    assert proto_group["restore_empty"]["metrics"] == []
    assert proto_group["restore_empty_histogram"]["metrics"] == []
    full = api[label_key({"job": "restore", "instance": "i1"})]
    assert full["restore_gauge"]["help"] == 'A gauge: back\\slash, new\nline, "quotes" and ünïcödé.'
    assert [m["labels"]["zone"] for m in full["restore_gauge"]["metrics"]] == ["b", "a", "c"]
    assert full["restore_special"]["time_stamp"] != full["restore_gauge"]["time_stamp"]
    assert len(api) == 4

    if stop == "SIGKILL":
        server.kill()
    else:
        assert server.stop() == 0
    restarted = bridge([f"--persistence.file={path}"])
    after = _snapshot(restarted.url)
    assert after[0] == before[0], "API groups differ after the restart"
    assert after[1] == before[1], "text exposition differs after the restart"
    assert after[2] == before[2], "protobuf exposition differs after the restart"
    assert "restored persisted groups" in restarted.logs()

    # And the restored store is live: consistency checks see the restored families.
    with httpx.Client(base_url=restarted.url, timeout=10) as client:
        conflict = client.put("/metrics/job/other", content="# TYPE restore_gauge counter\nrestore_gauge 1\n")
        assert conflict.status_code == 400, conflict.text
        assert client.delete("/metrics/job/restore/instance/i1").status_code == 202
    assert restarted.stop() == 0
    third = bridge([f"--persistence.file={path}"])
    groups = poll(lambda: _snapshot(third.url)[0], timeout=10, what="groups after the third start")
    assert label_key({"job": "restore", "instance": "i1"}) not in groups
    assert label_key({"job": "other"}) in groups  # the refused push still recorded its failure


def test_persistence_file_copy_starts_a_second_gateway(bridge: StartBridge, tmp_path: Path) -> None:
    """A file copied after a graceful stop is self-contained (no WAL needed): a backup restores elsewhere."""
    path = tmp_path / "pgw.sqlite"
    server: BridgeProcess = bridge([f"--persistence.file={path}"])
    with httpx.Client(base_url=server.url, timeout=10) as client:
        _populate(client)
    before = _snapshot(server.url)
    assert server.stop() == 0
    copy = tmp_path / "backup" / "copy.sqlite"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    clone = bridge([f"--persistence.file={copy}"])
    assert _snapshot(clone.url) == before


def test_a_v1_file_is_migrated_on_start_up_and_serves_what_v1_served(bridge: StartBridge, tmp_path: Path) -> None:
    """The fixture the v1 code wrote (tests/unit/bridge/gateway/storage/fixtures): migrated in place, logged, live."""
    path = tmp_path / "v1.sqlite"
    shutil.copy(V1_FIXTURE, path)
    server = bridge([f"--persistence.file={path}", "--web.enable-admin-api"])
    assert "migrated the persistence file to the current schema" in server.logs()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        groups = groups_by_labels(api_groups(client))
        assert set(groups) == {label_key(labels) for labels in V1_GROUPS}
        proto = groups[label_key({"job": "fixture/proto", "path": "/a/b", "empty": ""})]
        assert proto["fx_empty"]["metrics"] == [] and proto["fx_proto_hist"]["metrics"][0]["buckets"]
        assert groups[label_key({"job": "failed_only"})]["last_push_successful"] is False
        assert client.put("/api/v1/admin/wipe").status_code == 202
        assert client.put("/metrics/job/after", content="fx_after 1\n").status_code == 200
    assert server.stop() == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()
    again = bridge([f"--persistence.file={path}"])
    assert "migrated the persistence file" not in again.logs()
    with httpx.Client(base_url=again.url, timeout=10) as client:
        assert set(groups_by_labels(api_groups(client))) == {label_key({"job": "after"})}


def test_undecodable_row_is_refused(bridge: StartBridge, tmp_path: Path) -> None:
    """Damage SQLite's own checks cannot see (a row's content) is refused as well, file untouched."""
    path = tmp_path / "bad-row.db"
    _fill(bridge, path, 3)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE families SET data = '[\"not\", \"a family\"' WHERE name = 'filler_value'")
    conn.close()
    assert_refused(path, "cannot be decoded")


@pytest.mark.parametrize("where", ["directory", "missing-parent"])
def test_unusable_path_exits_1_with_a_message(tmp_path: Path, where: str) -> None:
    path = tmp_path / "a-directory" if where == "directory" else tmp_path / "missing" / "pgw.db"
    if where == "directory":
        path.mkdir()
    result = run_serve([f"--persistence.file={path}"])
    assert result.returncode == 1, result.stderr
    assert f"pgw-bridge: cannot open {path}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "missing").exists()
