"""`--storage.postgres` is opt-in: without it psycopg is never imported; with `--persistence.file` too it is refused."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bridge.errors import ConfigError
from bridge.gateway.config import GatewayConfig, redact_dsn
from bridge.gateway.runtime import build_app
from tests.support.servers import REPO

NO_PSYCOPG = """
import sys
from bridge.cli import build_parser, main
from bridge.gateway.config import GatewayConfig
from bridge.gateway.runtime import build_app
build_parser().parse_args(["serve"])
build_app(GatewayConfig())
assert "psycopg" not in sys.modules, "a gateway without --storage.postgres imported psycopg"
"""


def test_a_gateway_without_the_flag_never_loads_psycopg() -> None:
    done = subprocess.run([sys.executable, "-c", NO_PSYCOPG], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_both_stores_at_once_are_refused() -> None:
    config = GatewayConfig(persistence_file="state.db", storage_postgres="postgresql://pgw@127.0.0.1:1/x")
    with pytest.raises(ConfigError, match="exclude each other"):
        build_app(config)


@pytest.mark.parametrize(
    ("dsn", "shown"),
    [
        ("postgresql://pgw:hunter2@db:5432/pgw?sslmode=require", "postgresql://pgw:***@db:5432/pgw?sslmode=require"),
        (
            "postgresql://pgw@db1:5432,db2:5432/pgw?password=hunter2",
            "postgresql://pgw@db1:5432,db2:5432/pgw?password=***",
        ),
        ("host=db user=pgw password=hunter2 dbname=pgw", "host=db user=pgw password=*** dbname=pgw"),
        ("host=db password='hun ter2' dbname=pgw", "host=db password=*** dbname=pgw"),
        ("postgresql://pgw@db/pgw", "postgresql://pgw@db/pgw"),
    ],
)
def test_the_dsn_is_shown_without_its_password(dsn: str, shown: str) -> None:
    assert redact_dsn(dsn) == shown
    assert "hunter2" not in GatewayConfig(storage_postgres=dsn).flags()["storage.postgres"]
