"""The 1.11 oracles are where tests/support/oracles.py says, run, and are the versions we compare with."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import oracles
from tests.support.servers import free_port, wait_ready


@pytest.fixture
def pushgateway_111() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        oracles.pushgateway_command(f"127.0.0.1:{port}"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/-/ready", proc=proc)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_gateway_oracle_serves_as_1_11_0(pushgateway_111: str) -> None:
    ready = httpx.get(f"{pushgateway_111}/-/ready")
    assert (ready.status_code, ready.text) == (200, "OK")
    status = httpx.get(f"{pushgateway_111}/api/v1/status").json()
    assert status["data"]["build_information"]["version"] == "1.11.0"
    # The flag only 1.11 has: proof that this is not the system's 1.5.1.
    assert status["data"]["flags"]["push.enable-utf8-names"] == "false"
    metrics = httpx.get(f"{pushgateway_111}/metrics").text
    assert 'pushgateway_build_info{branch="debian/sid",goarch="amd64"' in metrics
    assert 'version="1.11.0"' in metrics


@pytest.mark.parametrize("oracle", [oracles.PROMETHEUS, oracles.PROMTOOL], ids=lambda o: o.name)
def test_the_prometheus_oracles_report_2_53_3(oracle: oracles.Oracle) -> None:
    path = oracles.require(oracle)
    done = subprocess.run([path, "--version"], capture_output=True, check=True, timeout=30)
    assert f"{oracle.name}, version 2.53.3" in (done.stdout + done.stderr).decode()


def test_the_cache_passes_the_fetch_scripts_offline_check() -> None:
    oracles.require(oracles.PUSHGATEWAY)
    done = subprocess.run([oracles.REPO / oracles.FETCH, "--check"], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_a_missing_oracle_fails_when_required_and_skips_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracles, "ROOT", tmp_path)
    monkeypatch.setenv("PGW_REQUIRE_ORACLES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"prometheus-pushgateway 1\.11\.0 is not in"):
        oracles.require(oracles.PUSHGATEWAY)
    monkeypatch.delenv("PGW_REQUIRE_ORACLES")
    with pytest.raises(pytest.skip.Exception, match=r"fetch-oracles\.sh"):
        oracles.require(oracles.PUSHGATEWAY)


def test_an_oracle_of_the_wrong_version_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "usr" / "bin" / "prometheus-pushgateway"
    fake.parent.mkdir(parents=True)
    # What the system's Debian 12 binary prints (on stderr).
    fake.write_text("#!/bin/sh\necho 'pushgateway, version 1.5.1 (branch: debian/sid)' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setattr(oracles, "ROOT", tmp_path)
    monkeypatch.setenv("PGW_REQUIRE_ORACLES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"reports version 1\.5\.1, expected 1\.11\.0"):
        oracles.require(oracles.PUSHGATEWAY)
