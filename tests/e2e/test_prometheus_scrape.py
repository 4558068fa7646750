"""A real Prometheus scrapes the gateway (honor_labels, basic auth, TLS with a client certificate) and sees what was pushed."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import require_binary
from tests.e2e.conftest import StartBridge, failed_in
from tests.e2e.helpers import poll
from tests.e2e.pki import Pki, bcrypt_hash, client_context
from tests.support.servers import free_port, wait_ready

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]

PUSHES = [
    # (path, body): no instance (the gateway injects instance=""), an explicit one, an explicit empty one.
    ("/metrics/job/e2e_batch", "# TYPE e2e_scrape_value gauge\ne2e_scrape_value 42\n"),
    ("/metrics/job/e2e_batch/instance/host-1", "# TYPE e2e_scrape_value gauge\ne2e_scrape_value 7\n"),
    ("/metrics/job/e2e_other/instance@base64/=", "# TYPE e2e_scrape_value gauge\ne2e_scrape_value 3\n"),
    (
        "/metrics/job/e2e_hist",
        "# TYPE e2e_scrape_seconds histogram\n"
        'e2e_scrape_seconds_bucket{le="1"} 2\ne2e_scrape_seconds_bucket{le="+Inf"} 5\n'
        "e2e_scrape_seconds_sum 9.5\ne2e_scrape_seconds_count 5\n",
    ),
]
# What Prometheus stores with honor_labels: the pushed job/instance, and no instance label at all
# where the gateway exposed instance="" (an empty label is no label).
EXPECTED = {
    (("job", "e2e_batch"),): "42",
    (("instance", "host-1"), ("job", "e2e_batch")): "7",
    (("job", "e2e_other"),): "3",
}


class Prometheus:
    """A real Prometheus server with a temporary data dir on a free loopback port."""

    def __init__(self, binary: str, workdir: Path, scrape_configs: list[dict[str, Any]]) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "scrape_configs": scrape_configs,
        }
        config_file = workdir / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config, sort_keys=False))
        self.log_path = workdir / "prometheus.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={config_file}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=info",
            ],
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        try:
            wait_ready(f"{self.url}/-/ready", timeout=60, proc=self.proc)
        except Exception:
            self.stop()
            raise

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=10)
        assert answer.status_code == 200, answer.text
        result: list[dict[str, Any]] = answer.json()["data"]["result"]
        return result

    def targets(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.url}/api/v1/targets", timeout=10)
        assert answer.status_code == 200, answer.text
        active: list[dict[str, Any]] = answer.json()["data"]["activeTargets"]
        return active

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def prometheus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Prometheus]]:
    binary = require_binary("prometheus")
    started: list[Prometheus] = []

    def start(scrape_configs: list[dict[str, Any]]) -> Prometheus:
        server = Prometheus(binary, tmp_path / f"prometheus-{len(started)}", scrape_configs)
        started.append(server)
        return server

    yield start
    for server in started:
        status = server.stop()
        if failed_in(request):
            sys.stderr.write(f"\n----- prometheus (exit {status}) -----\n{server.log_path.read_text()[-10000:]}")


def push_all(url: str, **client_kwargs: Any) -> None:
    with httpx.Client(base_url=url, timeout=10, **client_kwargs) as client:
        for path, body in PUSHES:
            answer = client.put(path, content=body)
            assert answer.status_code == 200, f"{path}: {answer.text}"


def scraped_values(prom: Prometheus) -> dict[tuple[tuple[str, str], ...], str]:
    out = {}
    for series in prom.query("e2e_scrape_value"):
        labels = dict(series["metric"])
        assert labels.pop("__name__") == "e2e_scrape_value"
        out[tuple(sorted(labels.items()))] = series["value"][1]
    return out


def assert_scraped(prom: Prometheus) -> None:
    """Prometheus ends up with exactly the pushed series, labelled as pushed."""
    values = poll(
        lambda: (v := scraped_values(prom)) and len(v) >= len(EXPECTED) and v,
        timeout=60,
        what="the pushed series in Prometheus",
        interval=0.25,
    )
    assert values == EXPECTED
    buckets = poll(lambda: prom.query("e2e_scrape_seconds_bucket"), timeout=30, what="histogram buckets")
    assert {(s["metric"]["le"], s["value"][1]) for s in buckets} == {("1", "2"), ("+Inf", "5")}
    assert all(s["metric"]["job"] == "e2e_hist" and "instance" not in s["metric"] for s in buckets)
    push_times = prom.query('push_time_seconds{job="e2e_batch"}')
    assert len(push_times) == 2 and all(float(s["value"][1]) > 1.6e9 for s in push_times)


def scrape_job(name: str, port: int, **extra: Any) -> dict[str, Any]:
    return {
        "job_name": name,
        "honor_labels": True,
        "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
        **extra,
    }


def test_prometheus_scrapes_pushed_groups(bridge: StartBridge, prometheus: Callable[..., Prometheus]) -> None:
    gateway = bridge()
    push_all(gateway.url)
    prom = prometheus([scrape_job("pushgateway", gateway.port)])
    assert_scraped(prom)
    up = poll(lambda: prom.query('up{job="pushgateway"}'), timeout=30, what="up")
    assert up[0]["value"][1] == "1"

    # A deleted group disappears from Prometheus at the next scrape (staleness marker).
    assert httpx.delete(f"{gateway.url}/metrics/job/e2e_batch/instance/host-1").status_code == 202
    poll(
        lambda: (("instance", "host-1"), ("job", "e2e_batch")) not in scraped_values(prom),
        timeout=30,
        what="the deleted group to go stale",
        interval=0.25,
    )
    assert prom.stop() == 0


def test_prometheus_scrapes_with_basic_auth(
    bridge: StartBridge, prometheus: Callable[..., Prometheus], tmp_path: Path
) -> None:
    web = tmp_path / "web.yml"
    web.write_text(
        yaml.safe_dump(
            {
                "basic_auth_users": {"prom": bcrypt_hash("scrape-secret"), "ci": bcrypt_hash("push-secret")},
                "user_roles": {"prom": ["read"], "ci": ["push"]},  # scraping needs only `read`
            }
        )
    )
    gateway = bridge([f"--web.config.file={web}"])
    push_all(gateway.url, auth=("ci", "push-secret"))
    prom = prometheus(
        [
            scrape_job("pushgateway", gateway.port, basic_auth={"username": "prom", "password": "scrape-secret"}),
            scrape_job("wrong-password", gateway.port, basic_auth={"username": "prom", "password": "nope"}),
            scrape_job("pusher-cannot-read", gateway.port, basic_auth={"username": "ci", "password": "push-secret"}),
        ]
    )
    assert_scraped(prom)

    def health() -> dict[str, dict[str, Any]] | None:
        targets = {t["scrapePool"]: t for t in prom.targets()}
        done = all(t["health"] != "unknown" for t in targets.values()) and len(targets) == 3
        return targets if done else None

    targets = poll(health, timeout=30, what="every target scraped once", interval=0.25)
    assert targets["pushgateway"]["health"] == "up"
    assert targets["wrong-password"]["health"] == "down"
    assert "401" in targets["wrong-password"]["lastError"], targets["wrong-password"]
    assert targets["pusher-cannot-read"]["health"] == "down"
    assert "403" in targets["pusher-cannot-read"]["lastError"], targets["pusher-cannot-read"]
    assert prom.stop() == 0


def test_prometheus_scrapes_over_mutual_tls(
    bridge: StartBridge, prometheus: Callable[..., Prometheus], tmp_path: Path, pki: Pki
) -> None:
    web = tmp_path / "web.yml"
    web.write_text(
        yaml.safe_dump(
            {
                "tls_server_config": {
                    "cert_file": str(pki.server_cert),
                    "key_file": str(pki.server_key),
                    "client_auth_type": "RequireAndVerifyClientCert",
                    "client_ca_file": str(pki.ca_cert),
                    "min_version": "TLS12",
                },
                "basic_auth_users": {"prom": bcrypt_hash("scrape-secret")},
            }
        )
    )
    ctx = client_context(pki.ca_cert, cert=(pki.client_cert, pki.client_key))
    gateway = bridge([f"--web.config.file={web}"], scheme="https", verify=ctx)
    push_all(gateway.url, verify=ctx, auth=("prom", "scrape-secret"))
    tls = {"ca_file": str(pki.ca_cert), "cert_file": str(pki.client_cert), "key_file": str(pki.client_key)}
    prom = prometheus(
        [
            scrape_job(
                "pushgateway",
                gateway.port,
                scheme="https",
                tls_config=tls,
                basic_auth={"username": "prom", "password": "scrape-secret"},
            ),
            scrape_job(
                "no-client-cert",
                gateway.port,
                scheme="https",
                tls_config={"ca_file": str(pki.ca_cert)},
                basic_auth={"username": "prom", "password": "scrape-secret"},
            ),
        ]
    )
    assert_scraped(prom)

    def health() -> dict[str, dict[str, Any]] | None:
        targets = {t["scrapePool"]: t for t in prom.targets()}
        return targets if len(targets) == 2 and all(t["health"] != "unknown" for t in targets.values()) else None

    targets = poll(health, timeout=30, what="every target scraped once", interval=0.25)
    assert targets["pushgateway"]["health"] == "up"
    assert targets["no-client-cert"]["health"] == "down"
    assert prom.stop() == 0
