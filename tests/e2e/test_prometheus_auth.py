"""pgwtui's alert reader and cadence column against a real Prometheus behind basic auth and TLS (its own --web.config.file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pgwtui.alerts.prometheus import PrometheusClient
from pgwtui.config import Overrides, resolve
from pgwtui.connection import Connection
from pgwtui.errors import ConfigError, PrometheusError
from tests.conftest import require_binary
from tests.e2e.pki import Pki, bcrypt_hash
from tests.support.prometheus import PrometheusProcess
from tests.support.tui import loaded, table, wait_for
from tests.tui.test_cadence_degrades import app_with, column_lines, said_once

pytestmark = [pytest.mark.prometheus]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrometheusProcess, Pki]]:
    from tests.e2e.pki import make_pki

    pki = make_pki(Path(tmp_path_factory.mktemp("prom-pki")))
    web = {
        "tls_server_config": {"cert_file": str(pki.server_cert), "key_file": str(pki.server_key)},
        "basic_auth_users": {"oncall": bcrypt_hash("pager-secret")},
    }
    server = PrometheusProcess(require_binary("prometheus"), [], web_config=web)
    yield server, pki
    server.stop()


async def alerts_with(connection: Connection) -> object:
    client = PrometheusClient(connection)
    try:
        return await client.fetch_alerts()
    finally:
        await client.aclose()


async def test_credentials_and_ca_from_the_config_file(
    prometheus: tuple[PrometheusProcess, Pki], tmp_path: Path
) -> None:
    server, pki = prometheus
    config = tmp_path / "config.toml"
    config.write_text(
        f'[gateways.prod]\nurl = "http://127.0.0.1:9"\n'
        f'[gateways.prod.prometheus]\nurl = "{server.url}"\nusername = "oncall"\npassword_env = "PROM_PASSWORD"\n'
        f'ca_file = "{pki.ca_cert}"\ntimeout = "5s"\n'
    )
    settings = resolve(Overrides(config=config), {"PROM_PASSWORD": "pager-secret"})
    assert settings.prometheus is not None
    assert (settings.prometheus.username, settings.prometheus.timeout) == ("oncall", 5.0)
    assert await alerts_with(settings.prometheus) == []


async def test_refusals_say_what_to_set(prometheus: tuple[PrometheusProcess, Pki]) -> None:
    server, pki = prometheus
    ca = str(pki.ca_cert)
    with pytest.raises(PrometheusError, match=r"refused us \(401\): it needs credentials"):
        await alerts_with(Connection(server.url, ca_file=ca))
    with pytest.raises(PrometheusError, match=r"refused us \(401\): check its username/password"):
        await alerts_with(Connection(server.url, username="oncall", password="wrong", ca_file=ca))
    with pytest.raises(PrometheusError, match=r"TLS certificate not trusted.*--prometheus-insecure"):
        await alerts_with(Connection(server.url, username="oncall", password="pager-secret"))
    assert await alerts_with(Connection(server.url, username="oncall", password="pager-secret", insecure=True)) == []


async def test_flag_and_environment_give_url_and_credentials(prometheus: tuple[PrometheusProcess, Pki]) -> None:
    server, pki = prometheus
    env = {"PGWTUI_PROMETHEUS_USERNAME": "oncall", "PGWTUI_PROMETHEUS_PASSWORD": "pager-secret"}
    overrides = Overrides(url="http://127.0.0.1:9", prometheus=server.url, prometheus_ca_file=str(pki.ca_cert))
    connection = resolve(overrides, env).prometheus
    assert connection is not None
    assert await alerts_with(connection) == []


def test_a_tables_credentials_never_go_to_another_url(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[prometheus]\nurl = "https://prom.internal:9090"\nusername = "oncall"\npassword = "s"\n')
    own = resolve(Overrides(config=config, url="http://gw:9091"), {}).prometheus
    assert own is not None and (own.url, own.username, own.password) == ("https://prom.internal:9090", "oncall", "s")
    elsewhere = resolve(Overrides(config=config, url="http://gw:9091", prometheus="http://other:9090"), {}).prometheus
    assert elsewhere is not None and (elsewhere.username, elsewhere.password) == (None, None)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[prometheus]\nusername = "a"\n', r"\[prometheus\]|prometheus: `url` is required"),
        ('[prometheus]\nurl = "http://p:9090"\npassword = "x"\n', "password was given without a username"),
        ('[prometheus]\nurl = "http://p:9090"\nusername = "a"\ntoken = "t"\n', "either basic auth"),
        ('[prometheus]\nurl = "http://p:9090"\nuser = "a"\n', "unknown key"),
        ('[prometheus]\nurl = "http://p:9090"\ntoken_env = "NOPE"\n', r"\$NOPE, which is not set"),
        ("prometheus = 9090\n", "expected a string"),
    ],
)
def test_bad_prometheus_tables(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        resolve(Overrides(config=config, url="http://gw:9091"), {})


async def test_the_cadence_column_says_refused_once_and_reads_with_credentials(
    prometheus: tuple[PrometheusProcess, Pki],
) -> None:
    server, pki = prometheus
    app = app_with(Connection(server.url, ca_file=str(pki.ca_cert), timeout=5))
    async with app.run_test(size=(172, 34)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: app.state.cadence.error is not None, "the column's reason", timeout=20)
        said_once(app, "refused 401")
        assert "it needs credentials" in (app.state.cadence.error or "")

    authorised = Connection(server.url, username="oncall", password="pager-secret", ca_file=str(pki.ca_cert))
    app = app_with(authorised)
    async with app.run_test(size=(172, 34)) as pilot:
        await loaded(pilot)
        rows = table(app).row_count
        await wait_for(pilot, lambda: len(app.state.cadence.by_key) == rows, "every row's cadence", timeout=20)
        assert app.state.cadence.error is None
        # This Prometheus scrapes nothing: every group is known to have no series, none is waiting.
        lines = column_lines(app)[1:]
        assert all("no series" in line for line in lines), "\n".join(lines)
