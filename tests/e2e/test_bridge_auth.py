"""`watch` against the real Go Pushgateway behind TLS, a client certificate and basic auth (flags and env vars).

The system's 1.5.1 by default; the closed-connection check runs against 1.11.0, through the same auth and TLS.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from tests.conftest import require_binary
from tests.support.servers import GO_1_5, GO_1_11
from tests.support.spool_env import BridgeCommand, GoAt, Series, drop_file, scrape, spool_files, value, wait_for
from tests.support.spool_tls import Pki, client_context, make_pki

pytestmark = [pytest.mark.oracle, pytest.mark.usefixtures("no_thread_leaks")]


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    directory = tmp_path / "pki"
    directory.mkdir()
    return make_pki(directory)


@pytest.fixture
def secured(request: pytest.FixtureRequest, tmp_path: Path, pki: Pki) -> Iterator[GoAt]:
    version = getattr(request, "param", GO_1_5)
    if version == GO_1_5:
        require_binary("prometheus-pushgateway")
    hashed = bcrypt.hashpw(b"pushpass", bcrypt.gensalt(rounds=4)).decode()
    config = tmp_path / "web.yml"
    config.write_text(
        "tls_server_config:\n"
        f"  cert_file: {pki.server_cert}\n"
        f"  key_file: {pki.server_key}\n"
        "  client_auth_type: RequireAndVerifyClientCert\n"
        f"  client_ca_file: {pki.ca}\n"
        "basic_auth_users:\n"
        f"  pusher: '{hashed}'\n"
    )
    gw = GoAt(args=[f"--web.config.file={config}"], scheme="https", version=version)
    gw.start(verify=client_context(pki), auth=("pusher", "pushpass"))
    yield gw
    gw.stop()


def scrape_secured(gw: GoAt, pki: Pki) -> Series:
    return scrape(gw.url, verify=client_context(pki), auth=("pusher", "pushpass"))


def test_tls_client_cert_and_basic_auth_from_env_vars(tmp_path: Path, pki: Pki, secured: GoAt) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    password = tmp_path / "password"
    password.write_text("pushpass\n")
    env = {
        "PGW_BRIDGE_SPOOL": str(spool),
        "PGW_BRIDGE_GATEWAY": secured.url,
        "PGW_BRIDGE_BASIC_AUTH_USER": "pusher",
        "PGW_BRIDGE_BASIC_AUTH_PASSWORD_FILE": str(password),
        "PGW_BRIDGE_TLS_CA_FILE": str(pki.ca),
        "PGW_BRIDGE_TLS_CERT_FILE": str(pki.client_cert),
        "PGW_BRIDGE_TLS_KEY_FILE": str(pki.client_key),
    }
    bridge = BridgeCommand(["watch"], env=env)
    try:
        bridge.wait_logged("watching spool")
        drop_file(spool, "secure@site=x.prom", "secure_ok 1\n")
        wait_for(lambda: spool_files(spool) == [])
        assert value(scrape_secured(secured, pki), "secure_ok", job="secure", site="x") == 1.0
    finally:
        assert bridge.stop() == 0, bridge.logs()
        bridge.close()


def watch_with_flags(spool: Path, secured: GoAt, pki: Pki, password: str = "pushpass") -> BridgeCommand:
    return BridgeCommand(
        [
            *("watch", "--spool", str(spool), "--gateway", secured.url),
            *("--basic-auth-user", "pusher", "--basic-auth-password", password),
            *("--tls-ca-file", str(pki.ca), "--tls-cert-file", str(pki.client_cert)),
            *("--tls-key-file", str(pki.client_key)),
        ]
    )


def test_tls_and_basic_auth_from_flags(tmp_path: Path, pki: Pki, secured: GoAt) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    bridge = watch_with_flags(spool, secured, pki)
    try:
        bridge.wait_logged("watching spool")
        drop_file(spool, "flags.prom", "flags_ok 1\n")
        wait_for(lambda: spool_files(spool) == [])
        assert value(scrape_secured(secured, pki), "flags_ok", job="flags") == 1.0
    finally:
        bridge.close()


@pytest.mark.parametrize("secured", [GO_1_11], indirect=True)
def test_a_push_1_11_closes_the_connection_on_is_quarantined_through_tls_and_basic_auth(
    tmp_path: Path, pki: Pki, secured: GoAt
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    bridge = watch_with_flags(spool, secured, pki)
    try:
        bridge.wait_logged("watching spool")
        drop_file(spool, "kept@site=x.prom", "kept_ok 1\n")
        wait_for(lambda: spool_files(spool) == [])
        drop_file(spool, "kept@site=x.prom", "kept_ok 2 1700000000000\n")  # timestamps: 1.11.0 closes it
        wait_for((spool / "failed" / "kept@site=x.prom.error").exists)
    finally:
        bridge.close()
    report = (spool / "failed" / "kept@site=x.prom.error").read_text()
    assert "status: no answer (connection closed)" in report
    assert "recorded a failed push for this group at" in report, "the API was read with the same TLS and auth"
    assert value(scrape_secured(secured, pki), "kept_ok", job="kept", site="x") == 1.0


def test_a_wrong_password_is_a_definitive_401(tmp_path: Path, pki: Pki, secured: GoAt) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    bridge = watch_with_flags(spool, secured, pki, password="wrong")
    try:
        bridge.wait_logged("watching spool")
        drop_file(spool, "denied.prom", "denied 1\n")
        wait_for((spool / "failed" / "denied.prom.error").exists)
        assert "status: 401" in (spool / "failed" / "denied.prom.error").read_text()
    finally:
        bridge.close()


def test_without_the_ca_the_gateway_is_unreachable_and_files_wait(tmp_path: Path, secured: GoAt) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    bridge = BridgeCommand(["watch", "--spool", str(spool), "--gateway", secured.url, "--retry-max", "200ms"])
    try:
        bridge.wait_logged("watching spool")
        drop_file(spool, "waits.prom", "waits 1\n")
        bridge.wait_logged("push failed, will retry")
        assert "CERTIFICATE_VERIFY_FAILED" in bridge.logs()
        assert spool_files(spool) == ["waits.prom"]
    finally:
        bridge.close()
