"""Unit tests: `pgwtui web`'s flags, who may reach it, what each tab runs, and its credentials check (nothing binds here)."""

from __future__ import annotations

import base64
import shlex
from pathlib import Path

import pytest

from pgwtui.__main__ import main
from pgwtui.errors import ConfigError
from pgwtui.web.access import app_command, check_exposure, is_loopback, split_args
from pgwtui.web.auth import Credentials, load
from tests.support.web import PASSWORD, USER, web_config


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("pgwtui.internal", False),
    ],
)
def test_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_beyond_loopback_only_with_users():
    check_exposure("127.0.0.1", 0, None)
    check_exposure("0.0.0.0", 1, "web.yml")
    with pytest.raises(ConfigError, match=r"refusing to listen on 0\.0\.0\.0 without authentication.*no --web\.config"):
        check_exposure("0.0.0.0", 0, None)
    with pytest.raises(ConfigError, match="its basic_auth_users is empty"):
        check_exposure("10.1.2.3", 0, "web.yml")


def test_the_web_flags_and_the_apps():
    options, rest, wants_help = split_args(["http://gw:9091", "--port", "8123", "--allow-delete", "--refresh", "2s"])
    assert (options.host, options.port, options.allow_delete, wants_help) == ("127.0.0.1", 8123, True, False)
    assert rest == ["http://gw:9091", "--refresh", "2s"]
    with pytest.raises(ConfigError, match="--port must be"):
        split_args(["--port", "70000"])


def test_each_tab_runs_the_app_read_only_with_its_secrets_in_the_environment():
    command, env = app_command("/py", ["http://gw:9091", "--password", "s3cret", "--token=t0k"], allow_delete=False)
    assert shlex.split(command) == ["/py", "-m", "pgwtui", "http://gw:9091", "--read-only"]
    assert env == {"PGWTUI_PASSWORD": "s3cret", "PGWTUI_TOKEN": "t0k"}
    writable, _ = app_command("/py", ["http://gw:9091"], allow_delete=True)
    assert "--read-only" not in shlex.split(writable)
    quoted, _ = app_command("/py", ["--config", "my file.toml"], allow_delete=False)
    assert shlex.split(quoted)[3:5] == ["--config", "my file.toml"]
    with pytest.raises(ConfigError, match="contradict"):
        app_command("/py", ["--read-only"], allow_delete=True)


def test_the_cli_refuses_an_open_bind_before_listening(capsys, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["web", "http://gw:9091", "--host", "0.0.0.0"]) == 2
    assert "refusing to listen on 0.0.0.0 without authentication" in capsys.readouterr().err
    empty = tmp_path / "web.yml"
    empty.write_text("tls_server_config: {}\n")
    assert main(["web", "http://gw:9091", "--host", "0.0.0.0", "--web.config.file", str(empty)]) == 2
    assert "basic_auth_users is empty" in capsys.readouterr().err
    bad = tmp_path / "bad.yml"
    bad.write_text("basic_auth_users:\n  oncall: not-a-hash\n")
    assert main(["web", "http://gw:9091", "--web.config.file", str(bad)]) == 2
    assert "is not a bcrypt hash" in capsys.readouterr().err
    assert main(["web", "not-a-url"]) == 2, "the app's own checks run before serving"


def test_web_help_shows_both(capsys):
    assert main(["web", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--web.config.file" in out and "--allow-delete" in out and "--prometheus" in out


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_credentials_are_the_gateway_files_bcrypt_users(tmp_path: Path):
    credentials = Credentials(dict(load(str(web_config(tmp_path))).users))
    assert await credentials.allows(basic(USER, PASSWORD))
    assert await credentials.allows(basic(USER, PASSWORD)), "remembered"
    for header in (basic(USER, "wrong"), basic("nobody", PASSWORD), "Bearer x", "Basic !!!", "", "Basic " + "b25seQ=="):
        assert not await credentials.allows(header), header
