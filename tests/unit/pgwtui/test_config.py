"""Unit tests: the TOML config, the environment and the flags, and which wins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgwtui.config import Overrides, resolve
from pgwtui.config_file import default_config_path
from pgwtui.errors import ConfigError

FULL = """
refresh_interval = "10s"
gateway = "prod"

[gateways.prod]
url = "https://pgw.example.com:9091/pgw"
username = "ops"
password_env = "PROD_PGW_PASSWORD"
ca_file = "/etc/ssl/ca.pem"
timeout = "3s"

[gateways.lab]
url = "http://lab:9091"
token = "t0k"
read_only = true

[staleness]
default_max_age = "2h"

[[staleness.rules]]
job = "nightly-.*"
max_age = "26h"

[[staleness.rules]]
job = "adhoc-.*"
max_age = 0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_full_config(tmp_path: Path):
    settings = resolve(Overrides(config=write(tmp_path, FULL)), {"PROD_PGW_PASSWORD": "s3cret"})
    c = settings.connection
    assert c is not None
    assert (c.url, c.username, c.password, c.ca_file, c.timeout) == (
        "https://pgw.example.com:9091/pgw", "ops", "s3cret", "/etc/ssl/ca.pem", 3.0,
    )  # fmt: skip
    assert settings.refresh_interval == 10.0 and not settings.read_only
    assert settings.gateway_name == "prod"
    policy = settings.policy
    assert policy.default_max_age == 7200
    assert [(r.job, r.max_age) for r in policy.rules] == [("nightly-.*", 93600), ("adhoc-.*", 0)]


def test_pick_another_gateway_and_its_read_only(tmp_path: Path):
    settings = resolve(Overrides(config=write(tmp_path, FULL), gateway="lab"), {})
    assert settings.connection is not None and settings.connection.token == "t0k"
    assert settings.read_only


def test_flags_beat_env_beat_file(tmp_path: Path):
    path = write(tmp_path, FULL)
    env = {"PROD_PGW_PASSWORD": "s", "PGWTUI_URL": "http://env:9091"}
    assert resolve(Overrides(config=path), env).connection.url == "http://env:9091"  # type: ignore[union-attr]
    settings = resolve(Overrides(config=path, url="http://flag:9091", refresh_interval=0), env)
    assert settings.connection is not None and settings.connection.url == "http://flag:9091"
    assert settings.refresh_interval == 0


def test_credentials_of_a_table_never_go_to_another_url(tmp_path: Path):
    settings = resolve(Overrides(config=write(tmp_path, FULL), url="http://elsewhere:9091"), {"PROD_PGW_PASSWORD": "s"})
    c = settings.connection
    assert c is not None and c.username is None and c.password is None and c.token is None


def test_env_credentials(tmp_path: Path):
    env = {"PGWTUI_URL": "http://gw:9091", "PGWTUI_USERNAME": "u", "PGWTUI_PASSWORD": "p"}
    c = resolve(Overrides(), {**env, "HOME": str(tmp_path)}).connection
    assert c is not None and (c.username, c.password) == ("u", "p")


def test_nothing_configured_means_demo(tmp_path: Path):
    settings = resolve(Overrides(), {"HOME": str(tmp_path)})
    assert settings.connection is None
    assert settings.config_path is None


def test_xdg_default_path(tmp_path: Path):
    assert default_config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/pgwtui/config.toml")
    assert default_config_path({"HOME": "/home/u"}) == Path("/home/u/.config/pgwtui/config.toml")
    config = tmp_path / "pgwtui" / "config.toml"
    config.parent.mkdir()
    config.write_text('[gateways.only]\nurl = "http://only:9091"\n')
    settings = resolve(Overrides(), {"XDG_CONFIG_HOME": str(tmp_path)})
    assert settings.connection is not None and settings.connection.url == "http://only:9091"
    assert settings.config_path == config


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("refresh = 5", "unknown key(s) refresh"),
        ("[gateways.a]\nurl = 'http://a'\nuser = 'x'", "unknown key(s) user"),
        ("gateway = 'nope'\n[gateways.a]\nurl = 'http://a'", "no [gateways.nope]"),
        ("[gateways.a]\nurl = 'http://a'\n[gateways.b]\nurl = 'http://b'", "several gateways"),
        ("[gateways.a]\nurl = 'http://a'\npassword_env = 'UNSET_VAR'", "$UNSET_VAR, which is not set"),
        ("[gateways.a]\nurl = 'http://a'\npassword = 'x'\npassword_env = 'X'", "not both"),
        ("[[staleness.rules]]\njob = '('\nmax_age = '1h'", "invalid regex"),
        ("[[staleness.rules]]\njob = 'x'", "`max_age` is required"),
        ("[staleness]\ndefault_max_age = 'soon'", "invalid duration"),
        ("refresh_interval = '0.1s'", "at least 0.5s"),
        ("this is not toml", "invalid TOML"),
    ],
)
def test_config_errors_name_the_problem(tmp_path: Path, text: str, words: str):
    with pytest.raises(ConfigError, match=re.escape(words)):
        resolve(Overrides(config=write(tmp_path, text)), {})


def test_missing_explicit_config(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve(Overrides(config=tmp_path / "nope.toml"), {})
