"""`drop` and `exec` as library calls: validation, atomic names, POST merging, the exec body."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bridge.cli.produce import grouping_from_args
from bridge.errors import ConfigError, ParseError, SpoolError
from bridge.protocol.methods import Method
from bridge.protocol.textparse import parse_text
from bridge.spool.execjob import LAST_SUCCESS, MAX_AGE, RunResult, render
from bridge.spool.producer import drop, merge_posts


def test_drop_writes_under_the_grouping_keys_name(tmp_path: Path) -> None:
    path = drop(tmp_path, {"job": "backup", "instance": "db/1"}, Method.PUT, b"a 1\n")
    assert path == tmp_path / "backup@instance=db%2F1.prom"
    assert path.read_bytes() == b"a 1\n"
    assert os.listdir(tmp_path) == [path.name]


def test_drop_selects_the_directory_by_method(tmp_path: Path) -> None:
    assert drop(tmp_path, {"job": "j"}, Method.POST, b"a 1\n") == tmp_path / "add" / "j.prom"
    deleted = drop(tmp_path, {"job": "j"}, Method.DELETE, b"ignored")
    assert deleted == tmp_path / "delete" / "j.prom" and deleted.read_bytes() == b""


def test_drop_validates_first(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as caught:
        drop(tmp_path, {"job": "j"}, Method.PUT, b"ok 1\nbad{ 2\n")
    assert caught.value.line == 2
    assert "line 2" in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_drop_needs_an_existing_spool(tmp_path: Path) -> None:
    with pytest.raises(SpoolError, match="does not exist"):
        drop(tmp_path / "missing", {"job": "j"}, Method.PUT, b"")


def test_a_post_merges_with_the_one_still_waiting(tmp_path: Path) -> None:
    drop(tmp_path, {"job": "j"}, Method.POST, b"a 1\nb 1\n")
    drop(tmp_path, {"job": "j"}, Method.POST, b"b 2\nc 2\n")
    families = parse_text((tmp_path / "add" / "j.prom").read_bytes())
    assert {name: f.metrics[0].untyped for name, f in families.items()} == {"a": 1.0, "b": 2.0, "c": 2.0}


def test_a_later_put_means_the_waiting_post_is_not_merged(tmp_path: Path) -> None:
    drop(tmp_path, {"job": "j"}, Method.POST, b"a 1\n")
    waiting = tmp_path / "add" / "j.prom"
    os.utime(waiting, ns=(1_000_000_000, 1_000_000_000))
    drop(tmp_path, {"job": "j"}, Method.PUT, b"p 1\n")
    drop(tmp_path, {"job": "j"}, Method.POST, b"b 2\n")
    assert set(parse_text(waiting.read_bytes())) == {"b"}


def test_merge_keeps_help_and_types() -> None:
    earlier = b'# HELP a Help of a.\n# TYPE a gauge\na{x="1"} 1\n'
    later = b"# TYPE b counter\nb 3\n"
    merged = parse_text(merge_posts(earlier, later))
    assert merged["a"].help == "Help of a." and merged["a"].metrics[0].gauge == 1.0
    assert merged["b"].metrics[0].counter == 3.0


def test_grouping_arguments() -> None:
    assert grouping_from_args("j", ["a=1", "b="]) == {"job": "j", "a": "1", "b": ""}
    for bad in (["a"], ["a=1", "a=2"], ["job=x"], ["1a=x"]):
        with pytest.raises(ConfigError):
            grouping_from_args("j", bad)
    with pytest.raises(ConfigError):
        grouping_from_args("", [])


def test_exec_body_on_success_and_failure() -> None:
    ok = parse_text(render(RunResult(0, 1.5, 1_700_000_000.25), max_age=3600.0))
    assert ok["pgw_exec_exit_code"].metrics[0].gauge == 0.0
    assert ok["pgw_exec_duration_seconds"].metrics[0].gauge == 1.5
    assert ok[LAST_SUCCESS].metrics[0].gauge == 1_700_000_000.25
    assert ok[MAX_AGE].metrics[0].gauge == 3600.0
    failed = parse_text(render(RunResult(3, 0.1, 1_700_000_100.0), max_age=None))
    assert failed["pgw_exec_exit_code"].metrics[0].gauge == 3.0
    assert failed["pgw_exec_last_run_timestamp_seconds"].metrics[0].gauge == 1_700_000_100.0
    assert LAST_SUCCESS not in failed and MAX_AGE not in failed
