"""Unit tests: the version text, build-info labels and log lines in Go 1.11's layouts; the 1.7 route-prefix rule."""

from __future__ import annotations

import json
import logging

import pytest

from bridge import buildinfo, logs
from bridge.gateway.config import compute_route_prefix


def test_version_text_is_go_s_six_lines() -> None:
    lines = buildinfo.version_text().splitlines()
    assert lines[0].startswith("pgw-bridge, version ") and "(branch: " in lines[0] and ", revision: " in lines[0]
    assert [line[:20] for line in lines[1:]] == [
        "  build user:       ",
        "  build date:       ",
        "  go version:       ",
        "  platform:         ",
        "  tags:             ",
    ]
    assert lines[-1].endswith("unknown")


def test_build_info_labels_are_1_11_s() -> None:
    assert sorted(buildinfo.build_info()) == ["branch", "goarch", "goos", "goversion", "revision", "tags", "version"]


def _record(message: str, **kv: object) -> logging.LogRecord:
    record = logging.LogRecord("bridge.gateway", logging.WARNING, "/x/handlers.py", 42, message, (), None, func="push")
    record.module = "handlers"
    record.kv = kv
    return record


def test_logfmt_lines_are_in_slog_s_order() -> None:
    line = logs.LogfmtFormatter().format(_record("it failed", err="bad thing", n=1))
    assert line.split(" ", 1)[1] == 'level=warn caller=handlers.py:42 msg="it failed" err="bad thing" n=1'
    assert line.startswith("ts=")
    debug = logs.LogfmtFormatter(long_caller=True).format(_record("x"))
    assert " caller=handlers.py(handlers.push):42 " in debug


def test_json_lines_keep_the_same_order() -> None:
    line = logs.JsonFormatter().format(_record("m", z=1, a=2))
    assert list(json.loads(line)) == ["ts", "level", "caller", "msg", "z", "a"]


@pytest.mark.parametrize(
    ("prefix", "external_url", "expected"),
    [
        ("", "", ""),
        ("/", "", ""),
        ("pfx", "", "/pfx"),
        ("/pfx", "", "/pfx"),
        ("/pfx/", "", "/pfx"),
        ("pfx/", "", "/pfx"),
        ("/a/b/", "", "/a/b"),
        ("//pfx", "", "//pfx"),  # 1.5.1: /pfx
        ("/pfx//", "", "/pfx/"),  # 1.5.1: /pfx
        ("", "http://h/ext/", "/ext"),
        ("", "http://h/ext//", "/ext/"),
        ("", "http://h", ""),
        ("/r", "http://h/ext/", "/r"),
    ],
)
def test_route_prefix_follows_1_7(prefix: str, external_url: str, expected: str) -> None:
    assert compute_route_prefix(prefix, external_url) == expected
