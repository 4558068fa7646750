"""`--web.config.file` against real clients: bcrypt basic auth on every path, roles, TLS and mTLS, bad configs, live reload."""

from __future__ import annotations

import base64
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry, Gauge, delete_from_gateway, push_to_gateway, pushadd_to_gateway
from prometheus_client.exposition import basic_auth_handler, tls_auth_handler

from tests.e2e.conftest import StartBridge
from tests.e2e.helpers import api_groups, groups_by_labels, label_key, poll, run_serve
from tests.e2e.pki import Pki, bcrypt_hash, client_context
from tests.support.servers import BridgeProcess

PASSWORDS = {
    "admin": "admin-secret",
    "pusher": "push-secret",
    "reader": "read-secret",
    "both": "both-secret",
    "nobody": "nobody-secret",
}
ROLES = {"admin": ["admin"], "pusher": ["push"], "reader": ["read"], "both": ["push", "read"]}
Handler = Callable[..., Callable[[], None]]


def write_config(path: Path, **sections: Any) -> Path:
    path.write_text(yaml.safe_dump(sections, sort_keys=False))
    return path


def users(*names: str, rounds: int = 4) -> dict[str, str]:
    return {name: bcrypt_hash(PASSWORDS[name], rounds) for name in names}


def creds(user: str, password: str | None = None) -> httpx.BasicAuth:
    return httpx.BasicAuth(user, PASSWORDS[user] if password is None else password)


def start(bridge: StartBridge, config: Path, *extra: str, **kwargs: Any) -> BridgeProcess:
    return bridge([f"--web.config.file={config}", "--web.enable-admin-api", "--web.enable-lifecycle", *extra], **kwargs)


def store(url: str, user: str = "admin", **kwargs: Any) -> dict[Any, Any]:
    with httpx.Client(base_url=url, auth=creds(user), timeout=10, **kwargs) as client:
        return groups_by_labels(api_groups(client))


def registry(value: float, name: str = "e2e_auth_value") -> CollectorRegistry:
    reg = CollectorRegistry()
    Gauge(name, "Pushed by prometheus_client.", registry=reg).set(value)
    return reg


def auth_handler(user: str, password: str | None = None) -> Handler:
    def handler(url: str, method: str, timeout: float | None, headers: list[tuple[str, str]], data: bytes) -> Any:
        secret = PASSWORDS[user] if password is None else password  # PASSWORDS only when none is given
        return basic_auth_handler(url, method, timeout, headers, data, user, secret)

    return handler


def https_handler(pki: Pki, user: str, client_cert: bool = False) -> Handler:
    """prometheus_client over HTTPS with basic auth: its own tls_auth_handler when a client cert is used."""

    def handler(url: str, method: str, timeout: float | None, headers: list[tuple[str, str]], data: bytes) -> Any:
        token = base64.b64encode(f"{user}:{PASSWORDS[user]}".encode()).decode()
        headers.append(("Authorization", f"Basic {token}"))
        if client_cert:
            return tls_auth_handler(
                url, method, timeout, headers, data, str(pki.client_cert), str(pki.client_key), str(pki.ca_cert)
            )

        def handle() -> None:
            request = urllib.request.Request(url, data=data, method=method)
            for name, value in headers:
                request.add_header(name, value)
            opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=client_context(pki.ca_cert)))
            with opener.open(request, timeout=timeout) as response:
                assert response.status < 400

        return handle

    return handler


# ------------------------------------------------------------------ basic auth on every path
EVERY_PATH = [
    ("GET", "/metrics"),
    ("HEAD", "/metrics"),
    ("GET", "/-/healthy"),
    ("GET", "/-/ready"),
    ("GET", "/"),
    ("GET", "/status"),
    ("GET", "/static/index.js"),
    ("GET", "/no/such/path"),
    ("GET", "/api/v1/metrics"),
    ("GET", "/api/v1/status"),
    ("GET", "/api/v1/extensions"),
    ("GET", "/api/v1/no-such-thing"),
    ("OPTIONS", "/api/v1/metrics"),
    ("PUT", "/metrics/job/intruder"),
    ("POST", "/metrics/job/intruder/instance/x"),
    ("DELETE", "/metrics/job/victim"),
    ("PUT", "/metrics/job@base64/aW50cnVkZXI"),
    ("PUT", "/api/v1/admin/wipe"),
    ("DELETE", "/api/v1/extensions/family/victim_value/job/victim"),
    ("GET", "/-/quit"),
    ("PUT", "/-/quit"),
    ("POST", "/-/quit"),
]
BAD_CREDENTIALS: list[dict[str, str]] = [
    {},
    {"Authorization": "Basic " + base64.b64encode(b"admin:wrong").decode()},
    {"Authorization": "Basic " + base64.b64encode(b"mallory:admin-secret").decode()},
    {"Authorization": "Basic " + base64.b64encode(b"admin").decode()},
    {"Authorization": "Basic !!!not-base64!!!"},
    {"Authorization": "Bearer admin-secret"},
    {"Authorization": "basic"},
]


def test_every_path_answers_401_without_valid_credentials(bridge: StartBridge, tmp_path: Path) -> None:
    config = write_config(tmp_path / "web.yml", basic_auth_users=users("admin"))
    server = start(bridge, config)
    with httpx.Client(base_url=server.url, auth=creds("admin"), timeout=10) as admin:
        assert admin.put("/metrics/job/victim", content="victim_value 1\n").status_code == 200
    before = store(server.url)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for headers in BAD_CREDENTIALS:
            for method, path in EVERY_PATH:
                answer = client.request(method, path, headers=headers, content=b"intruder_value 1\n")
                where = f"{method} {path} with {headers}"
                assert answer.status_code == 401, f"{where}: {answer.status_code} {answer.text}"
                assert answer.headers["WWW-Authenticate"] == "Basic", where
                assert answer.content == (b"" if method == "HEAD" else b"Unauthorized\n"), where
    assert store(server.url) == before, "an unauthenticated request changed the store"
    assert server.proc.poll() is None, "an unauthenticated /-/quit stopped the gateway"


def test_prometheus_client_with_basic_auth_handler(bridge: StartBridge, tmp_path: Path) -> None:
    hashes = users("admin", "pusher")
    hashes["legacy"] = "$2y$" + bcrypt_hash("legacy-secret")[4:]  # htpasswd's prefix
    hashes["costly"] = bcrypt_hash("costly-secret", rounds=10)  # the cost real deployments use
    config = write_config(tmp_path / "web.yml", basic_auth_users=hashes)
    server = start(bridge, config)
    grouping = {"instance": "host-1"}
    push_to_gateway(server.url, "e2e_auth", registry(1), grouping, handler=auth_handler("pusher"))
    pushadd_to_gateway(server.url, "e2e_auth", registry(2, "e2e_auth_other"), grouping, handler=auth_handler("pusher"))
    group = store(server.url)[label_key({"job": "e2e_auth", "instance": "host-1"})]
    assert group["e2e_auth_value"]["metrics"][0]["value"] == "1"
    assert group["e2e_auth_other"]["metrics"][0]["value"] == "2"
    assert group["e2e_auth_value"]["help"] == "Pushed by prometheus_client."

    for user, password in (("legacy", "legacy-secret"), ("costly", "costly-secret")):
        push_to_gateway(server.url, f"e2e_{user}", registry(3), handler=auth_handler(user, password))
    assert label_key({"job": "e2e_legacy"}) in store(server.url)
    assert label_key({"job": "e2e_costly"}) in store(server.url)

    with pytest.raises(urllib.error.HTTPError) as refused:
        push_to_gateway(server.url, "e2e_auth", registry(9), grouping, handler=auth_handler("pusher", "wrong"))
    assert refused.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        push_to_gateway(server.url, "e2e_auth", registry(9), grouping)
    assert anonymous.value.code == 401
    assert store(server.url)[label_key({"job": "e2e_auth", "instance": "host-1"})] == group

    delete_from_gateway(server.url, "e2e_auth", grouping, handler=auth_handler("pusher"))
    assert label_key({"job": "e2e_auth", "instance": "host-1"}) not in store(server.url)


def test_security_headers_are_sent_on_every_answer(bridge: StartBridge, tmp_path: Path) -> None:
    headers = {"X-Frame-Options": "deny", "Content-Security-Policy": "default-src 'none'"}
    config = write_config(
        tmp_path / "web.yml", http_server_config={"headers": headers}, basic_auth_users=users("admin")
    )
    server = start(bridge, config)
    for auth in (creds("admin"), None):
        answer = httpx.get(f"{server.url}/-/healthy", auth=auth)
        assert answer.status_code == (200 if auth else 401)
        for name, value in headers.items():
            assert answer.headers.get(name) == value, (name, answer.status_code)


# ------------------------------------------------------------------ roles
ACTIONS: list[tuple[str, str, str, str, int]] = [
    # name, method, path, role needed, status when allowed
    ("put", "PUT", "/metrics/job/roles/instance/x", "push", 200),
    ("post", "POST", "/metrics/job/roles/instance/x", "push", 200),
    ("delete", "DELETE", "/metrics/job/roles/instance/x", "push", 202),
    ("delete-b64", "DELETE", "/metrics/job@base64/cm9sZXM/instance/x", "push", 202),
    ("scrape", "GET", "/metrics", "read", 200),
    ("api-metrics", "GET", "/api/v1/metrics", "read", 200),
    ("api-status", "GET", "/api/v1/status", "read", 200),
    ("api-extensions", "GET", "/api/v1/extensions", "read", 200),
    ("healthy", "GET", "/-/healthy", "read", 200),
    ("ready", "GET", "/-/ready", "read", 200),
    ("status-page", "GET", "/", "read", 200),
    ("wipe", "PUT", "/api/v1/admin/wipe", "admin", 202),
    ("family-delete", "DELETE", "/api/v1/extensions/family/roles_value/job/roles/instance/x", "admin", 202),
]


def _allowed(user: str, role: str) -> bool:
    granted = ROLES.get(user, [])
    return role in granted or "admin" in granted


@pytest.mark.slow
def test_roles_matrix(bridge: StartBridge, tmp_path: Path) -> None:
    config = write_config(tmp_path / "web.yml", basic_auth_users=users(*PASSWORDS), user_roles=ROLES)
    server = start(bridge, config)
    body = "# TYPE roles_value gauge\nroles_value 1\n# TYPE roles_other gauge\nroles_other 2\n"
    with (
        httpx.Client(base_url=server.url, auth=creds("admin"), timeout=10) as admin,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        for user in PASSWORDS:
            for name, method, path, role, ok in ACTIONS:
                assert admin.put("/metrics/job/roles/instance/x", content=body).status_code == 200
                before = store(server.url)
                answer = client.request(method, path, auth=creds(user), content=body)
                where = f"{user} {name} ({method} {path})"
                if _allowed(user, role):
                    assert answer.status_code == ok, f"{where}: {answer.status_code} {answer.text}"
                else:
                    assert answer.status_code == 403, f"{where}: {answer.status_code} {answer.text}"
                    assert role in answer.text, where
                    assert store(server.url) == before, f"{where}: a forbidden request changed the store"
            # Nobody but an admin may stop the gateway.
            if not _allowed(user, "admin"):
                assert client.put("/-/quit", auth=creds(user)).status_code == 403
                assert client.post("/-/quit", auth=creds(user)).status_code == 403
    assert server.proc.poll() is None

    # The real client meets the same rules.
    push_to_gateway(server.url, "roles_client", registry(1), handler=auth_handler("pusher"))
    with pytest.raises(urllib.error.HTTPError) as forbidden:
        push_to_gateway(server.url, "roles_client", registry(2), handler=auth_handler("reader"))
    assert forbidden.value.code == 403
    with pytest.raises(urllib.error.HTTPError):
        delete_from_gateway(server.url, "roles_client", handler=auth_handler("nobody"))
    assert label_key({"job": "roles_client"}) in store(server.url)
    discovery = httpx.get(f"{server.url}/api/v1/extensions", auth=creds("reader")).json()
    assert discovery["data"]["roles"] is True

    # Only an admin stops it.
    answer = httpx.put(f"{server.url}/-/quit", auth=creds("admin"))
    assert (answer.status_code, answer.text) == (200, "Requesting termination... Goodbye!")
    assert server.proc.wait(20) == 0


def test_without_roles_every_user_may_do_everything(bridge: StartBridge, tmp_path: Path) -> None:
    config = write_config(tmp_path / "web.yml", basic_auth_users=users("reader", "pusher"))
    server = start(bridge, config)
    with httpx.Client(base_url=server.url, auth=creds("reader"), timeout=10) as client:
        assert client.put("/metrics/job/anyone", content="anyone_value 1\nanyone_other 2\n").status_code == 200
        assert client.delete("/api/v1/extensions/family/anyone_other/job/anyone").status_code == 202
        assert client.put("/api/v1/admin/wipe").status_code == 202
        assert client.get("/api/v1/extensions").json()["data"]["roles"] is False
    assert store(server.url, "pusher") == {}
    assert httpx.post(f"{server.url}/-/quit", auth=creds("pusher")).status_code == 200
    assert server.proc.wait(20) == 0


# ------------------------------------------------------------------ TLS
def tls_config(pki: Pki, **extra: Any) -> dict[str, Any]:
    return {"cert_file": str(pki.server_cert), "key_file": str(pki.server_key), **extra}


def test_tls_with_basic_auth(bridge: StartBridge, tmp_path: Path, pki: Pki) -> None:
    config = write_config(tmp_path / "web.yml", tls_server_config=tls_config(pki), basic_auth_users=users("admin"))
    trusted = client_context(pki.ca_cert)
    server = start(bridge, config, scheme="https", verify=trusted)
    with httpx.Client(base_url=server.url, verify=trusted, timeout=10) as client:
        assert client.get("/-/healthy", auth=creds("admin")).status_code == 200
        anonymous = client.get("/-/healthy")
        assert (anonymous.status_code, anonymous.content) == (401, b"Unauthorized\n")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{server.url}/-/healthy", auth=creds("admin"))  # the system trust store does not know our CA
    plain = server.url.replace("https://", "http://")
    try:
        answer = httpx.get(f"{plain}/-/healthy", auth=creds("admin"), timeout=5)
    except httpx.TransportError:
        pass
    else:
        assert answer.status_code == 400, "plain HTTP on the TLS port must not be served"

    push_to_gateway(server.url, "e2e_tls", registry(5), handler=https_handler(pki, "admin"))
    groups = store(server.url, verify=trusted)
    assert groups[label_key({"job": "e2e_tls"})]["e2e_auth_value"]["metrics"][0]["value"] == "5"


def _tls_version(url: str, ctx: ssl.SSLContext) -> str:
    with httpx.Client(verify=ctx, timeout=10) as client, client.stream("GET", f"{url}/-/healthy") as answer:
        assert answer.status_code == 200
        ssl_object = answer.extensions["network_stream"].get_extra_info("ssl_object")
        return str(ssl_object.version())


def test_tls_min_version_refuses_older_clients(bridge: StartBridge, tmp_path: Path, pki: Pki) -> None:
    config = write_config(tmp_path / "web.yml", tls_server_config=tls_config(pki, min_version="TLS13"))
    trusted = client_context(pki.ca_cert)
    server = start(bridge, config, scheme="https", verify=trusted)
    assert _tls_version(server.url, trusted) == "TLSv1.3"
    old_client = client_context(pki.ca_cert, max_version=ssl.TLSVersion.TLSv1_2)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/-/healthy", verify=old_client)


def test_tls_max_version_is_honoured(bridge: StartBridge, tmp_path: Path, pki: Pki) -> None:
    config = write_config(tmp_path / "web.yml", tls_server_config=tls_config(pki, max_version="TLS12"))
    trusted = client_context(pki.ca_cert)
    server = start(bridge, config, scheme="https", verify=trusted)
    assert _tls_version(server.url, trusted) == "TLSv1.2"


def test_require_and_verify_client_cert(bridge: StartBridge, tmp_path: Path, pki: Pki) -> None:
    tls = tls_config(pki, client_auth_type="RequireAndVerifyClientCert", client_ca_file=str(pki.ca_cert))
    config = write_config(tmp_path / "web.yml", tls_server_config=tls, basic_auth_users=users("admin"))
    with_cert = client_context(pki.ca_cert, cert=(pki.client_cert, pki.client_key))
    server = start(bridge, config, scheme="https", verify=with_cert)

    assert httpx.get(f"{server.url}/-/healthy", verify=with_cert, auth=creds("admin")).status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/-/healthy", verify=client_context(pki.ca_cert), auth=creds("admin"))
    rogue = client_context(pki.ca_cert, cert=(pki.rogue_client_cert, pki.rogue_client_key))
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/-/healthy", verify=rogue, auth=creds("admin"))
    # A client certificate does not replace the password.
    assert httpx.get(f"{server.url}/-/healthy", verify=with_cert).status_code == 401

    push_to_gateway(server.url, "e2e_mtls", registry(7), handler=https_handler(pki, "admin", client_cert=True))
    groups = store(server.url, verify=with_cert)
    assert groups[label_key({"job": "e2e_mtls"})]["e2e_auth_value"]["metrics"][0]["value"] == "7"


def test_verify_client_cert_if_given(bridge: StartBridge, tmp_path: Path, pki: Pki) -> None:
    tls = tls_config(pki, client_auth_type="VerifyClientCertIfGiven", client_ca_file=str(pki.ca_cert))
    config = write_config(tmp_path / "web.yml", tls_server_config=tls)
    trusted = client_context(pki.ca_cert)
    server = start(bridge, config, scheme="https", verify=trusted)
    assert httpx.get(f"{server.url}/-/healthy", verify=trusted).status_code == 200
    with_cert = client_context(pki.ca_cert, cert=(pki.client_cert, pki.client_key))
    assert httpx.get(f"{server.url}/-/healthy", verify=with_cert).status_code == 200
    rogue = client_context(pki.ca_cert, cert=(pki.rogue_client_cert, pki.rogue_client_key))
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/-/healthy", verify=rogue)


# ------------------------------------------------------------------ invalid configs
def _invalid_configs(pki: Pki) -> dict[str, tuple[str, str]]:
    """name -> (YAML text, what the error message must say)."""
    good = users("admin")
    dump = yaml.safe_dump
    return {
        "bad-hash": (
            dump({"basic_auth_users": {"admin": "admin-secret"}}),
            "the password of 'admin' is not a bcrypt hash",
        ),
        "unknown-key": (dump({"basic_auth_users": good, "basic_auth_user": {}}), "unknown field(s) basic_auth_user"),
        "unknown-tls-key": (
            dump({"tls_server_config": {**tls_config(pki), "certfile": "x"}}),
            "tls_server_config: unknown field(s) certfile",
        ),
        "missing-cert": (
            dump({"tls_server_config": {"cert_file": "/nonexistent/cert.pem", "key_file": "/nonexistent/key.pem"}}),
            "cannot load certificates",
        ),
        "cert-without-key": (
            dump({"tls_server_config": {"cert_file": str(pki.server_cert)}}),
            "cert_file and key_file",
        ),
        "role-for-unknown-user": (
            dump({"basic_auth_users": good, "user_roles": {"ghost": ["read"]}}),
            "user_roles: 'ghost' is not in basic_auth_users",
        ),
        "unknown-role": (
            dump({"basic_auth_users": good, "user_roles": {"admin": ["superuser"]}}),
            "unknown role(s) superuser",
        ),
        "client-auth-without-ca": (
            dump({"tls_server_config": tls_config(pki, client_auth_type="RequireAndVerifyClientCert")}),
            "needs client_ca_file",
        ),
        "bad-client-auth": (
            dump({"tls_server_config": tls_config(pki, client_auth_type="Sometimes")}),
            "invalid client_auth_type 'Sometimes'",
        ),
        "bad-min-version": (dump({"tls_server_config": tls_config(pki, min_version="TLS14")}), "invalid min_version"),
        "bad-cipher": (
            dump({"tls_server_config": tls_config(pki, cipher_suites=["TLS_NULL_WITH_NULL_NULL"])}),
            "unsupported cipher suite",
        ),
        "bad-header": (dump({"http_server_config": {"headers": {"X-Powered-By": "me"}}}), "not allowed: X-Powered-By"),
        "invalid-yaml": ("basic_auth_users: [\n", "invalid YAML"),
        "not-a-mapping": ("- just\n- a list\n", "must be a mapping"),
    }


INVALID = [
    "bad-hash",
    "unknown-key",
    "unknown-tls-key",
    "missing-cert",
    "cert-without-key",
    "role-for-unknown-user",
    "unknown-role",
    "client-auth-without-ca",
    "bad-client-auth",
    "bad-min-version",
    "bad-cipher",
    "bad-header",
    "invalid-yaml",
    "not-a-mapping",
]


@pytest.mark.parametrize("case", INVALID)
def test_invalid_config_exits_2_with_a_message(tmp_path: Path, pki: Pki, case: str) -> None:
    text, message = _invalid_configs(pki)[case]
    config = tmp_path / "web.yml"
    config.write_text(text)
    result = run_serve([f"--web.config.file={config}"])
    assert result.returncode == 2, f"exit status {result.returncode}; stderr:\n{result.stderr}"
    assert "pgw-bridge: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    result = run_serve([f"--web.config.file={tmp_path / 'nope.yml'}"])
    assert result.returncode == 2, result.stderr
    assert "--web.config.file" in result.stderr and "nope.yml" in result.stderr, result.stderr


# ------------------------------------------------------------------ live reload
def _rewrite(path: Path, **sections: Any) -> None:
    """Replace the config and move its mtime forward, as an editor or config management would."""
    before = path.stat().st_mtime_ns
    write_config(path, **sections)
    os.utime(path, ns=(time.time_ns(), max(before + 1_000_000_000, path.stat().st_mtime_ns)))


def test_changed_password_is_picked_up_without_restart(bridge: StartBridge, tmp_path: Path) -> None:
    config = write_config(tmp_path / "web.yml", basic_auth_users={"admin": bcrypt_hash("first")})
    server = start(bridge, config)
    url = f"{server.url}/api/v1/metrics"
    assert httpx.get(url, auth=("admin", "first")).status_code == 200

    _rewrite(config, basic_auth_users={"admin": bcrypt_hash("second")})
    poll(lambda: httpx.get(url, auth=("admin", "second")).status_code == 200, timeout=10, what="the new password")
    assert httpx.get(url, auth=("admin", "first")).status_code == 401

    # A broken edit keeps the last good config (and says so in the log).
    config.write_text("basic_auth_users: [\n")
    os.utime(config, ns=(time.time_ns(), config.stat().st_mtime_ns + 2_000_000_000))
    assert httpx.get(url, auth=("admin", "second")).status_code == 200
    poll(lambda: "web config changed but is invalid" in server.logs(), timeout=10, what="the reload error in the log")
    assert httpx.get(url, auth=("admin", "first")).status_code == 401

    # Roles can be switched on the same way.
    _rewrite(config, basic_auth_users={"admin": bcrypt_hash("second")}, user_roles={"admin": ["read"]})
    push = f"{server.url}/metrics/job/reloaded"
    poll(
        lambda: httpx.put(push, auth=("admin", "second"), content="x 1\n").status_code == 403, timeout=10, what="roles"
    )
    assert httpx.get(url, auth=("admin", "second")).status_code == 200


def _install(source: Path, target: Path) -> None:
    """Replace a file atomically with a later mtime, as cert-manager or an ACME client would."""
    staging = target.with_name(f".{target.name}.new")
    staging.write_bytes(source.read_bytes())
    os.utime(staging, ns=(time.time_ns(), time.time_ns() + 2_000_000_000))
    os.replace(staging, target)


def _serves(url: str, ctx: ssl.SSLContext) -> bool:
    try:
        return httpx.get(f"{url}/-/healthy", verify=ctx, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def test_rotated_certificates_are_served_without_restart(bridge: StartBridge, tmp_path: Path, pki: Pki) -> None:
    from tests.e2e.pki import make_pki

    (tmp_path / "next").mkdir()
    rotated = make_pki(tmp_path / "next")
    live = tmp_path / "live"
    live.mkdir()
    for source, name in ((pki.server_cert, "cert.pem"), (pki.server_key, "key.pem"), (pki.ca_cert, "clients.pem")):
        _install(source, live / name)
    tls = {
        "cert_file": "live/cert.pem",
        "key_file": "live/key.pem",
        "client_auth_type": "RequireAndVerifyClientCert",
        "client_ca_file": "live/clients.pem",
    }
    config = write_config(tmp_path / "web.yml", tls_server_config=tls)
    old = client_context(pki.ca_cert, cert=(pki.client_cert, pki.client_key))
    new = client_context(rotated.ca_cert, cert=(rotated.client_cert, rotated.client_key))
    server = start(bridge, config, scheme="https", verify=old)
    assert _serves(server.url, old) and not _serves(server.url, new)

    # The server certificate and the client CA are both rotated in place.
    _install(rotated.server_cert, live / "cert.pem")
    _install(rotated.server_key, live / "key.pem")
    _install(rotated.ca_cert, live / "clients.pem")
    poll(lambda: _serves(server.url, new), timeout=10, what="the rotated certificate")
    assert not _serves(server.url, old)
    assert "TLS certificates reloaded" in server.logs()

    # A half-written rotation (a key that does not match the certificate) keeps the last good pair.
    _install(pki.server_key, live / "key.pem")
    # (Files are checked at each handshake, so every probe connects.)
    poll(lambda: _serves(server.url, new) and "keeping the previous ones" in server.logs(), timeout=10, what="error")
    _install(rotated.server_key, live / "key.pem")
    assert _serves(server.url, new)

    # What OpenSSL fixes per listening socket is reported as needing a restart, and not applied.
    write_config(tmp_path / "web.yml", tls_server_config={**tls, "client_auth_type": "VerifyClientCertIfGiven"})
    os.utime(config, ns=(time.time_ns(), time.time_ns() + 4_000_000_000))
    poll(lambda: _serves(server.url, new) and "only after a restart" in server.logs(), timeout=10, what="warning")
    assert not _serves(server.url, client_context(rotated.ca_cert))
    assert "BEGIN" not in server.logs(), "no key material in the logs"
