"""Unit tests: the `pgwtui` command line (errors become a message and exit status 2, never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pgwtui.__main__ import main, parser, settings_from


def test_help_mentions_environment_and_config():
    text = parser().format_help()
    assert "PGWTUI_URL" in text and "--read-only" in text and "config.toml" in text


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "c.toml"
    bad.write_text("nonsense = [")
    assert main(["--config", str(bad)]) == 2
    assert "invalid TOML" in capsys.readouterr().err


def test_bad_url_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["not-a-url"]) == 2
    assert "gateway: URL must look like" in capsys.readouterr().err


def test_flags_to_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("PGWTUI_URL", raising=False)
    args = parser().parse_args(["http://gw:9091", "--read-only", "--refresh", "2s", "--token", "t", "--insecure"])
    settings = settings_from(args)
    assert settings.read_only and settings.refresh_interval == 2.0
    assert settings.connection is not None and settings.connection.token == "t" and settings.connection.insecure


def test_console_script_runs_without_a_terminal_trace():
    result = subprocess.run(
        [sys.executable, "-m", "pgwtui", "--config", "/nonexistent/pgwtui.toml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "does not exist" in result.stderr


def test_prometheus_flag_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("PGWTUI_PROMETHEUS", "http://from-env:9090")
    from_env = settings_from(parser().parse_args(["http://gw:9091"])).prometheus
    assert from_env is not None and from_env.url == "http://from-env:9090"
    from_flag = settings_from(parser().parse_args(["http://gw:9091", "--prometheus", "http://prom:9090/"])).prometheus
    assert from_flag is not None and from_flag.url == "http://prom:9090"
    assert "--prometheus" in parser().format_help() and "pgwtui rules" in parser().format_help()
