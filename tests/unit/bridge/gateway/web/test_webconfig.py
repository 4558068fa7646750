"""Web config validation: clear errors for every mistake, roles, and the role a request needs."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import pytest

from bridge.errors import ConfigError
from bridge.gateway.web.auth import required_role
from bridge.gateway.web.webconfig import load_web_config

HASH = bcrypt.hashpw(b"secret", bcrypt.gensalt(rounds=4)).decode()


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("basic_auth_users:\n  alice: plaintext\n", "not a bcrypt hash"),
        ("bogus: 1\n", "unknown field(s) bogus"),
        ("tls_server_config:\n  cert_file: /nope.crt\n  key_file: /nope.key\n", "cannot load certificates"),
        ("tls_server_config:\n  cert_file: a\n", "cert_file and key_file are both required"),
        (f"basic_auth_users:\n  alice: '{HASH}'\nuser_roles:\n  bob: [push]\n", "'bob' is not in basic_auth_users"),
        (f"basic_auth_users:\n  alice: '{HASH}'\nuser_roles:\n  alice: [write]\n", "unknown role(s) write"),
        ("http_server_config:\n  headers:\n    X-Evil: 1\n", "not allowed: X-Evil"),
        (
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n",
            "not supported",
        ),
        (": : :\n", "invalid YAML"),
    ],
)
def test_invalid_configs_fail_with_a_clear_message(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_web_config(write(tmp_path, text))


def test_roles_and_users(tmp_path: Path) -> None:
    config = load_web_config(
        write(
            tmp_path,
            f"basic_auth_users:\n  alice: '{HASH}'\n  ci: '{HASH}'\nuser_roles:\n  alice: admin\n  ci: [push, read]\n",
        )
    )
    assert config.roles == {"alice": frozenset({"admin"}), "ci": frozenset({"push", "read"})}
    assert set(config.users) == {"alice", "ci"}


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("PUT", "/metrics/job/x", "push"),
        ("DELETE", "/metrics/job@base64/eA", "push"),
        ("GET", "/metrics", "read"),
        ("GET", "/api/v1/metrics", "read"),
        ("PUT", "/api/v1/admin/wipe", "admin"),
        ("POST", "/-/quit", "admin"),
        ("DELETE", "/api/v1/extensions/family/x/job/y", "admin"),
        ("GET", "/metrics/job/x", "read"),
        ("OPTIONS", "/api/v1/admin/wipe", "read"),
    ],
)
def test_required_role(method: str, path: str, role: str) -> None:
    assert required_role(method, path, "") == role


def test_required_role_with_prefix() -> None:
    assert required_role("PUT", "/pfx/metrics/job/x", "/pfx") == "push"
    assert required_role("PUT", "/pfx/-/quit", "/pfx") == "admin"
