"""Listen addresses as Go's net.SplitHostPort reads them: `--web.listen-address` and `--metrics-listen` alike."""

from __future__ import annotations

import socket

import pytest

from bridge.addresses import split_host_port
from bridge.errors import ConfigError
from bridge.gateway.config import GatewayConfig
from bridge.spool.metrics_server import bind

GO_ACCEPTS = [
    (":9091", ("", 9091)),
    ("0.0.0.0:9091", ("0.0.0.0", 9091)),
    ("localhost:80", ("localhost", 80)),
    ("[::1]:9091", ("::1", 9091)),
    ("[::]:9091", ("::", 9091)),
    ("[fe80::1%eth0]:9091", ("fe80::1%eth0", 9091)),
    ("[127.0.0.1]:9091", ("127.0.0.1", 9091)),
    ("[]:9091", ("", 9091)),
]
GO_REFUSES = [
    "9091",  # missing port in address
    "::1:9091",  # too many colons in address
    "[::1]",  # missing port in address
    "[::1]9091",  # missing port in address
    "[::1:9091",  # missing ']' in address
    "::1]:9091",  # too many colons
    "host]:9091",  # unexpected ']' in address
    "a[b:9091",  # unexpected '[' in address
    "[a]b]:9091",  # too many colons / missing port
]
BAD_PORTS = [":-1", "host:९०९१"]
"""Go splits these, then refuses the port when it listens; we refuse them at once."""
WE_ALSO_REFUSE = ["host:", "host:http"]
"""Go listens on these (an empty port is a random one, a service name resolves); our flags want a number."""


@pytest.mark.parametrize(("address", "split"), GO_ACCEPTS)
def test_what_go_accepts(address: str, split: tuple[str, int]) -> None:
    assert split_host_port(address, flag="--x") == split


@pytest.mark.parametrize("address", GO_REFUSES + BAD_PORTS + WE_ALSO_REFUSE)
def test_what_is_refused_names_the_flag(address: str) -> None:
    with pytest.raises(ConfigError, match=r"^invalid --x '.*': expected \[host\]:port$"):
        split_host_port(address, flag="--x")


def test_the_gateway_listens_everywhere_without_a_host() -> None:
    assert GatewayConfig(listen_address=":9091").listen_host_port() == ("0.0.0.0", 9091)
    assert GatewayConfig(listen_address="[::1]:9091").listen_host_port() == ("::1", 9091)
    with pytest.raises(ConfigError, match=r"--web\.listen-address"):
        GatewayConfig(listen_address="::1:9091").listen_host_port()


def test_metrics_listen_binds_the_address_without_its_brackets() -> None:
    sock = bind("[127.0.0.1]:0")
    try:
        assert sock.family == socket.AF_INET
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
    with pytest.raises(ConfigError, match="--metrics-listen"):
        bind("::1:0")
